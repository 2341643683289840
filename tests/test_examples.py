"""The README's main job runs and recovers the data set's group means."""

import re
import runpy
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_quickstart_recovers_group_means(capsys, rldm):
    runpy.run_path(str(QUICKSTART), run_name="__main__")
    output = capsys.readouterr().out
    truth = rldm["params_true_group"]
    rows = re.findall(r"^\s*(\w+)\s+(-?[\d.]+)\s+(-?[\d.]+)$", output, flags=re.M)
    assert {name for name, _, _ in rows} == {
        "rl_alpha",
        "scaler",
        "a",
        "z",
        "t",
        "theta",
    }
    for name, estimate, _ in rows:
        mean = truth[name + "_mean"]
        assert abs(float(estimate) - mean) < 0.1 * abs(mean) + 0.05, name
