"""`RLSSM`: a learning rule, a mapping and a decision composed into one model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from jaxtyping import Array, ArrayLike, Float

from ._data import Panel, make_panel
from ._decision import AbstractDecision
from ._learning import AbstractLearningRule
from ._mapping import AbstractMapping, Scaler
from ._params import ParamSpec, check_names

_CORE_COLUMNS = ("participant_id", "trial_id", "rt", "response")


def _describe(component: eqx.Module) -> str:
    return type(component).__name__ + "()"


class RLSSM(eqx.Module):
    """A reinforcement-learning sequential sampling model.

    On every trial the learning rule's option values go through the mapping
    (e.g. `v = scaler * (q[1] - q[0])`), the decision scores the observed
    response time and choice with the mapped and its remaining parameters, and
    then the learning rule updates its state from the chosen option and the
    trial's data (e.g. feedback). The trial loop is a `jax.lax.scan`, vmapped
    over participants; the decision likelihood is evaluated for all trials at
    once.

    Parameters
    ----------
    learning
        The learning rule, e.g. `RescorlaWagner()`.
    decision
        The decision likelihood, e.g. `LAN("angle")` or `DDM()`.
    mapping
        From option values to decision parameters; `Scaler()` by default.
    columns
        DataFrame column names, by canonical name, for data that does not use
        the defaults `participant_id`, `trial_id`, `rt`, `response` and the
        learning rule's `data_columns` (e.g. `feedback`). Example:
        `columns={"trial_id": "trial"}`. The optional key `block` names a
        column whose change within a participant (a new block or condition)
        resets the learning state to its initial value.
    skip_missing
        The policy for trials without a response (rt or response NaN, e.g.
        omissions): if False (default) they are an error that lists the rows;
        if True they add no likelihood (log-likelihood 0) and leave the
        learning state unchanged.

    Raises
    ------
    ValueError
        If the parts do not fit together: the mapping outputs a name the
        decision does not take, the number of options disagrees, or two parts
        declare the same parameter; or `columns` names an unknown key.

    Examples
    --------
    >>> import rlssm
    >>> model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    >>> model.list_params
    ['rl_alpha', 'scaler', 'a', 'z', 't']
    >>> model.extra_fields
    ['participant_id', 'trial_id', 'feedback']
    """

    learning: AbstractLearningRule
    decision: AbstractDecision
    mapping: AbstractMapping
    column_names: tuple[tuple[str, str], ...] = eqx.field(static=True)
    skip_missing: bool = eqx.field(static=True)

    def __init__(
        self,
        learning: AbstractLearningRule,
        decision: AbstractDecision,
        mapping: AbstractMapping | None = None,
        *,
        columns: Mapping[str, str] | None = None,
        skip_missing: bool = False,
    ) -> None:
        self.learning = learning
        self.decision = decision
        self.mapping = Scaler() if mapping is None else mapping
        known = (*_CORE_COLUMNS, *learning.data_columns, "block")
        columns = dict(columns or {})
        unknown = sorted(set(columns) - set(known))
        if unknown:
            raise ValueError(
                f"`RLSSM(columns=...)` has unknown key(s) {unknown}; the keys are the "
                f"canonical names {list(known)}, the values your DataFrame's columns."
            )
        self.column_names = tuple(
            (key, columns.get(key, key))
            for key in known
            if key != "block" or key in columns
        )
        self.skip_missing = skip_missing

    def __check_init__(self) -> None:
        """Check that the learning rule, mapping and decision fit together."""
        parts = (
            f"{_describe(self.learning)}, {_describe(self.mapping)} and "
            f"{_describe(self.decision)}"
        )
        not_taken = [
            name
            for name in self.mapping.outputs
            if name not in self.decision.list_params
        ]
        if not_taken:
            raise ValueError(
                f"{_describe(self.mapping)} computes {not_taken}, which "
                f"{_describe(self.decision)} does not take (it takes "
                f"{self.decision.list_params}). Use a mapping whose outputs are "
                "parameters of the decision."
            )
        if self.mapping.n_options != self.learning.n_options:
            raise ValueError(
                f"{_describe(self.mapping)} expects {self.mapping.n_options} options "
                f"but {_describe(self.learning)} learns {self.learning.n_options}."
            )
        if len(self.decision.choices) != self.learning.n_options:
            raise ValueError(
                f"{_describe(self.decision)} has {len(self.decision.choices)} choices "
                f"{self.decision.choices} but {_describe(self.learning)} learns "
                f"{self.learning.n_options} options; in {parts} every option must be "
                "a choice of the decision."
            )
        names = [spec.name for spec in self.param_specs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"In {parts}, the parameter(s) {repeated} are declared twice."
            )

    @property
    def param_specs(self) -> tuple[ParamSpec, ...]:
        """Parameter records, in `list_params` order."""
        computed = set(self.mapping.outputs)
        return (
            *self.learning.param_specs,
            *self.mapping.param_specs,
            *(spec for spec in self.decision.param_specs if spec.name not in computed),
        )

    @property
    def list_params(self) -> list[str]:
        """Free parameters: learning, mapping, then the decision's uncomputed ones."""
        return [spec.name for spec in self.param_specs]

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """`(lower, upper)` per name in `list_params`."""
        return {spec.name: spec.bounds for spec in self.param_specs}

    @property
    def columns(self) -> dict[str, str]:
        """DataFrame column name for each canonical column name."""
        return dict(self.column_names)

    @property
    def extra_fields(self) -> list[str]:
        """Columns besides rt and response that the likelihood reads."""
        columns = self.columns
        keys = ("participant_id", "trial_id", *self.learning.data_columns, "block")
        return [columns[key] for key in keys if key in columns]

    def panel(self, data: pd.DataFrame) -> Panel:
        """Validate `data` and lay it out as a participants x trials grid."""
        return make_panel(
            data,
            self.columns,
            self.learning.data_columns,
            self.learning.n_options,
            self.skip_missing,
        )

    def _row_params(
        self, params: Mapping[str, ArrayLike], n_rows: int
    ) -> dict[str, Array]:
        """Check `params` and broadcast every value to one per row."""
        expected = self.list_params
        check_names(params, expected)
        values = {name: jnp.asarray(params[name]) for name in expected}
        for name, value in values.items():
            if value.shape not in ((), (n_rows,)):
                raise ValueError(
                    f"`params[{name!r}]` has shape {value.shape}; give a scalar or one "
                    f"value per row of the data, shape ({n_rows},)."
                )
        dtype = jnp.result_type(float, *values.values())
        return {
            name: jnp.broadcast_to(value.astype(dtype), (n_rows,))
            for name, value in values.items()
        }

    def _trial_loop(
        self, panel: Panel, params: Mapping[str, Array]
    ) -> tuple[Array, dict[str, Array], dict[str, Array]]:
        """Run the learning rule over the grid, back in row order.

        Returns the option values before each trial, the mapped decision
        parameters and the learning rule's `latents` (NaN on trials it did not
        learn from).
        """
        dtype = next(iter(params.values())).dtype
        learning_names = [
            spec.name
            for spec in (*self.learning.param_specs, *self.mapping.param_specs)
        ]
        grid_params = {name: params[name][panel.row_index] for name in learning_names}
        grid_data = {key: jnp.asarray(col, dtype) for key, col in panel.columns.items()}
        initial = jax.tree.map(
            lambda leaf: jnp.asarray(leaf, dtype), self.learning.init()
        )

        def step(state, trial):
            trial_params, option, trial_data, learn, reset = trial
            state = jax.tree.map(
                lambda start, now: jnp.where(reset, start, now), initial, state
            )
            q = self.learning.values(state)
            mapped = self.mapping(q, trial_params)
            extra = self.learning.latents(state, trial_params, option, trial_data)
            extra = {name: jnp.where(learn, x, jnp.nan) for name, x in extra.items()}
            updated = self.learning.update(state, trial_params, option, trial_data)
            state = jax.tree.map(
                lambda new, old: jnp.where(learn, new, old).astype(old.dtype),
                updated,
                state,
            )
            return state, (q, mapped, extra)

        def participant(*trials):
            return jax.lax.scan(step, initial, trials)[1]

        q, mapped, extra = jax.vmap(participant)(
            grid_params,
            jnp.asarray(panel.option),
            grid_data,
            jnp.asarray(panel.learn),
            jnp.asarray(panel.reset),
        )
        to_rows = jnp.asarray(panel.grid_position_rows)
        flat = lambda grid: grid.reshape(-1, *grid.shape[2:])[to_rows]  # noqa: E731
        return flat(q), jax.tree.map(flat, mapped), jax.tree.map(flat, extra)

    def _decision_params(
        self, mapped: Mapping[str, Array], params: Mapping[str, Array]
    ) -> dict[str, Array]:
        """Return the decision's parameters: mapped ones, the rest from `params`."""
        return {
            name: mapped[name] if name in mapped else params[name]
            for name in self.decision.list_params
        }

    def _decision_rows(
        self, panel: Panel, params: Mapping[str, ArrayLike]
    ) -> dict[str, Array]:
        """Return the decision's parameters on every row, after the trial loop."""
        row_params = self._row_params(params, panel.n_rows)
        _, mapped, _ = self._trial_loop(panel, row_params)
        return self._decision_params(mapped, row_params)

    def _as_panel(self, data: pd.DataFrame | Panel) -> Panel:
        return data if isinstance(data, Panel) else self.panel(data)

    def logp(
        self, data: pd.DataFrame | Panel, params: Mapping[str, Float[ArrayLike, ...]]
    ) -> Float[Array, " n"]:
        """Per-trial log-likelihood, in `data`'s row order.

        Parameters
        ----------
        data
            One row per trial with the columns in `columns` (or a `Panel` made by
            `panel`, to validate once and evaluate many times).
        params
            A value for every name in `list_params`: a scalar, or one value per
            row of `data` (in its row order) for parameters that vary by trial.

        Returns
        -------
        Array
            One log-likelihood per row (0 for skipped missing responses).
            Differentiable (and jit-able, with `data` held fixed) with respect
            to `params`.
        """
        panel = self._as_panel(data)
        decision_params = self._decision_rows(panel, params)
        choices = jnp.asarray(self.decision.choices)[panel.option_rows]
        rt = jnp.asarray(panel.rt_rows, next(iter(decision_params.values())).dtype)
        logp = self.decision.logp(rt, choices.astype(rt.dtype), decision_params)
        if panel.observed_rows.all():
            return logp
        return jnp.where(jnp.asarray(panel.observed_rows), logp, 0.0)

    def default_params(self, data: pd.DataFrame) -> list:
        """One hierarchical `hssm.Param` per parameter, as `to_hssm` uses them.

        Each is `x ~ 1 + (1|participant_id)` with a link that keeps the
        parameter inside its bounds, a Normal prior on the intercept centred on
        the parameter's default and non-centred participant deviations. `t` is
        bounded below the fastest response time in `data`.

        Parameters
        ----------
        data
            The data the model will be fitted to.

        Returns
        -------
        list of hssm.Param
            In `list_params` order.
        """
        from ._hssm import default_params

        return default_params(self, data)

    def to_hssm(self, data: pd.DataFrame, **hssm_kwargs: Any) -> Any:
        """Build an `hssm.HSSM` of this model and `data`, ready for `.sample()`.

        The data are validated first (errors name the column and rows); then
        the likelihood becomes a PyTensor Op with its gradient, registered for
        PyTensor's JAX backend so that `sample(sampler="numpyro")` compiles the
        whole model into one XLA program.

        Parameters
        ----------
        data
            One row per trial, as for `logp`.
        **hssm_kwargs
            Passed on to `hssm.HSSM` (`p_outlier`, `lapse`, `prior_settings`,
            ...). Two defaults differ from HSSM's: `p_outlier=None` (no lapse
            mixture; `t` is bounded below the fastest rt, so no trial is
            impossible, and a fixed lapse creates flat regions where NUTS
            warm-up stalls) and `process_initvals=False` (sampling starts at
            the prior centres, i.e. the parameters' defaults).
            `include=[...]` replaces the default `hssm.Param` of each parameter
            it names, e.g. `include=[{"name": "a", "formula":
            "a ~ 1 + condition + (1|participant_id)"}]`.

        Returns
        -------
        hssm.HSSM
            The model (a subclass of `hssm.HSSM` whose own predictive sampling,
            which would ignore learning, raises an error pointing to
            `rlssm.predict_one_step` and `rlssm.predict_closed_loop`).
        """
        from ._hssm import to_hssm

        return to_hssm(self, data, **hssm_kwargs)

    def simulate(
        self,
        params: Mapping[str, Float[ArrayLike, ...]],
        env: Any,
        n_participants: int,
        n_trials: int,
        key: Array,
    ) -> pd.DataFrame:
        """Simulate participants learning in `env`; see `rlssm.simulate`.

        Parameters
        ----------
        params
            A value for every name in `list_params`: a scalar, or one value per
            participant.
        env
            The task environment, e.g. `rlssm.Bandit.gaussian([0.2, 0.8], [0.1, 0.1])`.
        n_participants
            Number of simulated participants.
        n_trials
            Trials per participant.
        key
            A JAX random key.

        Returns
        -------
        pandas.DataFrame
            Trials in the format `logp` and `to_hssm` accept, with the true
            per-participant parameters in `.attrs["params"]`.
        """
        from ._simulate import simulate

        return simulate(self, params, env, n_participants, n_trials, key)

    def latents(
        self, data: pd.DataFrame | Panel, params: Mapping[str, Float[ArrayLike, ...]]
    ) -> dict[str, np.ndarray]:
        """Trial-wise option values and mapped decision parameters.

        Parameters
        ----------
        data
            As in `logp`.
        params
            As in `logp`.

        Returns
        -------
        dict
            In `data`'s row order: `"q"`, `(n, n_options)` option values before
            each trial's choice; one `(n,)` array per latent of the learning rule
            (`AbstractLearningRule.latents`, e.g. `"prediction_error"` for
            `RescorlaWagner` and `DualAlpha`; NaN on skipped trials); and one
            `(n,)` array per mapping output (e.g. `"v"`).
        """
        panel = self._as_panel(data)
        q, mapped, extra = self._trial_loop(
            panel, self._row_params(params, panel.n_rows)
        )
        return {
            "q": np.asarray(q),
            **{name: np.asarray(x) for name, x in extra.items()},
            **{name: np.asarray(v) for name, v in mapped.items()},
        }
