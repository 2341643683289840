"""The single record that describes one model parameter."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs


def _check_bounds(
    instance: ParamSpec, attribute: attrs.Attribute, value: float
) -> None:
    del attribute
    if not instance.lower < instance.upper:
        raise ValueError(
            f"`ParamSpec({instance.name!r})`: lower bound {instance.lower} must be "
            f"below upper bound {instance.upper}."
        )
    if not instance.lower <= value <= instance.upper:
        raise ValueError(
            f"`ParamSpec({instance.name!r}, default=...)`: default {value} lies "
            f"outside the bounds [{instance.lower}, {instance.upper}]."
        )


@attrs.frozen
class ParamSpec:
    """Name, bounds and default value of one parameter.

    Every component (learning rule, mapping, decision likelihood) declares its
    parameters as a tuple of `ParamSpec`; everything else (the model's parameter
    list, its bounds, HSSM defaults) is derived from these records, so there are
    never parallel lists of names, bounds and defaults.

    Parameters
    ----------
    name
        Parameter name as it appears in `RLSSM.list_params` and in HSSM formulas.
    lower
        Lower bound of the parameter's support (may be `-math.inf`).
    upper
        Upper bound of the parameter's support (may be `math.inf`).
    default
        A plausible value inside the bounds, used as a starting point.

    Examples
    --------
    >>> ParamSpec("rl_alpha", lower=0.0, upper=1.0, default=0.3)
    ParamSpec(name='rl_alpha', lower=0.0, upper=1.0, default=0.3)
    """

    name: str
    lower: float = attrs.field(converter=float)
    upper: float = attrs.field(converter=float)
    default: float = attrs.field(converter=float, validator=_check_bounds)

    @property
    def bounds(self) -> tuple[float, float]:
        """The `(lower, upper)` pair."""
        return (self.lower, self.upper)

    @property
    def is_bounded(self) -> bool:
        """Whether either bound is finite."""
        return math.isfinite(self.lower) or math.isfinite(self.upper)


def names(specs: tuple[ParamSpec, ...]) -> list[str]:
    """Return the names of `specs`, in order."""
    return [spec.name for spec in specs]


def check_names(
    params: Mapping[str, object], expected: Sequence[str], argument: str = "params"
) -> None:
    """Raise a ValueError unless `params` has exactly the keys `expected`.

    The message names the caller's `argument`.
    """
    missing = [name for name in expected if name not in params]
    unknown = [name for name in params if name not in expected]
    if missing or unknown:
        raise ValueError(
            f"`{argument}` must have exactly the keys {list(expected)}; missing "
            f"{missing}, unknown {unknown}."
        )
