"""The angle model's exact likelihood: a DDM whose bounds collapse linearly.

A Wiener process with drift `v`, unit diffusion and start `x0 = (2z - 1) a`
stops when it reaches `b(tau) = a - c tau` (upper bound, choice +1) or `-b(tau)`
(lower bound, choice -1), where `c = tan(theta)` and `tau = rt - t`. Write
`r = b(tau) / a = 1 - c tau / a`. The space-time change

    X(tau) = r Z(s),    s = tau / r,

maps these two linear bounds onto the constant bounds `-a` and `a` (Doob, 1949):
`Z` is a Brownian motion on `s in [0, inf)` with a Gaussian random drift of mean
`v + c x0 / a` and variance `c / a` when the bounds collapse (`c > 0`), and a
Brownian bridge on `s in [0, a / |c|)` when they widen (`c < 0`). Averaging the
constant-bound first-passage density over that drift (or conditioning it on the
bridge's end point) and multiplying by `ds / dtau = r**-2` gives, for a hit of
the upper bound,

    log f(tau) = log f0(s) - 1.5 log r + (c / 2) (b(tau) - x0**2 / a)
                 + v (b(tau) - x0) - v**2 tau / 2,

where `f0(s)` is the drift-free density of hitting `a` at `s` with constant
bounds `+-a`, i.e. the DDM density with separation `2a`. For the lower bound
replace `b(tau)` by `-b(tau)` in the drift term and `f0` by the density at `-a`.
The last two terms are the Girsanov factor `exp(v (X(tau) - x0) - v**2 tau / 2)`;
everything else is drift free. `f0` is the Navarro-Fuss series of `rlssm.DDM`
(small-time image series below `s / (2a)**2 = 1 / pi`, large-time Fourier series
above), with a relative truncation error of about 1e-24 at every `s`. Because
the sums are taken in log space around their leading term, nothing cancels
near the point where the bounds meet (`r -> 0`, `s -> inf`), where the density
falls smoothly to zero, and the result is exact to floating-point precision
for every `theta` in the bounds, negative (widening bounds) included. With
widening bounds the process may never stop, and the density then integrates to
less than one. At `theta = 0` it is the DDM density.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, Real

from ._decision import LOGP_FLOOR, AbstractDecision
from ._first_passage import broadcast_params, sample_linear_bounds
from ._params import ParamSpec
from ._wiener import TT_SWITCH, log_large_time, log_small_time

_MIN_DECISION_TIME = 1e-15  # HSSM's `epsilon`: shorter decision times are floored.


class Angle(AbstractDecision):
    """The angle model (DDM with linearly collapsing bounds), exact likelihood.

    The first-passage-time density of a Wiener process between the symmetric
    linear bounds `+-(a - tau * tan(theta))` is computed in closed form from the
    constant-bound (DDM) density by the space-time change of Doob (1949),
    "Heuristic approach to the Kolmogorov-Smirnov theorems", *Annals of
    Mathematical Statistics* 20(3), 393-403, which turns linear bounds into
    constant ones; the same problem is treated with images by Anderson (1960),
    *Annals of Mathematical Statistics* 31(1), 165-197, and Hall (1997), "The
    distribution of Brownian motion on linear stopping boundaries", *Sequential
    Analysis* 16(4), 345-352. The constant-bound density uses the series of
    Navarro & Fuss (2009), *Journal of Mathematical Psychology* 53(4), 222-230.
    The derivation is in the module docstring (`rlssm._angle`). The model is the
    `angle` model of Fengler, Govindarajan, Chen & Frank (2021), eLife 10:e65074.

    Parameters, their order and bounds are HSSM's for `angle` (those of
    `LAN("angle")`): `v` drift rate (unit diffusion), `a` bound height at
    decision time 0 (the bounds are `+-a`), `z` relative start point, `t`
    non-decision time, `theta` the angle of collapse in radians (negative:
    the bounds widen). Choices are -1 (lower bound) and +1 (upper bound,
    favoured by `v > 0`).

    Trials with `rt - t <= 1e-15`, with `rt - t` at or past the point where the
    bounds meet (`tan(theta) * (rt - t) >= a`), or with any parameter outside
    its bounds get `LOGP_FLOOR`, with zero, finite gradients. The log density
    itself is floored at `LOGP_FLOOR` too (densities below about 2e-29 count as
    impossible), so that no trial scores below an impossible one. This differs
    from `DDM`, which floors only the standardised drift-free density.

    The published angle LAN (`LAN("angle")`) was trained on samples of the
    Euler simulator of `ssm-simulators` with step `dt = 0.001`. Its discrete
    steps overshoot the bounds, which therefore act about 0.018 (about
    `0.5826 * sqrt(dt)`) wider than the continuous model's. `Angle` is the
    continuous model, so its `a` estimates come out about 0.018 larger than
    the LAN's on the same data.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> angle = Angle()
    >>> params = {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.2, "theta": 0.3}
    >>> angle.logp(jnp.array([0.5, 0.8]), jnp.array([1, -1]), params).shape
    (2,)
    """

    # HSSM's bounds for the `angle` model (`hssm.modelconfig`, the LAN's
    # training range); hard-coded so that the core imports without HSSM, and
    # checked against `LAN("angle").param_specs` in the tests.
    param_specs: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("v", lower=-3.0, upper=3.0, default=0.0),
        ParamSpec("a", lower=0.3, upper=3.0, default=1.0),
        ParamSpec("z", lower=0.1, upper=0.9, default=0.5),
        ParamSpec("t", lower=0.001, upper=2.0, default=0.2),
        ParamSpec("theta", lower=-0.1, upper=1.3, default=0.1),
    )
    choices: ClassVar[tuple[int, ...]] = (-1, 1)

    def logp(
        self,
        rt: Float[ArrayLike, " n"],
        choice: Real[ArrayLike, " n"],
        params: Mapping[str, Float[ArrayLike, " n"]],
    ) -> Float[Array, " n"]:
        """Per-trial log-likelihood of the observed response times and choices.

        Parameters
        ----------
        rt
            Response times in seconds.
        choice
            -1 for the lower bound, +1 for the upper bound.
        params
            `v`, `a`, `z`, `t` and `theta`, each an array or scalar
            broadcastable against `rt`.

        Returns
        -------
        Array
            The log-likelihood of each trial, in the floating dtype of `rt` and
            the parameters, at least `LOGP_FLOOR` and never NaN.
        """
        values = [params[spec.name] for spec in self.param_specs]
        dtype = jnp.result_type(rt, *values)
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = jnp.result_type(float)
        rt, v, a, z, t, theta = (jnp.asarray(x, dtype) for x in (rt, *values))
        rt, choice, v, a, z, t, theta = jnp.broadcast_arrays(
            rt, jnp.asarray(choice), v, a, z, t, theta
        )
        valid = jnp.ones(rt.shape, bool)
        for spec, value in zip(self.param_specs, (v, a, z, t, theta), strict=True):
            valid &= (value >= spec.lower) & (value <= spec.upper)
        slope = jnp.tan(theta)
        tau = rt - t
        valid &= (tau > _MIN_DECISION_TIME) & jnp.isfinite(tau) & (slope * tau < a)
        # Double-where: invalid trials are computed at harmless values, so that
        # neither the value nor the gradient of the discarded branch is NaN.
        tau = jnp.where(valid, tau, 1.0)
        v = jnp.where(valid, v, 0.0)
        a = jnp.where(valid, a, 1.0)
        z = jnp.where(valid, z, 0.5)
        slope = jnp.where(valid, slope, 0.0)

        ratio = 1.0 - slope * tau / a  # b(tau) / a, in (0, inf)
        bound = a * ratio
        x0 = (2.0 * z - 1.0) * a
        upper = choice > 0
        w = jnp.where(upper, 1.0 - z, z)  # start-to-hit-bound distance over 2a
        # Standardised time of the constant-bound DDM; the lower clip only
        # matters for absurd scales and keeps 1 / tt**2 finite in the gradient.
        tt = jnp.maximum(tau / (4.0 * a**2 * ratio), jnp.finfo(dtype).tiny ** 0.25)
        small = tt < TT_SWITCH
        log_standard = jnp.where(
            small,
            log_small_time(jnp.where(small, tt, TT_SWITCH), w),
            log_large_time(jnp.where(small, TT_SWITCH, tt), w),
        )
        hit = jnp.where(upper, bound, -bound)
        logp = (
            log_standard
            - 2.0 * jnp.log(2.0 * a)
            - 1.5 * jnp.log(ratio)
            + 0.5 * slope * (bound - x0**2 / a)
            + v * (hit - x0)
            - 0.5 * v**2 * tau
        )
        return jnp.where(valid, jnp.maximum(logp, LOGP_FLOOR), LOGP_FLOOR)

    def sample(
        self, key: Array, params: Mapping[str, Float[ArrayLike, "*shape"]]
    ) -> tuple[Float[Array, "*shape"], Int[Array, "*shape"]]:
        """Draw response times and choices from the exact angle model.

        Each draw inverts the exact first-passage distribution numerically, in
        the Doob time `s` in which the bounds are constant (see the module
        docstring and `rlssm._first_passage.sample_linear_bounds`): both
        bounds' densities are integrated on a grid, the choice is drawn from
        their masses and the decision time from the chosen bound's cumulative
        distribution. The bias is far below Monte-Carlo error (quantiles within
        about 1e-5 s of the exact ones). When the bounds widen (`theta < 0`)
        the process never stops with a small probability; draws are then
        conditional on a response.

        Parameters
        ----------
        key
            A JAX random key.
        params
            `v`, `a`, `z`, `t` and `theta`, arrays (or scalars) of one common
            shape after broadcasting; one draw per element.

        Returns
        -------
        tuple of Array
            Response times in seconds (NaN where a parameter lies outside its
            bounds) and choices, -1 (lower) or +1 (upper bound), of that shape.
        """
        values = broadcast_params(params, tuple(self.list_params))
        valid = jnp.ones(values[0].shape, bool)
        for spec, value in zip(self.param_specs, values, strict=True):
            valid &= (value >= spec.lower) & (value <= spec.upper)
        v, a, z, t, theta = values
        rt, choice = sample_linear_bounds(key, v, a, z, t, jnp.tan(theta))
        return jnp.where(valid, rt, jnp.nan), choice
