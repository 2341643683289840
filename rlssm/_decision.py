"""The decision role: the likelihood of one observed (rt, choice) pair."""

from __future__ import annotations

import abc
from collections.abc import Mapping

import equinox as eqx
from jaxtyping import Array, ArrayLike, Float, Int

from ._params import ParamSpec

LOGP_FLOOR = -66.1
"""Log-likelihood given to impossible trials (rt below `t`, parameters outside
their bounds). It is HSSM's `LOGP_LB`, so totals agree with HSSM trial by trial."""


class AbstractDecision(eqx.Module):
    """A sequential sampling model scoring observed response times and choices.

    Subclasses declare their parameters (`param_specs`) and the integer coding
    of their choices (`choices`), and implement `logp`. The option with index
    `i` in the learning rule is fed to the decision as `choices[i]`; for the
    DDM family `choices == (-1, 1)`, so option 1 is the upper bound, which a
    positive drift `v` favours.
    """

    param_specs: eqx.AbstractVar[tuple[ParamSpec, ...]]
    choices: eqx.AbstractVar[tuple[int, ...]]

    @property
    def list_params(self) -> list[str]:
        """Parameter names, in the order the decision declares them."""
        return [spec.name for spec in self.param_specs]

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        """`(lower, upper)` bounds per parameter name."""
        return {spec.name: spec.bounds for spec in self.param_specs}

    @abc.abstractmethod
    def logp(
        self,
        rt: Float[ArrayLike, " n"],
        choice: Float[ArrayLike, " n"],
        params: Mapping[str, Float[ArrayLike, " n"]],
    ) -> Float[Array, " n"]:
        """Per-trial log-likelihood.

        Parameters
        ----------
        rt
            Response times in seconds.
        choice
            Choices in this decision's own coding (an element of `choices`).
        params
            One array (or scalar) per name in `list_params`, broadcastable
            against `rt`.

        Returns
        -------
        Array
            The log-likelihood of each trial; impossible trials get
            `LOGP_FLOOR`, never NaN.
        """
        raise NotImplementedError

    def sample(
        self, key: Array, params: Mapping[str, Float[ArrayLike, "*shape"]]
    ) -> tuple[Float[Array, "*shape"], Int[Array, "*shape"]]:
        """Draw response times and choices (used by `rlssm.simulate`).

        Decisions that can be simulated override this; it is not abstract so
        that a decision written only to fit data (a likelihood) needs no
        sampler. This default raises.

        Parameters
        ----------
        key
            A JAX random key.
        params
            One array (or scalar) per name in `list_params`, of one common shape
            after broadcasting; one draw per element.

        Returns
        -------
        tuple of Array
            Response times in seconds and choices in this decision's own coding
            (elements of `choices`), each of the broadcast shape of `params`.

        Raises
        ------
        NotImplementedError
            Always, here: `type(self)` has no sampler.
        """
        raise NotImplementedError(
            f"{type(self).__name__} cannot be simulated: it does not implement "
            "`sample(key, params) -> (rt, choice)`. Implement it to use "
            "`rlssm.simulate`."
        )
