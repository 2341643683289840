"""Posterior predictive checks by trial bin: learning curves and RT quantiles.

The two summaries researchers compare between data and model in learning
tasks (e.g. Pedersen, Frank & Biele, 2017; Fontanesi et al., 2019): the
proportion of choices of the better option, and the response time quantiles,
each by bin of trials within a participant. The observed values are computed
from the data; the model's as a band over posterior predictive draws (from
`predict_one_step` or `predict_closed_loop`): for each draw the same summary,
then its median and an equal-tailed interval across draws.

`learning_curve` and `rt_quantiles` return the numbers as DataFrames;
`plot_learning_curve` and `plot_rt_quantiles` draw them with matplotlib
(imported only when plotting).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ._model import RLSSM

_DRAW = "draw"
_BIN = "trial_bin"


def _option_index(responses: pd.Series) -> np.ndarray:
    """Option index of each response: -1/+1 and 0/1 codes both give 0/1."""
    values = responses.to_numpy(float)
    return np.where(values == -1, 0.0, values)


def _with_bins(model: RLSSM, frame: pd.DataFrame, bin_size: int) -> pd.DataFrame:
    """Add each row's trial bin: its position in the participant's trials // size."""
    columns = model.columns
    keys = [columns["participant_id"]]
    if _DRAW in frame.columns:
        keys = [_DRAW, *keys]
    position = frame.groupby(keys, sort=False)[columns["trial_id"]].rank(method="first")
    return frame.assign(**{_BIN: ((position - 1) // bin_size).astype(int)})


def _better_option(
    model: RLSSM, data: pd.DataFrame, better: int | str | None
) -> pd.Series:
    """Return the better option (index) of each observed row."""
    columns = model.columns
    if isinstance(better, bool) or not isinstance(better, int | str | None):
        raise TypeError(
            f"`better` must be an option index, a column name or None, got {better!r}."
        )
    if isinstance(better, int):
        if not 0 <= better < model.learning.n_options:
            raise ValueError(
                f"`better` = {better} is not an option index "
                f"(0 .. {model.learning.n_options - 1})."
            )
        return pd.Series(better, index=data.index)
    if isinstance(better, str):
        if better not in data.columns:
            raise ValueError(
                f"`better` names the column {better!r}, which `data` lacks; it has "
                f"{list(data.columns)}."
            )
        return data[better]
    feedback = columns.get("feedback")
    if feedback is None:
        raise ValueError(
            "The learning rule reads no `feedback` column to tell the better option "
            "by; give `better=` (an option index or a column name)."
        )
    keys = [
        columns["participant_id"],
        *([columns["block"]] if "block" in columns else []),
    ]
    chosen = data.assign(_option=_option_index(data[columns["response"]]))
    means = chosen.groupby([*keys, "_option"])[feedback].mean().unstack("_option")
    best = means.idxmax(axis=1).rename("_better").reset_index()
    return chosen.merge(best, on=keys, how="left")["_better"].set_axis(data.index)


def _band(
    values: pd.DataFrame, by: list[str], column: str, prob: float
) -> pd.DataFrame:
    """Median and equal-tailed interval of `column` across draws, per `by`."""
    tail = (1 - prob) / 2
    grouped = values.groupby(by)[column]
    return pd.DataFrame(
        {
            "lower": grouped.quantile(tail),
            "median": grouped.median(),
            "upper": grouped.quantile(1 - tail),
        }
    )


def _check_common(prob: float, bin_size: int) -> None:
    if not 0 < prob < 1:
        raise ValueError(f"`prob` must lie in (0, 1), got {prob}.")
    if int(bin_size) != bin_size or bin_size < 1:
        raise ValueError(f"`bin_size` must be a positive integer, got {bin_size}.")


def _check_predictive(model: RLSSM, predictive: pd.DataFrame) -> None:
    columns = model.columns
    needed = [_DRAW, columns["participant_id"], columns["trial_id"]]
    needed += [columns["rt"], columns["response"]]
    missing = [name for name in needed if name not in predictive.columns]
    if missing:
        raise ValueError(
            f"`predictive` lacks the column(s) {missing}; pass the DataFrame that "
            "`predict_one_step` or `predict_closed_loop` returned."
        )


def learning_curve(
    model: RLSSM,
    data: pd.DataFrame,
    predictive: pd.DataFrame,
    *,
    better: int | str | None = None,
    bin_size: int = 20,
    prob: float = 0.94,
    by_participant: bool = False,
) -> pd.DataFrame:
    """Proportion of choices of the better option by trial bin, data and model.

    Parameters
    ----------
    model
        The fitted model (for the column names).
    data
        The observed trials.
    predictive
        Posterior predictive trials from `predict_one_step` or
        `predict_closed_loop` on `data`.
    better
        Which option is the better one: an option index for every trial, the
        name of a column of `data` holding it per trial (e.g. for reversal
        tasks), or None for each participant's (and block's) option with the
        higher mean observed feedback.
    bin_size
        Trials per bin, counted within each participant in trial order.
    prob
        Probability mass of the predictive interval.
    by_participant
        If True, one curve per participant; otherwise pooled over participants.

    Returns
    -------
    pandas.DataFrame
        One row per trial bin (and participant), indexed by `trial_bin` (0 for
        the first `bin_size` trials, ...) and, if `by_participant`, the
        participant column first: `observed`, the observed proportion, and
        `lower`, `median`, `upper` across predictive draws. Missing responses
        are left out of the proportions.

    Raises
    ------
    TypeError
        If `better` is not an int, a str or None.
    ValueError
        If `better`, `bin_size`, `prob` or `predictive` is malformed.
    """
    _check_common(prob, bin_size)
    _check_predictive(model, predictive)
    columns = model.columns
    participant, trial = columns["participant_id"], columns["trial_id"]
    targets = data[[participant, trial]].assign(
        _better=_better_option(model, data, better).to_numpy(float)
    )
    by = [participant, _BIN] if by_participant else [_BIN]

    def hits(frame: pd.DataFrame) -> pd.DataFrame:
        frame = _with_bins(model, frame, bin_size).merge(
            targets, on=[participant, trial], how="left"
        )
        chosen = _option_index(frame[columns["response"]])
        hit = np.where(np.isnan(chosen), np.nan, chosen == frame["_better"])
        return frame.assign(_hit=hit)

    observed = hits(data).groupby(by)["_hit"].mean().rename("observed")
    per_draw = hits(predictive).groupby([_DRAW, *by])["_hit"].mean().reset_index()
    return pd.concat([observed, _band(per_draw, by, "_hit", prob)], axis=1)


def rt_quantiles(
    model: RLSSM,
    data: pd.DataFrame,
    predictive: pd.DataFrame,
    *,
    quantiles: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
    bin_size: int = 20,
    prob: float = 0.94,
    by_participant: bool = False,
) -> pd.DataFrame:
    """Response time quantiles by trial bin, data and model.

    Parameters
    ----------
    model
        The fitted model (for the column names).
    data
        The observed trials.
    predictive
        Posterior predictive trials from `predict_one_step` or
        `predict_closed_loop` on `data`.
    quantiles
        The quantiles of the rt distribution, each in (0, 1).
    bin_size
        Trials per bin, counted within each participant in trial order.
    prob
        Probability mass of the predictive interval.
    by_participant
        If True, per participant; otherwise pooled over participants.

    Returns
    -------
    pandas.DataFrame
        Indexed by (participant,) `trial_bin` and `quantile`: `observed`, and
        `lower`, `median`, `upper` of the same quantile across predictive draws
        (seconds). Missing rts are left out.

    Raises
    ------
    ValueError
        If `quantiles`, `bin_size`, `prob` or `predictive` is malformed.
    """
    _check_common(prob, bin_size)
    _check_predictive(model, predictive)
    levels = np.asarray(quantiles, float)
    if levels.ndim != 1 or not ((levels > 0) & (levels < 1)).all():
        raise ValueError(f"`quantiles` must be values in (0, 1), got {quantiles}.")
    rt = model.columns["rt"]
    by = [model.columns["participant_id"], _BIN] if by_participant else [_BIN]

    def table(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
        grouped = _with_bins(model, frame, bin_size).groupby(keys)[rt]
        return grouped.quantile(levels).rename_axis([*keys, "quantile"])

    observed = table(data, by).rename("observed")
    per_draw = table(predictive, [_DRAW, *by]).rename("_rt").reset_index()
    band = _band(per_draw, [*by, "quantile"], "_rt", prob)
    return pd.concat([observed, band], axis=1)


def _bin_centres(index: pd.Index, bin_size: int) -> np.ndarray:
    """Trial number (1-based) at the middle of each bin."""
    return np.asarray(index, float) * bin_size + (bin_size + 1) / 2


def _panels(table: pd.DataFrame, by_participant: bool, ax: Any) -> tuple:
    """Figure and (key, sub-table, axis) triples: one panel, or one per participant."""
    import matplotlib.pyplot as plt

    if not by_participant:
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        return ax.figure, [(None, table, ax)]
    if ax is not None:
        raise ValueError("`ax` works with one panel; leave it out for by_participant.")
    keys = table.index.get_level_values(0).unique()
    ncols = min(5, len(keys))
    nrows = -(-len(keys) // ncols)
    figure, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(2.6 * ncols, 2.2 * nrows),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for axis in axes.flat[len(keys) :]:
        axis.set_visible(False)
    return figure, [
        (key, table.xs(key, level=0), axis)
        for key, axis in zip(keys, axes.flat, strict=False)
    ]


def _finish(
    figure: Any, panels: list, handles: list, labels: list, **legend: Any
) -> Any:
    """Add the legend (under a grid of panels, else on the axis) and lay out."""
    if len(panels) == 1:
        panels[0][2].legend(handles, labels, fontsize=7, ncols=2, **legend)
        figure.tight_layout()
        return figure
    for _, _, axis in panels:
        axis.label_outer()
    legend.pop("loc", None)
    figure.legend(
        handles, labels, loc="lower center", fontsize=8, ncols=len(labels), **legend
    )
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    return figure


def plot_learning_curve(
    model: RLSSM,
    data: pd.DataFrame,
    predictive: pd.DataFrame,
    *,
    better: int | str | None = None,
    bin_size: int = 20,
    prob: float = 0.94,
    by_participant: bool = False,
    ax: Any = None,
) -> Any:
    """Plot the learning curve of `data` over the posterior predictive band.

    Parameters
    ----------
    model, data, predictive, better, bin_size, prob, by_participant
        As in `learning_curve`.
    ax
        A matplotlib axis to draw on (pooled curve only); a new figure if None.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: observed proportions (points), the predictive median (line)
        and interval (band), with labelled axes and a legend.
    """
    table = learning_curve(
        model,
        data,
        predictive,
        better=better,
        bin_size=bin_size,
        prob=prob,
        by_participant=by_participant,
    )
    figure, panels = _panels(table, by_participant, ax)
    for key, part, axis in panels:
        x = _bin_centres(part.index, bin_size)
        axis.fill_between(
            x,
            part["lower"],
            part["upper"],
            color="tab:blue",
            alpha=0.25,
            label=f"model, {prob:.0%} predictive interval",
        )
        axis.plot(x, part["median"], color="tab:blue", label="model, median")
        axis.plot(x, part["observed"], "o-", color="black", label="observed")
        axis.set_ylim(-0.02, 1.02)
        axis.set_xlabel(f"trial (bins of {bin_size})")
        axis.set_ylabel("P(better option)")
        if key is not None:
            axis.set_title(f"{model.columns['participant_id']} {key}", fontsize=9)
    handles, labels = panels[0][2].get_legend_handles_labels()
    return _finish(figure, panels, handles, labels, loc="lower right")


def plot_rt_quantiles(
    model: RLSSM,
    data: pd.DataFrame,
    predictive: pd.DataFrame,
    *,
    quantiles: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
    bin_size: int = 20,
    prob: float = 0.94,
    by_participant: bool = False,
    ax: Any = None,
) -> Any:
    """Plot rt quantiles by trial bin, data over the posterior predictive bands.

    Parameters
    ----------
    model, data, predictive, quantiles, bin_size, prob, by_participant
        As in `rt_quantiles`.
    ax
        A matplotlib axis to draw on (pooled only); a new figure if None.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: for each quantile, the observed values (points) and the
        predictive median (line) and interval (band), with labelled axes and a
        legend.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    table = rt_quantiles(
        model,
        data,
        predictive,
        quantiles=quantiles,
        bin_size=bin_size,
        prob=prob,
        by_participant=by_participant,
    )
    figure, panels = _panels(table, by_participant, ax)
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, len(quantiles)))
    for key, part, axis in panels:
        for level, colour in zip(quantiles, colours, strict=True):
            rows = part.xs(float(level), level="quantile")
            x = _bin_centres(rows.index, bin_size)
            axis.fill_between(x, rows["lower"], rows["upper"], color=colour, alpha=0.2)
            axis.plot(x, rows["median"], color=colour)
            axis.plot(x, rows["observed"], "o", color=colour, label=f"q{level:g}")
        axis.set_xlabel(f"trial (bins of {bin_size})")
        axis.set_ylabel("rt (s)")
        if key is not None:
            axis.set_title(f"{model.columns['participant_id']} {key}", fontsize=9)
    handles, labels = panels[0][2].get_legend_handles_labels()
    handles += [
        Line2D([], [], color="0.4"),
        Patch(color="0.4", alpha=0.2),
    ]
    labels += ["model, median", f"model, {prob:.0%} predictive interval"]
    return _finish(figure, panels, handles, labels, title="observed")
