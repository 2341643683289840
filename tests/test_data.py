"""Data validation and the participants x trials layout."""

import numpy as np
import pandas as pd
import pytest
from test_learning import bandit_frame

import rlssm

MODEL = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM())
PARAMS = {
    "rl_alpha": 0.4,
    "rl_alpha_neg": 0.1,
    "scaler": 2.0,
    "a": 1.0,
    "z": 0.5,
    "t": 0.2,
}


def setting(rows, column, value):
    """An edit that sets `column` in `rows` (positions) to `value`."""

    def edit(frame):
        numeric = not isinstance(value, str) and column != "participant_id"
        frame = frame.astype({column: float if numeric else object})
        frame.loc[rows, column] = value
        return frame

    return edit


def broken(edit):
    return edit(bandit_frame(7).reset_index(drop=True))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.drop(columns="feedback"), r"lacks the column\(s\) \['feedback'\]"),
        (setting(3, "rt", np.nan), r"'rt' holds NaN or infinite values in rows 3\."),
        (setting(5, "feedback", np.inf), r"'feedback' holds NaN .* rows 5\."),
        (setting([2, 4], "rt", 0.0), r"'rt' must be positive .* rows 2, 4\."),
        (setting(6, "response", 2), r"'response' holds the values \[0, 1, 2\]"),
        (setting(6, "response", -1), r"values \[-1, 0, 1\], which fit no"),
        (setting(6, "response", 0.5), r"'response' must hold whole numbers"),
        (setting(slice(None), "feedback", "win"), r"'feedback' must be numeric"),
        (setting(1, "trial_id", 0), r"repeats in rows"),
        (setting(0, "participant_id", "lonely"), r"\['lonely'\] .* fewer than 2"),
        (
            setting(0, "participant_id", None),
            r"'participant_id' is missing a value in rows 0",
        ),
    ],
)
def test_bad_data_is_named(edit, message):
    frame = broken(edit)
    with pytest.raises(ValueError, match=message):
        MODEL.logp(frame, PARAMS)


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        MODEL.logp(bandit_frame(0).to_numpy(), PARAMS)


def test_error_lists_at_most_five_rows():
    frame = broken(setting(list(range(8)), "rt", -1.0))
    with pytest.raises(ValueError, match=r"rows 0, 1, 2, 3, 4 and 3 more"):
        MODEL.logp(frame, PARAMS)


def test_caller_frame_is_not_modified():
    frame = bandit_frame(8)
    copy = frame.copy(deep=True)
    MODEL.logp(frame, PARAMS)
    MODEL.latents(frame, PARAMS)
    pd.testing.assert_frame_equal(frame, copy)


def test_row_order_and_labels_do_not_matter():
    frame = bandit_frame(9)
    logp = np.asarray(MODEL.logp(frame, PARAMS))
    order = np.random.default_rng(0).permutation(len(frame))
    shuffled = frame.iloc[order]
    np.testing.assert_allclose(MODEL.logp(shuffled, PARAMS), logp[order], rtol=1e-12)
    relabelled = frame.assign(
        participant_id=frame["participant_id"].map({"p0": 17, "p1": -3, "p2": 5})
    )
    np.testing.assert_allclose(MODEL.logp(relabelled, PARAMS), logp, rtol=1e-12)


def test_unbalanced_participants_equal_separate_fits():
    frame = bandit_frame(10, n_participants=3, n_trials=80)
    frame = frame[~((frame.participant_id == "p1") & (frame.trial_id >= 30))]
    joint = np.asarray(MODEL.logp(frame, PARAMS))
    for label, trials in frame.groupby("participant_id"):
        alone = np.asarray(MODEL.logp(trials, PARAMS))
        np.testing.assert_allclose(
            joint[(frame.participant_id == label).to_numpy()], alone, rtol=1e-12
        )


def test_block_change_resets_learning():
    frame = bandit_frame(13, n_participants=2, n_trials=60).reset_index(drop=True)
    frame["block"] = np.where(frame["trial_id"] < 25, "first", "second")
    model = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM(), columns={"block": "block"})
    assert model.extra_fields == ["participant_id", "trial_id", "feedback", "block"]
    with_blocks = np.asarray(model.logp(frame, PARAMS))
    split = frame.assign(participant_id=frame["participant_id"] + "/" + frame["block"])
    np.testing.assert_allclose(with_blocks, MODEL.logp(split, PARAMS), rtol=1e-12)
    assert not np.allclose(with_blocks, MODEL.logp(frame, PARAMS))


def test_missing_responses_rejected_by_default_or_skipped():
    frame = bandit_frame(14).reset_index(drop=True)
    holes = frame.copy()
    holes.loc[[3, 10], "rt"] = np.nan
    holes.loc[[10, 20], "response"] = np.nan
    holes.loc[20, "feedback"] = np.nan
    with pytest.raises(
        ValueError, match=r"'rt' holds NaN or infinite values in rows 3, 10"
    ):
        MODEL.logp(holes, PARAMS)
    skipping = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM(), skip_missing=True)
    logp = np.asarray(skipping.logp(holes, PARAMS))
    assert np.isfinite(logp).all()
    np.testing.assert_array_equal(logp[[3, 10, 20]], 0.0)
    # Same as dropping those trials: the learning state skips them too.
    kept = holes.drop(index=[3, 10, 20])
    np.testing.assert_allclose(
        np.delete(logp, [3, 10, 20]), MODEL.logp(kept, PARAMS), rtol=1e-12
    )


def test_wrong_length_parameter_array():
    frame = bandit_frame(15)
    with pytest.raises(ValueError, match=r"`params\['rl_alpha'\]` has shape \(5,\)"):
        MODEL.logp(frame, {**PARAMS, "rl_alpha": np.full(5, 0.3)})
