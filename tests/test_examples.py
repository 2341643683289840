"""The README's main job runs end to end and recovers the simulated truth."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quickstart_fits_and_recovers(tmp_path):
    plot, ppc_plot = tmp_path / "recovery.png", tmp_path / "curve.png"
    script = ROOT / "examples" / "quickstart.py"
    result = subprocess.run(
        [sys.executable, str(script), "--plot", str(plot), "--ppc-plot", str(ppc_plot)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout
    print(output)
    assert "divergent transitions: 0" in output
    rows = re.findall(
        r"^\s*(\w+)\s+(-?[\d.]+) \[\s*(-?[\d.]+),\s*(-?[\d.]+)\]", output, re.M
    )
    assert {name for name, *_ in rows} == {
        "rl_alpha",
        "rl_alpha_neg",
        "scaler",
        "a",
        "z",
        "t",
        "theta",
    }
    # Seven 94% intervals of one fit: allow one miss (all seven cover with
    # probability 0.94**7 = 0.65 even for a perfect sampler).
    assert output.count("outside HDI") <= 1
    assert plot.stat().st_size > 10_000
    # The posterior predictive learning curve: criterion as in test_recovery.
    inside, bins = map(
        int, re.search(r"learning curve: (\d+) of (\d+) bins", output).groups()
    )
    assert bins == 10 and inside >= 8
    assert ppc_plot.stat().st_size > 10_000
