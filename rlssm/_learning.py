"""The learning role: how option values change from trial to trial."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PyTree

from ._params import ParamSpec


class AbstractLearningRule(eqx.Module):
    """A learning rule: a state per participant, updated after every trial.

    Subclasses declare their parameters (`param_specs`), the data columns that
    `update` reads (`data_columns`, e.g. `("feedback",)`) and the number of
    options, and implement `init`, `values` and `update`. The trial loop itself
    is written once, in `RLSSM`; a rule only describes one step. Rules whose
    state is just the vector of option values subclass `AbstractValueLearning`
    and implement `update` alone.

    Examples
    --------
    A Rescorla-Wagner rule in which the unchosen option decays towards `q0`
    (forgetting), in a few lines:

    >>> from typing import ClassVar
    >>> import jax.numpy as jnp
    >>> import rlssm
    >>> class ForgetfulRW(rlssm.AbstractValueLearning):
    ...     param_specs: ClassVar = (
    ...         rlssm.ParamSpec("rl_alpha", lower=0.0, upper=1.0, default=0.2),
    ...         rlssm.ParamSpec("forget", lower=0.0, upper=1.0, default=0.1),
    ...     )
    ...     data_columns: ClassVar = ("feedback",)
    ...     n_options: int = 2
    ...     q0: float = 0.5
    ...
    ...     def update(self, state, params, choice, data):
    ...         chosen = jnp.arange(self.n_options) == choice
    ...         learned = state + params["rl_alpha"] * (data["feedback"] - state)
    ...         forgotten = state + params["forget"] * (self.q0 - state)
    ...         return jnp.where(chosen, learned, forgotten)
    >>> rlssm.RLSSM(ForgetfulRW(), rlssm.DDM()).list_params
    ['rl_alpha', 'forget', 'scaler', 'a', 'z', 't']
    """

    param_specs: eqx.AbstractClassVar[tuple[ParamSpec, ...]]
    data_columns: eqx.AbstractClassVar[tuple[str, ...]]
    n_options: eqx.AbstractVar[int]

    @abc.abstractmethod
    def init(self) -> PyTree[Array]:
        """Return the learning state before the first trial."""
        raise NotImplementedError

    @abc.abstractmethod
    def values(self, state: PyTree[Array]) -> Float[Array, " n_options"]:
        """Return the option values (Q) held in `state`."""
        raise NotImplementedError

    @abc.abstractmethod
    def update(
        self,
        state: PyTree[Array],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> PyTree[Array]:
        """Return the state after one trial.

        Parameters
        ----------
        state
            The state before the trial.
        params
            This trial's parameter values, by name (a superset of the rule's own).
        choice
            Index of the chosen option, in `0 .. n_options - 1`.
        data
            This trial's value of each column in `data_columns`, by name.

        Returns
        -------
        PyTree
            The state after the trial, with the same structure as `state`.
        """
        raise NotImplementedError

    def latents(
        self,
        state: PyTree[Array],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> dict[str, Float[Array, ""]]:
        """Return this trial's internal quantities worth reporting, by name.

        `RLSSM.latents` reports them next to the option values, e.g. the
        prediction error that people regress on fMRI or EEG signals. The
        arguments are those of `update`; the state is the one before the
        trial. By default a rule reports none.

        Returns
        -------
        dict
            Name to scalar.
        """
        return {}


def _feedback_error(
    state: Float[Array, " n_options"],
    choice: Int[Array, ""],
    data: Mapping[str, Float[Array, ""]],
) -> Float[Array, ""]:
    """Reward prediction error `feedback - Q[choice]`."""
    return data["feedback"] - state[choice]


class AbstractValueLearning(AbstractLearningRule):
    """A learning rule whose state is just the vector of option values.

    It starts every option at `q0`; subclasses implement only `update`.
    """

    q0: eqx.AbstractVar[float]
    n_options: eqx.AbstractVar[int]

    def __check_init__(self) -> None:
        """Check that there are at least two options."""
        if self.n_options < 2:
            raise ValueError(
                f"`{type(self).__name__}(n_options=...)` must be at least 2, "
                f"got {self.n_options}."
            )

    def init(self) -> Float[Array, " n_options"]:
        """Return `q0` for every option."""
        return jnp.full(self.n_options, self.q0)

    def values(self, state: Float[Array, " n_options"]) -> Float[Array, " n_options"]:
        """Return the state itself: it is the vector of option values."""
        return state


class RescorlaWagner(AbstractValueLearning):
    """Rescorla-Wagner (delta-rule) learning of the chosen option's value.

    After choosing option `c` and receiving feedback `r`,
    `Q[c] <- Q[c] + rl_alpha * (r - Q[c])`; the other values stay put
    (Rescorla & Wagner, 1972; Sutton & Barto, 2018, ch. 2).

    Parameters
    ----------
    q0
        Initial value of every option.
    n_options
        Number of options (arms).
    """

    param_specs: ClassVar = (ParamSpec("rl_alpha", lower=0.0, upper=1.0, default=0.2),)
    data_columns: ClassVar = ("feedback",)
    q0: float = 0.5
    n_options: int = eqx.field(default=2, static=True)

    def update(
        self,
        state: Float[Array, " n_options"],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> Float[Array, " n_options"]:
        """Move the chosen option's value towards the feedback."""
        error = _feedback_error(state, choice, data)
        return state.at[choice].add(params["rl_alpha"] * error)

    def latents(
        self,
        state: Float[Array, " n_options"],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> dict[str, Float[Array, ""]]:
        """Return the prediction error `feedback - Q[choice]`."""
        return {"prediction_error": _feedback_error(state, choice, data)}


class DualAlpha(AbstractValueLearning):
    """Rescorla-Wagner learning with separate rates for good and bad surprises.

    The prediction error `delta = r - Q[c]` moves `Q[c]` by `rl_alpha * delta`
    when `delta >= 0` and by `rl_alpha_neg * delta` when `delta < 0`
    (Frank et al., 2007, PNAS 104:16311; Gershman, 2015, Psychon Bull Rev 22:1320).

    Parameters
    ----------
    q0
        Initial value of every option.
    n_options
        Number of options (arms).
    """

    param_specs: ClassVar = (
        ParamSpec("rl_alpha", lower=0.0, upper=1.0, default=0.2),
        ParamSpec("rl_alpha_neg", lower=0.0, upper=1.0, default=0.2),
    )
    data_columns: ClassVar = ("feedback",)
    q0: float = 0.5
    n_options: int = eqx.field(default=2, static=True)

    def update(
        self,
        state: Float[Array, " n_options"],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> Float[Array, " n_options"]:
        """Move the chosen value with the rate that matches the error's sign."""
        error = _feedback_error(state, choice, data)
        rate = jnp.where(error >= 0, params["rl_alpha"], params["rl_alpha_neg"])
        return state.at[choice].add(rate * error)

    def latents(
        self,
        state: Float[Array, " n_options"],
        params: Mapping[str, Float[Array, ""]],
        choice: Int[Array, ""],
        data: Mapping[str, Float[Array, ""]],
    ) -> dict[str, Float[Array, ""]]:
        """Return the prediction error `feedback - Q[choice]`."""
        return {"prediction_error": _feedback_error(state, choice, data)}
