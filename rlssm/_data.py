"""Validation of trial data and its layout as participants x trials."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np
import pandas as pd

_SHOWN_ROWS = 5


def _rows(frame: pd.DataFrame, bad: np.ndarray) -> str:
    """Describe up to five offending rows by their index label."""
    labels = frame.index[bad]
    shown = ", ".join(repr(label) for label in labels[:_SHOWN_ROWS])
    more = f" and {len(labels) - _SHOWN_ROWS} more" if len(labels) > _SHOWN_ROWS else ""
    return f"rows {shown}{more}"


@attrs.frozen(eq=False)
class Panel:
    """Trials of several participants laid out as a (participants, trials) grid.

    Built by `RLSSM.panel` from a DataFrame; the grid is padded with masked
    trials when participants have different trial counts. Arrays named
    `*_rows` follow the caller's row order, the others the grid.

    Attributes
    ----------
    participants
        Participant labels, in order of first appearance; grid row `p` holds
        `participants[p]`.
    row_index
        `(P, T)` caller's row number of each grid cell (0 in padding).
    learn
        `(P, T)` whether the learning rule updates after a grid cell: a real,
        observed trial (not padding, not a skipped missing response).
    reset
        `(P, T)` whether the learning state returns to its initial value before
        a grid cell (the first trial of a new block).
    option
        `(P, T)` index of the chosen option (0 where there is none).
    columns
        `(P, T)` values of each column a learning rule reads, by canonical name.
    rt_rows
        `(n,)` response times (1.0 where missing).
    option_rows
        `(n,)` index of the chosen option (0 where missing).
    observed_rows
        `(n,)` whether a row has a response; the others add no likelihood.
    grid_position_rows
        `(n,)` flat grid position `p * T + t` of each row.
    """

    participants: np.ndarray
    row_index: np.ndarray
    learn: np.ndarray
    reset: np.ndarray
    option: np.ndarray
    columns: Mapping[str, np.ndarray]
    rt_rows: np.ndarray
    option_rows: np.ndarray
    observed_rows: np.ndarray
    grid_position_rows: np.ndarray

    @property
    def n_rows(self) -> int:
        """Number of trials (rows of the original DataFrame)."""
        return len(self.rt_rows)


def response_to_option(
    response: np.ndarray, n_options: int, column: str, frame: pd.DataFrame
) -> np.ndarray:
    """Map response codes to option indices `0 .. n_options - 1`.

    Accepted codings: `0 .. n_options - 1`, and for two options also -1/+1
    (-1 is option 0, +1 is option 1).
    """
    integral = response == np.round(response)
    if not integral.all():
        raise ValueError(
            f"Column {column!r} must hold whole numbers (option codes); "
            f"{_rows(frame, ~integral)} do not. Code responses as 0..{n_options - 1}."
        )
    values = set(np.unique(response).astype(int).tolist())
    codings = [set(range(n_options))]
    if n_options == 2:
        codings.append({-1, 1})
    for coding in codings:
        if values <= coding:
            if coding == {-1, 1}:
                return ((response + 1) // 2).astype(np.int32)
            return response.astype(np.int32)
    allowed = " or ".join(str(sorted(coding)) for coding in codings)
    outside = ~np.isin(response, sorted(codings[0]))
    raise ValueError(
        f"Column {column!r} holds the values {sorted(values)}, which fit no "
        f"accepted coding ({allowed}) for {n_options} options ({_rows(frame, outside)} "
        "among them). Recode the responses, or use a learning rule with more options."
    )


def _numeric(frame: pd.DataFrame, column: str, allow_missing: np.ndarray) -> np.ndarray:
    """Column as floats; NaN/inf only where `allow_missing` is True."""
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise ValueError(
            f"Column {column!r} must be numeric, but has dtype {series.dtype}. "
            "Convert it, e.g. with `pd.to_numeric`."
        )
    values = series.to_numpy(dtype=float)
    bad = ~np.isfinite(values) & ~allow_missing
    if bad.any():
        raise ValueError(
            f"Column {column!r} holds NaN or infinite values in {_rows(frame, bad)}. "
            "Remove or fill those trials before fitting."
        )
    return values


def make_panel(
    frame: pd.DataFrame,
    names: Mapping[str, str],
    learning_columns: Sequence[str],
    n_options: int,
    skip_missing: bool = False,
) -> Panel:
    """Validate `frame` and lay it out as a participants x trials grid.

    Parameters
    ----------
    frame
        One row per trial. It is not modified.
    names
        DataFrame column name for each canonical name: `participant_id`,
        `trial_id`, `rt`, `response`, each of `learning_columns`, and
        optionally `block` (a change of its value within a participant resets
        the learning state).
    learning_columns
        Canonical names of the columns the learning rule reads.
    n_options
        Number of options of the learning rule.
    skip_missing
        If True, rows whose rt or response is missing (NaN) add no likelihood
        and leave the learning state unchanged; if False they are an error.

    Returns
    -------
    Panel
        The validated grid.

    Raises
    ------
    ValueError
        Naming the column, up to five offending rows and the fix, when a column
        is missing, holds NaN/inf or non-numbers, rt <= 0, a response fits no
        coding, a (participant, trial) pair repeats, or a participant has fewer
        than 2 trials.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"`data` must be a pandas DataFrame, got {type(frame).__name__}."
        )
    needed = ["participant_id", "trial_id", "rt", "response", *learning_columns]
    needed += ["block"] if "block" in names else []
    missing = [names[key] for key in needed if names[key] not in frame.columns]
    if missing:
        raise ValueError(
            f"`data` lacks the column(s) {missing}; it has {list(frame.columns)}. "
            "Add them, or map your names with `RLSSM(..., columns={...})`."
        )
    for key in ("participant_id", "block"):
        if key in names and frame[names[key]].isna().any():
            raise ValueError(
                f"Column {names[key]!r} is missing a value in "
                f"{_rows(frame, frame[names[key]].isna().to_numpy())}; "
                "give every trial one."
            )
    nothing = np.zeros(len(frame), bool)
    absent = nothing
    if skip_missing:
        absent = (
            frame[names["rt"]].isna().to_numpy()
            | frame[names["response"]].isna().to_numpy()
        )
    numeric = {"trial_id": _numeric(frame, names["trial_id"], nothing)}
    for key in ("rt", "response", *learning_columns):
        numeric[key] = _numeric(frame, names[key], absent)
    observed = ~absent
    rt = np.where(observed, numeric["rt"], 1.0)
    if (rt <= 0).any():
        raise ValueError(
            f"Column {names['rt']!r} must be positive (seconds), but is <= 0 in "
            f"{_rows(frame, rt <= 0)}. Remove those trials or fix the rts."
        )
    option_rows = np.zeros(len(frame), np.int32)
    option_rows[observed] = response_to_option(
        numeric["response"][observed], n_options, names["response"], frame[observed]
    )

    codes, participants = pd.factorize(frame[names["participant_id"]], sort=False)
    trial = numeric["trial_id"]
    duplicated = (
        pd.DataFrame({"p": codes, "t": trial}).duplicated(keep=False).to_numpy()
    )
    if duplicated.any():
        raise ValueError(
            f"The pair ({names['participant_id']!r}, {names['trial_id']!r}) "
            f"repeats in {_rows(frame, duplicated)}; "
            "each participant's trials need distinct numbers."
        )
    counts = np.bincount(codes, minlength=len(participants))
    if (counts < 2).any():
        few = np.isin(codes, np.flatnonzero(counts < 2))
        raise ValueError(
            f"Participant(s) {list(participants[counts < 2][:_SHOWN_ROWS])} in column "
            f"{names['participant_id']!r} have fewer than 2 trials "
            f"({_rows(frame, few)}); remove them."
        )

    order = np.lexsort((trial, codes))
    sorted_codes = codes[order]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    within = np.arange(len(order)) - starts[sorted_codes]
    shape = (len(participants), int(counts.max()))
    row_index = np.zeros(shape, np.int32)
    row_index[sorted_codes, within] = order
    real = np.zeros(shape, bool)
    real[sorted_codes, within] = True
    reset = np.zeros(shape, bool)
    if "block" in names:
        block = frame[names["block"]].to_numpy()[row_index]
        reset[:, 1:] = real[:, 1:] & (block[:, 1:] != block[:, :-1])
    grid_position_rows = np.empty(len(order), np.int32)
    grid_position_rows[order] = sorted_codes * shape[1] + within
    return Panel(
        participants=np.asarray(participants),
        row_index=row_index,
        learn=real & observed[row_index],
        reset=reset,
        option=np.where(real, option_rows[row_index], 0).astype(np.int32),
        columns={
            key: np.where(real & observed[row_index], numeric[key][row_index], 0.0)
            for key in learning_columns
        },
        rt_rows=rt,
        option_rows=option_rows,
        observed_rows=observed,
        grid_position_rows=grid_position_rows,
    )
