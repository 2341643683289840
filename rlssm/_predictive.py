"""Posterior predictive simulation and trial-wise latents over parameter draws.

Two standard ways to simulate a fitted RLSSM from its posterior (Wilson &
Collins, 2019, eLife 8:e49547, "ten simple rules", rule 9; Palminteri, Wyart &
Koechlin, 2017, Trends Cogn Sci 21:425):

- one-step-ahead (`predict_one_step`): the learning rule follows each
  participant's observed choices and feedback, and every trial's rt and choice
  is drawn afresh from the decision given that history. It checks the decision
  model trial by trial.
- closed-loop (`predict_closed_loop`): new agents with the fitted participants'
  parameters do the task in the same environment; their own choices earn the
  rewards they learn from. It checks whether the model, left to itself,
  produces the observed behaviour (e.g. the learning curve).

Both take parameter draws as arrays, one per name in `list_params`, with a
leading draw axis: shape `(n_draws,)` for a value shared by every row, or
`(n_draws, n_rows)` for one value per row of the data (what a hierarchical or
regression model gives; `rlssm.row_draws` reads them from a sampled
`hssm.HSSM`). Each draw is simulated with its own key, `jax.lax.map` over
draws in batches to bound memory, with no Python loop over trials.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jaxtyping import Array, ArrayLike, Float, PyTree

from ._data import Panel
from ._environment import Bandit
from ._params import check_names
from ._simulate import check_environment, simulate_trials

if TYPE_CHECKING:
    from ._model import RLSSM

DRAW_BATCH = 25
"""Posterior draws simulated at once (`jax.lax.map` batch size)."""


def _check_draws(
    model: RLSSM, draws: Mapping[str, ArrayLike], n_rows: int
) -> tuple[dict[str, np.ndarray], int]:
    """Check the draws' names and shapes; return float arrays and the draw count."""
    check_names(draws, model.list_params, "draws")
    values = {name: np.asarray(draws[name], float) for name in model.list_params}
    counts = {value.shape[0] if value.ndim else None for value in values.values()}
    for name, value in values.items():
        if value.ndim not in (1, 2) or (value.ndim == 2 and value.shape[1] != n_rows):
            raise ValueError(
                f"`draws[{name!r}]` has shape {value.shape}; give (n_draws,) for a "
                f"value shared by all rows or (n_draws, {n_rows}) for one value per "
                "row of `data`."
            )
        if not np.isfinite(value).all():
            raise ValueError(f"`draws[{name!r}]` holds NaN or infinite values.")
    if len(counts) != 1:
        shapes = {name: value.shape for name, value in values.items()}
        raise ValueError(
            f"The arrays in `draws` disagree on the number of draws: {shapes}."
        )
    return values, counts.pop()


def _response_codes(model: RLSSM, data: pd.DataFrame, panel: Panel) -> np.ndarray:
    """Return the data's code of each option: -1/+1 if the data use it."""
    observed = data[model.columns["response"]].to_numpy(float)[panel.observed_rows]
    if model.learning.n_options == 2 and (observed == -1).any():
        return np.array([-1, 1])
    return np.arange(model.learning.n_options)


def _warn_out_of_bounds(model: RLSSM, rt: np.ndarray) -> None:
    missing = int(np.isnan(rt).sum())
    if missing:
        warnings.warn(
            f"On {missing} of {rt.size} simulated trials the decision parameters "
            f"left the bounds of {type(model.decision).__name__} "
            f"({model.decision.bounds}), where it cannot be simulated (and its "
            "likelihood is floored); their rt and response are NaN, kept in the "
            "output and left out of the checks' proportions and quantiles. In "
            "closed-loop simulation the agent learns on such a trial as if it had "
            "chosen option 0.",
            stacklevel=3,
        )


def _over_draws(one_draw: Callable, draws: PyTree) -> PyTree:
    """Apply `one_draw` to each draw (leading axis), jitted, `DRAW_BATCH` at once."""
    return jax.jit(lambda xs: jax.lax.map(one_draw, xs, batch_size=DRAW_BATCH))(draws)


def _by_draw(frame: pd.DataFrame, n_draws: int) -> pd.DataFrame:
    """`frame` repeated once per draw, with a leading `draw` column."""
    out = frame.iloc[np.tile(np.arange(len(frame)), n_draws)].reset_index(drop=True)
    out.insert(0, "draw", np.repeat(np.arange(n_draws), len(frame)))
    return out


def predict_one_step(
    model: RLSSM,
    data: pd.DataFrame,
    draws: Mapping[str, Float[ArrayLike, " n_draws *n_rows"]],
    key: Array,
) -> pd.DataFrame:
    """One-step-ahead posterior predictive: new rt and choice on every trial.

    For each draw, the learning rule runs over the observed choices and
    feedback (exactly as in the likelihood), and each trial's rt and choice is
    drawn from the decision with that trial's mapped parameters.

    Parameters
    ----------
    model
        The fitted model; its decision must implement `sample`.
    data
        The data the model was fitted to (validated as in `RLSSM.logp`).
    draws
        One array per name in `model.list_params`, shape `(n_draws,)` or
        `(n_draws, len(data))` (rows in `data`'s order), e.g. from
        `rlssm.row_draws`.
    key
        A JAX random key.

    Returns
    -------
    pandas.DataFrame
        `data` repeated once per draw, draw by draw in `data`'s row order, with
        a leading `draw` column (0 .. n_draws - 1) and the rt and response
        columns replaced by the simulated ones (responses in the data's coding:
        0/1, or -1/+1 if the data use it). Every other column (participant,
        trial, feedback, ...) is the observed one.

    Raises
    ------
    ValueError
        If `draws` lacks or adds names or has inconsistent shapes, or `data`
        fails validation.

    Warns
    -----
    UserWarning
        If on some trials the decision parameters left the decision's bounds
        (e.g. `v` beyond the angle model's range); those trials' rt and
        response are NaN.
    """
    panel = model.panel(data)
    values, n_draws = _check_draws(model, draws, panel.n_rows)
    choices = jnp.asarray(model.decision.choices)

    def one_draw(args):
        params, draw_key = args
        decision_params = model._decision_rows(panel, params)
        rt, choice = model.decision.sample(draw_key, decision_params)
        option = jnp.argmax(choice[:, None] == choices[None, :], axis=1)
        return rt, option

    keys = jax.random.split(key, n_draws)
    rt, option = _over_draws(one_draw, (values, keys))
    rt, option = np.asarray(rt), np.asarray(option)
    _warn_out_of_bounds(model, rt)
    codes = _response_codes(model, data, panel)
    response = np.where(np.isnan(rt), np.nan, codes[option])
    out = _by_draw(data, n_draws)
    out[model.columns["rt"]] = rt.reshape(-1)
    out[model.columns["response"]] = response.reshape(-1)
    return out


def _participant_values(
    panel: Panel, values: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Return `(n_draws, n_participants)` per name, from per-row or shared draws.

    Raises
    ------
    ValueError
        If a per-row parameter varies within a participant.
    """
    first_rows = panel.row_index[:, 0]
    out = {}
    for name, value in values.items():
        if value.ndim == 1:
            out[name] = np.repeat(value[:, None], len(panel.participants), axis=1)
            continue
        grid = value[:, panel.row_index]
        real = np.zeros(panel.row_index.shape, bool)
        real.reshape(-1)[panel.grid_position_rows] = True
        spread = np.where(real, grid - grid[:, :, :1], 0.0)
        varying = np.abs(spread).max(axis=(0, 2)) > 1e-9 * (1 + np.abs(grid).max())
        if varying.any():
            raise ValueError(
                f"`draws[{name!r}]` varies between the trials of participant(s) "
                f"{list(panel.participants[varying][:5])}; closed-loop simulation "
                "needs one value per participant. For trial-varying parameters use "
                "`predict_one_step`."
            )
        out[name] = value[:, first_rows]
    return out


def predict_closed_loop(
    model: RLSSM,
    data: pd.DataFrame,
    draws: Mapping[str, Float[ArrayLike, " n_draws *n_rows"]],
    env: Bandit,
    key: Array,
) -> pd.DataFrame:
    """Closed-loop posterior predictive: new agents do the task again.

    For each draw, every participant of `data` is simulated anew with that
    draw's parameters in the task environment `env`, for as many trials as
    they did (see `rlssm.simulate`): the simulated choices earn the feedback.

    Parameters
    ----------
    model
        The fitted model; its decision must implement `sample`.
    data
        The data the model was fitted to: it gives the participants, their
        trial numbers and their parameters' rows.
    draws
        As in `predict_one_step`. Per-row values must be constant within each
        participant (one value per participant), as with the default
        `x ~ 1 + (1|participant_id)` parameters.
    env
        The task environment of the experiment, e.g.
        `rlssm.Bandit.gaussian([0.2, 0.8], [0.1, 0.1])`.
    key
        A JAX random key.

    Returns
    -------
    pandas.DataFrame
        Columns `draw`, then the model's participant, trial, rt, response and
        feedback columns; per draw each participant's trials in trial order, with
        the participant labels and trial numbers of `data`. Responses are in
        the data's coding.

    Raises
    ------
    ValueError
        If `draws` is malformed, a per-row parameter varies within a
        participant, the model resets learning at blocks (not simulated yet:
        use `predict_one_step`), or `env` does not fit the model.

    Warns
    -----
    UserWarning
        If on some trials the decision parameters left the decision's bounds
        (e.g. `v` beyond the angle model's range); those trials' rt and
        response are NaN.
    """
    if "block" in model.columns:
        raise ValueError(
            "Closed-loop simulation does not reset learning at blocks yet; use "
            "`predict_one_step` for a model with a `block` column."
        )
    check_environment(model, env)
    panel = model.panel(data)
    values, n_draws = _check_draws(model, draws, panel.n_rows)
    per_participant = _participant_values(panel, values)
    n_trials = panel.row_index.shape[1]

    def one_draw(args):
        params, draw_key = args
        out = simulate_trials(model, env, params, draw_key, n_trials)
        return out["rt"], out["response"], out["feedback"]

    keys = jax.random.split(key, n_draws)
    rt, option, feedback = _over_draws(one_draw, (per_participant, keys))
    rt, option, feedback = np.asarray(rt), np.asarray(option), np.asarray(feedback)
    # Keep each participant's first n_p trials: the grid positions of real rows.
    positions = np.sort(panel.grid_position_rows)
    participant_of, within = np.divmod(positions, n_trials)
    rt = rt.reshape(n_draws, -1)[:, positions]
    _warn_out_of_bounds(model, rt)
    codes = _response_codes(model, data, panel)
    option = option.reshape(n_draws, -1)[:, positions]
    columns = model.columns
    trials = data[columns["trial_id"]].to_numpy()[
        panel.row_index[participant_of, within]
    ]
    frame = pd.DataFrame(
        {
            columns["participant_id"]: panel.participants[participant_of],
            columns["trial_id"]: trials,
        }
    )
    out = _by_draw(frame, n_draws)
    out[columns["rt"]] = rt.reshape(-1)
    out[columns["response"]] = np.where(np.isnan(rt), np.nan, codes[option]).reshape(-1)
    out[columns.get("feedback", "feedback")] = feedback.reshape(n_draws, -1)[
        :, positions
    ].reshape(-1)
    return out


def latent_summary(
    model: RLSSM,
    data: pd.DataFrame,
    draws: Mapping[str, Float[ArrayLike, " n_draws *n_rows"]],
    prob: float = 0.94,
) -> pd.DataFrame:
    """Trial-wise latents summarised over parameter draws.

    `RLSSM.latents` (option values, the learning rule's latents such as the
    prediction error, and the mapped decision parameters such as `v`) is
    computed for every draw on the observed choices and feedback, then
    summarised per trial: the mean and an equal-tailed interval. These are the
    regressors people take to fMRI or EEG analyses, with their uncertainty.

    Parameters
    ----------
    model
        The fitted model.
    data
        The data it was fitted to.
    draws
        As in `predict_one_step`.
    prob
        Probability mass of the interval, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Indexed like `data`, with columns `<latent>_mean`, `<latent>_lower` and
        `<latent>_upper` for each latent: `q_0`, `q_1`, ... (option values before
        the trial's choice), e.g. `prediction_error`, and each mapping output
        such as `v`. Skipped trials (`skip_missing`) have NaN prediction errors.

    Raises
    ------
    ValueError
        If `prob` is not in (0, 1) or `draws` is malformed.
    """
    if not 0 < prob < 1:
        raise ValueError(f"`prob` must lie in (0, 1), got {prob}.")
    panel = model.panel(data)
    values, n_draws = _check_draws(model, draws, panel.n_rows)

    def one_draw(params):
        q, mapped, extra = model._trial_loop(
            panel, model._row_params(params, panel.n_rows)
        )
        named = {f"q_{k}": q[:, k] for k in range(q.shape[1])}
        return {**named, **extra, **mapped}

    latents = _over_draws(one_draw, values)
    tail = (1 - prob) / 2
    summary = {}
    for name, value in latents.items():
        value = np.asarray(value)
        summary[f"{name}_mean"] = value.mean(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN skipped rows
            lower, upper = np.quantile(value, [tail, 1 - tail], axis=0)
        summary[f"{name}_lower"] = lower
        summary[f"{name}_upper"] = upper
    return pd.DataFrame(summary, index=data.index)
