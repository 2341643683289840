"""The full likelihood on the rldm data set against HSSM and independent code."""

import numpy as np
import pytest
from conftest import NETWORKS
from hssm_reference import hssm_rw_angle_logp
from test_lan import onnxruntime_logp

import rlssm

COLUMNS = {"trial_id": "trial"}


def per_row(rldm, names, dtype=np.float64):
    """True subject parameters, one value per row of the data."""
    data = rldm["data"]
    ids = np.sort(data["participant_id"].unique())
    position = np.searchsorted(ids, data["participant_id"].to_numpy())
    return {
        name: np.asarray(rldm["params_true_subj"][name])[position].astype(dtype)
        for name in names
    }


def test_rescorla_wagner_angle_matches_hssm(rldm, angle_lan):
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), angle_lan, columns=COLUMNS)
    ours = np.asarray(model.logp(rldm["data"], per_row(rldm, model.list_params)))
    hssm = hssm_rw_angle_logp(
        rldm["data"], rldm["params_true_subj"], NETWORKS / "angle.onnx"
    )
    np.testing.assert_allclose(ours, hssm, atol=1e-4, rtol=0)
    assert ours.sum() == pytest.approx(-2938.56, abs=0.01)
    ours32 = model.logp(rldm["data"], per_row(rldm, model.list_params, np.float32))
    assert ours32.dtype == np.float32
    assert float(ours32.sum()) == pytest.approx(-2938.56, abs=0.01)


def test_dual_alpha_angle_matches_numpy_and_onnxruntime(rldm, angle_lan):
    model = rlssm.RLSSM(rlssm.DualAlpha(), angle_lan, columns=COLUMNS)
    params = per_row(rldm, ["rl_alpha", "scaler", "a", "z", "t", "theta"])
    params["rl_alpha_neg"] = params["rl_alpha"] / 3
    ours = np.asarray(model.logp(rldm["data"], params))

    data = rldm["data"].reset_index(drop=True)  # its index labels repeat
    v = np.zeros(len(data))
    for _, trials in data.groupby("participant_id"):
        q = np.array([0.5, 0.5])
        for row in trials.sort_values("trial").itertuples():
            i, option = row.Index, int(row.response)
            v[i] = params["scaler"][i] * (q[1] - q[0])
            error = row.feedback - q[option]
            rate = params["rl_alpha"][i] if error >= 0 else params["rl_alpha_neg"][i]
            q[option] += rate * error
    inputs = np.stack(
        [
            v,
            params["a"],
            params["z"],
            params["t"],
            params["theta"],
            data["rt"],
            2 * data["response"] - 1,
        ],
        axis=1,
    ).astype(np.float32)
    reference = onnxruntime_logp(NETWORKS / "angle.onnx", inputs)
    np.testing.assert_allclose(ours, reference, atol=1e-4, rtol=0)
