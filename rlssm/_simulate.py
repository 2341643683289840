"""Closed-loop simulation: the agent's own choices drive the rewards it learns from.

On every trial of every participant the learning rule's option values go
through the mapping, the decision draws a response time and a choice with the
mapped and its remaining parameters (`AbstractDecision.sample`), the task
environment pays a reward for the chosen option, and the learning rule updates
its state from the choice and that feedback. It is the generative process whose
likelihood `RLSSM.logp` computes (Pedersen, Frank & Biele, 2017, Psychon Bull
Rev 24:1234; Fontanesi et al., 2019, Psychon Bull Rev 26:1099), and the trial
loop mirrors `RLSSM._trial_loop`: one `jax.lax.scan` over trials, vmapped over
participants, jitted, with no Python loop over trials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jaxtyping import Array, ArrayLike, Float

from ._environment import Bandit
from ._params import check_names

if TYPE_CHECKING:
    from ._model import RLSSM


@eqx.filter_jit
def simulate_trials(
    model: RLSSM,
    env: Bandit,
    params: Mapping[str, Float[ArrayLike, " n_participants"]],
    key: Array,
    n_trials: int,
) -> dict[str, Array]:
    """Simulate a participants x trials grid: the jitted, array-only core.

    This is the per-parameter-set core of `simulate`: it takes and returns
    arrays only, so posterior predictive simulation can `jax.vmap` it over
    parameter draws (with `model`, `env` and `n_trials` held fixed)::

        draws = {name: array of shape (n_draws, n_participants), ...}
        keys = jax.random.split(key, n_draws)
        out = jax.vmap(
            lambda p, k: rlssm.simulate_trials(model, env, p, k, n_trials)
        )(draws, keys)

    Parameters
    ----------
    model
        The model; its decision must implement `sample`.
    env
        The task environment; it supplies the `feedback` column.
    params
        One array of shape `(n_participants,)` per name in `model.list_params`
        (broadcast scalars yourself, or use `simulate`).
    key
        A JAX random key.
    n_trials
        Number of trials per participant (static).

    Returns
    -------
    dict
        `(n_participants, n_trials)` arrays `"rt"` (seconds; NaN where the
        decision's parameters left its bounds), `"response"` (index of the
        chosen option, int32), `"feedback"`; `"q"`, `(n_participants,
        n_trials, n_options)`, the option values before each choice; and one
        `(n_participants, n_trials)` array per mapping output (e.g. `"v"`).
    """
    learning, mapping, decision = model.learning, model.mapping, model.decision
    params = {name: jnp.asarray(params[name]) for name in model.list_params}
    dtype = jnp.result_type(float, *params.values())
    params = {name: value.astype(dtype) for name, value in params.items()}
    choices = jnp.asarray(decision.choices)

    def participant(own: dict[str, Array], key: Array) -> tuple:
        initial = jax.tree.map(lambda leaf: jnp.asarray(leaf, dtype), learning.init())

        def step(state, trial):
            decide_key, reward_key = jax.random.split(jax.random.fold_in(key, trial))
            q = learning.values(state)
            mapped = mapping(q, own)
            decision_params = model._decision_params(mapped, own)
            rt, choice = decision.sample(decide_key, decision_params)
            option = jnp.argmax(choices == choice).astype(jnp.int32)
            feedback = env.reward(reward_key, trial, option).astype(dtype)
            updated = learning.update(state, own, option, {"feedback": feedback})
            state = jax.tree.map(
                lambda new, old: jnp.asarray(new, old.dtype), updated, state
            )
            return state, (rt.astype(dtype), option, feedback, q, mapped)

        return jax.lax.scan(step, initial, jnp.arange(n_trials))[1]

    n_participants = next(iter(params.values())).shape[0]
    keys = jax.random.split(key, n_participants)
    rt, response, feedback, q, mapped = jax.vmap(participant)(params, keys)
    return {"rt": rt, "response": response, "feedback": feedback, "q": q, **mapped}


def check_environment(model: RLSSM, env: Bandit) -> None:
    """Check that `env` can drive `model`: it supplies what the rule reads.

    Raises
    ------
    ValueError
        If the learning rule reads a column other than `feedback`, or `env`
        has a different number of arms than the model has options.
    """
    unread = [c for c in model.learning.data_columns if c != "feedback"]
    if unread:
        raise ValueError(
            f"The learning rule reads the column(s) {unread}, which a Bandit does "
            "not provide (it provides `feedback` only)."
        )
    if env.n_arms != model.learning.n_options:
        raise ValueError(
            f"The environment has {env.n_arms} arms but the model has "
            f"{model.learning.n_options} options; they must agree."
        )


def _participant_params(
    model: RLSSM, params: Mapping[str, ArrayLike], n_participants: int
) -> dict[str, np.ndarray]:
    """Check `params` and give every parameter one value per participant."""
    expected = model.list_params
    check_names(params, expected)
    values = {}
    for name in expected:
        value = np.asarray(params[name], float)
        if value.shape not in ((), (n_participants,)):
            raise ValueError(
                f"`params[{name!r}]` has shape {value.shape}; give a scalar or one "
                f"value per participant, shape ({n_participants},)."
            )
        lower, upper = model.bounds[name]
        outside = ~((value >= lower) & (value <= upper))
        if outside.any():
            raise ValueError(
                f"`params[{name!r}]` = {value[outside] if value.ndim else value} "
                f"lies outside its bounds [{lower}, {upper}]."
            )
        values[name] = np.broadcast_to(value, (n_participants,)).copy()
    return values


def simulate(
    model: RLSSM,
    params: Mapping[str, Float[ArrayLike, ...]],
    env: Bandit,
    n_participants: int,
    n_trials: int,
    key: Array,
) -> pd.DataFrame:
    """Simulate participants learning in a task environment, choice by choice.

    The simulation is closed-loop: each simulated choice earns a reward from
    `env`, and the learning rule learns from it. See the module docstring for
    the per-trial steps; the work is done by `simulate_trials`.

    Parameters
    ----------
    model
        The model to simulate; its decision must implement `sample` (`DDM`,
        `Angle`, and `LAN("angle")` / `LAN("ddm")`, which draw from the
        process the network approximates).
    params
        A value for every name in `model.list_params`: a scalar shared by all
        participants, or an array of length `n_participants`. Values must lie
        inside `model.bounds`.
    env
        The task environment, e.g. `Bandit.gaussian([0.2, 0.8], [0.1, 0.1])`,
        with one arm per option of the learning rule.
    n_participants
        Number of participants.
    n_trials
        Number of trials per participant.
    key
        A JAX random key.

    Returns
    -------
    pandas.DataFrame
        One row per trial, ordered by participant and trial, in the format
        `model.logp` and `model.to_hssm` accept, with the model's column names
        (`model.columns`): participant (0 .. n_participants - 1), trial
        (0 .. n_trials - 1), rt (seconds), response (index of the chosen
        option: 0/1 for two options) and feedback. The true parameters are
        attached as `df.attrs["params"]`, a dict from each name in
        `model.list_params` to a list of `n_participants` floats (lists, not
        arrays, so that pandas can still copy and combine the frame).

    Raises
    ------
    ValueError
        If `params` lacks or adds names, has the wrong shapes or leaves the
        bounds; if the learning rule reads a column other than `feedback`; if
        `env` has a different number of arms than the model has options; or if
        the mapped decision parameters left the decision's bounds on some
        trials (e.g. `v = scaler * (q[1] - q[0])` beyond the angle model's
        range [-3, 3]), where the likelihood could not score the data.

    Examples
    --------
    >>> import jax
    >>> import rlssm
    >>> model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    >>> params = {"rl_alpha": 0.3, "scaler": 3.0, "a": 1.0, "z": 0.5, "t": 0.3}
    >>> env = rlssm.Bandit.gaussian([0.2, 0.8], [0.1, 0.1])
    >>> df = rlssm.simulate(model, params, env, 3, 50, jax.random.key(0))
    >>> df.shape, sorted(df.attrs["params"])
    ((150, 5), ['a', 'rl_alpha', 'scaler', 't', 'z'])
    """
    check_environment(model, env)
    values = _participant_params(model, params, n_participants)
    out = simulate_trials(model, env, values, key, int(n_trials))
    rt = np.asarray(out["rt"])
    if np.isnan(rt).any():
        p, n = np.argwhere(np.isnan(rt))[0]
        mapped = {name: float(out[name][p, n]) for name in model.mapping.outputs}
        raise ValueError(
            f"On {int(np.isnan(rt).sum())} trials the decision parameters left the "
            f"bounds of {type(model.decision).__name__} "
            f"({model.decision.bounds}), e.g. participant {p}, trial {n}: "
            f"{mapped}. Such trials cannot be scored; choose parameters (e.g. a "
            "smaller `scaler`) that keep them inside."
        )
    columns = model.columns
    frame = pd.DataFrame(
        {
            columns["participant_id"]: np.repeat(np.arange(n_participants), n_trials),
            columns["trial_id"]: np.tile(np.arange(n_trials), n_participants),
            columns["rt"]: rt.reshape(-1),
            columns["response"]: np.asarray(out["response"]).reshape(-1),
            columns.get("feedback", "feedback"): np.asarray(out["feedback"]).reshape(
                -1
            ),
        }
    )
    if "block" in columns:
        frame[columns["block"]] = 0
    frame.attrs["params"] = {name: value.tolist() for name, value in values.items()}
    return frame
