"""The decision role: the likelihood of one observed (rt, choice) pair."""

from __future__ import annotations

import abc
from collections.abc import Mapping

import equinox as eqx
from jaxtyping import Array, ArrayLike, Float

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
