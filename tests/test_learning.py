"""Learning rules against plain NumPy trial loops."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rlssm

FORGETFUL_RW = Path(__file__).resolve().parents[1] / "examples" / "forgetful_rw.py"


def load_forgetful_rw():
    """The docs' custom learning rule, imported from examples/ (not a package)."""
    spec = importlib.util.spec_from_file_location("forgetful_rw", FORGETFUL_RW)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ForgetfulRW


ForgetfulRW = load_forgetful_rw()


def bandit_frame(seed: int, n_participants=3, n_trials=60, minus_one=False):
    """Random choices and Gaussian feedback, rows shuffled."""
    rng = np.random.default_rng(seed)
    n = n_participants * n_trials
    frame = pd.DataFrame(
        {
            "participant_id": np.repeat(
                [f"p{i}" for i in range(n_participants)], n_trials
            ),
            "trial_id": np.tile(np.arange(n_trials), n_participants),
            "rt": rng.uniform(0.4, 2.0, n),
            "response": rng.integers(0, 2, n),
            "feedback": rng.normal(0.5, 0.4, n),
        }
    )
    if minus_one:
        frame["response"] = 2 * frame["response"] - 1
    return frame.sample(frac=1.0, random_state=seed)


def numpy_loop(frame, rates, scaler, q0=0.5):
    """Q before each trial, v and the prediction error, by a plain loop.

    `rates(error, row)` is the learning rate; `scaler` a scalar or one per row.
    """
    q_rows = np.zeros((len(frame), 2))
    v_rows = np.zeros(len(frame))
    errors = np.zeros(len(frame))
    scaler = np.broadcast_to(scaler, len(frame))
    for _, trials in frame.groupby("participant_id", sort=False):
        q = np.full(2, q0)
        for row in trials.sort_values("trial_id").itertuples():
            position = frame.index.get_loc(row.Index)
            option = int(row.response > 0)
            q_rows[position] = q
            v_rows[position] = scaler[position] * (q[1] - q[0])
            errors[position] = row.feedback - q[option]
            q[option] += rates(errors[position], position) * errors[position]
    return q_rows, v_rows, errors


@pytest.mark.parametrize("minus_one", [False, True])
def test_rescorla_wagner_matches_numpy_loop(minus_one):
    frame = bandit_frame(0, minus_one=minus_one)
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    latents = model.latents(
        frame, {"rl_alpha": 0.3, "scaler": 2.5, "a": 1, "z": 0.5, "t": 0.1}
    )
    q, v, _ = numpy_loop(frame, lambda error, row: 0.3, scaler=2.5)
    np.testing.assert_allclose(latents["q"], q, atol=1e-12)
    np.testing.assert_allclose(latents["v"], v, atol=1e-12)


@pytest.mark.parametrize("minus_one", [False, True])
def test_dual_alpha_matches_numpy_loop(minus_one):
    frame = bandit_frame(1, minus_one=minus_one)
    model = rlssm.RLSSM(rlssm.DualAlpha(q0=0.2), rlssm.DDM())
    params = {
        "rl_alpha": 0.6,
        "rl_alpha_neg": 0.1,
        "scaler": 3.0,
        "a": 1,
        "z": 0.5,
        "t": 0.1,
    }
    latents = model.latents(frame, params)
    q, v, _ = numpy_loop(
        frame, lambda error, row: 0.6 if error >= 0 else 0.1, scaler=3.0, q0=0.2
    )
    np.testing.assert_allclose(latents["q"], q, atol=1e-12)
    np.testing.assert_allclose(latents["v"], v, atol=1e-12)


def test_trial_varying_learning_rate_follows_row_order():
    frame = bandit_frame(2)
    alpha = np.random.default_rng(2).uniform(0.05, 0.95, len(frame))
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    params = {"rl_alpha": alpha, "scaler": 1.5, "a": 1, "z": 0.5, "t": 0.1}
    latents = model.latents(frame, params)
    q, v, _ = numpy_loop(frame, lambda error, row: alpha[row], scaler=1.5)
    np.testing.assert_allclose(latents["q"], q, atol=1e-12)
    np.testing.assert_allclose(latents["v"], v, atol=1e-12)


def test_custom_rule_by_subclassing():
    model = rlssm.RLSSM(ForgetfulRW(), rlssm.DDM())
    assert model.list_params == ["rl_alpha", "forget", "scaler", "a", "z", "t"]
    assert model.bounds["forget"] == (0.0, 1.0)
    frame = bandit_frame(3, n_participants=2, n_trials=30)
    params = {"rl_alpha": 0.4, "forget": 0.2, "scaler": 2.0, "a": 1, "z": 0.5, "t": 0.1}
    got = model.latents(frame, params)["q"]
    expected = np.zeros_like(got)
    for _, trials in frame.groupby("participant_id", sort=False):
        q = np.full(2, 0.5)
        for row in trials.sort_values("trial_id").itertuples():
            expected[frame.index.get_loc(row.Index)] = q
            other = 1 - row.response
            q[row.response] += 0.4 * (row.feedback - q[row.response])
            q[other] += 0.2 * (0.5 - q[other])
    np.testing.assert_allclose(got, expected, atol=1e-12)
    assert np.isfinite(np.asarray(model.logp(frame, params))).all()


def test_rule_needs_two_options():
    with pytest.raises(ValueError, match=r"RescorlaWagner\(n_options=...\)"):
        rlssm.RescorlaWagner(n_options=1)
