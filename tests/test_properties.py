"""Property tests of the data layout: order, participants and padding."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import rlssm

MODEL = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM())
PARAMS = {
    "rl_alpha": 0.35,
    "rl_alpha_neg": 0.15,
    "scaler": 2.5,
    "a": 1.1,
    "z": 0.5,
    "t": 0.15,
}


@st.composite
def panels(draw):
    """Participants with 2..12 trials each, any labels, rows in any order."""
    counts = draw(st.lists(st.integers(2, 12), min_size=1, max_size=4))
    labels = draw(
        st.lists(
            st.text(min_size=1, max_size=3),
            min_size=len(counts),
            max_size=len(counts),
            unique=True,
        )
    )
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for label, count in zip(labels, counts, strict=True):
        trials = rng.choice(1000, size=count, replace=False)
        for trial in trials:
            rows.append(
                (
                    label,
                    trial,
                    rng.uniform(0.3, 2.0),
                    rng.integers(0, 2),
                    rng.normal(0.5, 0.3),
                )
            )
    frame = pd.DataFrame(
        rows, columns=["participant_id", "trial_id", "rt", "response", "feedback"]
    )
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True)


@settings(max_examples=10, deadline=None)
@given(panels(), st.randoms(use_true_random=False))
def test_shuffling_rows_permutes_logp(frame, random):
    logp = np.asarray(MODEL.logp(frame, PARAMS))
    order = list(range(len(frame)))
    random.shuffle(order)
    shuffled = np.asarray(MODEL.logp(frame.iloc[order], PARAMS))
    np.testing.assert_allclose(shuffled, logp[order], rtol=1e-12)
    np.testing.assert_allclose(shuffled.sum(), logp.sum(), rtol=1e-12)


@settings(max_examples=10, deadline=None)
@given(panels())
def test_joint_equals_each_participant_alone(frame):
    """Also covers padding: each participant alone has no padded trials."""
    logp = np.asarray(MODEL.logp(frame, PARAMS))
    for _, trials in frame.groupby("participant_id"):
        alone = np.asarray(MODEL.logp(trials, PARAMS))
        np.testing.assert_allclose(logp[trials.index], alone, rtol=1e-12)
