"""The mapping role: from option values to decision parameters."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import ClassVar

import equinox as eqx
from jaxtyping import Array, Float

from ._params import ParamSpec


class AbstractMapping(eqx.Module):
    """Turns option values into the decision parameters that depend on learning.

    Subclasses declare their own parameters (`param_specs`), the names of the
    decision parameters they compute (`outputs`) and the number of options they
    expect (`n_options`), and implement `__call__`.
    """

    param_specs: eqx.AbstractClassVar[tuple[ParamSpec, ...]]
    outputs: eqx.AbstractClassVar[tuple[str, ...]]
    n_options: eqx.AbstractVar[int]

    @abc.abstractmethod
    def __call__(
        self, q: Float[Array, " n_options"], params: Mapping[str, Float[Array, ""]]
    ) -> dict[str, Float[Array, ""]]:
        """Compute the decision parameters of one trial.

        Parameters
        ----------
        q
            Option values before the trial.
        params
            This trial's parameter values, by name (a superset of the mapping's own).

        Returns
        -------
        dict
            One scalar per name in `outputs`.
        """
        raise NotImplementedError


class Scaler(AbstractMapping):
    """Drift rate proportional to the difference of two option values.

    `v = scaler * (q[1] - q[0])`, so a positive `v` favours option 1, the upper
    bound of a DDM-type decision (Pedersen, Frank & Biele, 2017, Psychon Bull
    Rev 24:1234; Fontanesi et al., 2019, Psychon Bull Rev 26:1099).
    """

    param_specs: ClassVar = (ParamSpec("scaler", lower=0.0, upper=10.0, default=2.0),)
    outputs: ClassVar = ("v",)
    n_options: ClassVar[int] = 2

    def __call__(
        self, q: Float[Array, " 2"], params: Mapping[str, Float[Array, ""]]
    ) -> dict[str, Float[Array, ""]]:
        """Return `{"v": scaler * (q[1] - q[0])}`."""
        return {"v": params["scaler"] * (q[1] - q[0])}
