"""Exact sampling of first passages through linear bounds (DDM and angle).

`sample_linear_bounds` draws response times and choices of a Wiener process
between the bounds `+-(a - slope tau)` by inverting the exact first-passage
distribution on a grid (details in its docstring): `DDM.sample` (slope 0),
`Angle.sample` (slope `tan(theta)`) and the LANs of those two models use it.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ._wiener import TT_SWITCH, log_large_time, log_small_time


def broadcast_params(
    params: Mapping[str, ArrayLike], names: tuple[str, ...]
) -> list[Array]:
    """Return the named parameters as floating arrays of one broadcast shape."""
    values = [jnp.asarray(params[name]) for name in names]
    dtype = jnp.result_type(float, *values)
    return [jnp.asarray(x, dtype) for x in jnp.broadcast_arrays(*values)]


# Decision-time grid of the sampler, in standardised Doob time tt = s / (2a)**2
# (see `sample_linear_bounds`): `_GRID_SMALL` log-spaced points from
# `w_min**2 / _TT_LOW_DIVISOR` (the mass below is under 2 Phi(-12) ~ 4e-33) up
# to the series switch 1 / pi, where the small-time series is used, and
# `_GRID_LARGE` points from there to `_TT_END`, where the large-time series is
# used and above which the remaining mass is below about 1e-10.
_GRID_SMALL = 112
_GRID_LARGE = 40
_TT_LOW_DIVISOR = 144.0
_TT_END = 5.0
_SAMPLE_CHUNK = 4096  # draws per batch, to bound memory (grid x batch floats)


@jax.jit
def sample_linear_bounds(
    key: Array, v: Array, a: Array, z: Array, t: Array, slope: Array
) -> tuple[Array, Array]:
    """Sample first passages of a Wiener process through the bounds `+-(a - slope tau)`.

    The process has drift `v`, unit diffusion, starts at `(2z - 1) a` and stops
    at `a - slope * tau` (choice +1) or `-(a - slope * tau)` (choice -1); the
    response time is `t + tau`. `slope = 0` is the DDM, `slope = tan(theta)`
    the angle model. All arguments share one shape; one draw per element.

    The draw inverts the exact distribution on a grid. With Doob's (1949)
    space-time change `s = tau / r`, `r = 1 - slope tau / a = 1 / (1 + slope s
    / a)` (derivation in `rlssm._angle`), the linear bounds become the constant
    bounds `+-a` in the time `s`, and the density of `u = log s` at a hit of
    the bound `hit = +-a r` is, up to a factor common to both bounds,

        g(u) = f0(tt | w) tt r**0.5 exp(slope (a r - x0**2 / a) / 2
                                        + v (hit - x0) - v**2 tau / 2),

    where `tt = s / (2a)**2`, `f0` is the standardised drift-free Navarro-Fuss
    density (`w = z` for the lower, `1 - z` for the upper bound) and `x0 =
    (2z - 1) a`. At `slope = 0` this is the DDM density times `s`. The grid in
    `log tt` runs from `min(z, 1 - z)**2 / 144` to `_TT_END` (5), or to the
    end of Doob time `a / (4 a**2 |slope|)` when the bounds widen (`slope < 0`),
    and each series is evaluated only on its side of the switch `tt = 1 / pi`
    (152 points in all). The corrected trapezoid rule (the integral of the
    cubic Hermite interpolant, derivatives by finite differences) gives the
    cumulative mass of each bound; the choice is drawn in proportion to the
    two masses, then `u` by inverting the chosen bound's cumulative mass
    (within a grid cell, with the density interpolated linearly), and
    `tau = s r`.

    With widening bounds the process never stops with a small probability
    (at most a few percent in the angle model's bounds); draws are then
    conditional on a response. The discretisation error (grid steps of 0.03
    to 0.07 in `log tt`) is below 1e-6 in choice probabilities and about
    1e-5 s in response-time quantiles, against quadrature of the exact
    densities.
    """
    shape = v.shape
    uniforms = jax.random.uniform(key, (*shape, 2), v.dtype).reshape(-1, 2)
    args = (uniforms, *(x.reshape(-1) for x in (v, a, z, t, slope)))
    one = lambda xs: _invert_one(*xs)  # noqa: E731
    if args[1].size <= _SAMPLE_CHUNK:
        rt, choice = jax.vmap(one)(args)
    else:
        rt, choice = jax.lax.map(one, args, batch_size=_SAMPLE_CHUNK)
    return rt.reshape(shape), choice.reshape(shape)


def _invert_one(
    uniforms: Array, v: Array, a: Array, z: Array, t: Array, slope: Array
) -> tuple[Array, Array]:
    """One draw of `sample_linear_bounds`, for scalar parameters."""
    # Harmless values for invalid parameters (the caller masks the result).
    ok = (a > 0) & (z > 0) & (z < 1) & jnp.isfinite(v) & jnp.isfinite(slope)
    v, slope = jnp.where(ok, v, 0.0), jnp.where(ok, slope, 0.0)
    a, z = jnp.where(ok, a, 1.0), jnp.where(ok, z, 0.5)
    dtype = v.dtype
    w_min = jnp.minimum(z, 1.0 - z)
    log_lo = jnp.log(w_min**2 / _TT_LOW_DIVISOR)
    log_switch = jnp.log(TT_SWITCH)
    # Doob time ends at s = a / |slope| when the bounds widen; the grid stops
    # just short of it (where the density has fallen to zero).
    widening = jnp.maximum(-slope, jnp.finfo(dtype).tiny)
    widening_end = (1.0 - 1e-9) / (4.0 * a * widening)
    log_end = jnp.log(jnp.minimum(_TT_END, widening_end))
    log_end = jnp.maximum(log_end, log_switch + 1e-6)
    step_small = jnp.arange(_GRID_SMALL, dtype=dtype) / (_GRID_SMALL - 1)
    step_large = jnp.arange(1, _GRID_LARGE + 1, dtype=dtype) / _GRID_LARGE
    log_small = log_lo + (log_switch - log_lo) * step_small
    log_large = log_switch + (log_end - log_switch) * step_large
    log_tt = jnp.concatenate([log_small, log_large])
    tt = jnp.exp(log_tt)

    s = 4.0 * a**2 * tt
    inverse_ratio = 1.0 + slope * s / a  # 1 / r, positive inside Doob time
    inside = inverse_ratio > 0
    inverse_ratio = jnp.where(inside, inverse_ratio, 1.0)
    ratio = 1.0 / inverse_ratio
    tau = s * ratio
    bound = a * ratio
    x0 = (2.0 * z - 1.0) * a

    def log_g(w: Array, hit: Array) -> Array:
        series = jnp.concatenate(
            [
                log_small_time(tt[:_GRID_SMALL], jnp.broadcast_to(w, (_GRID_SMALL,))),
                log_large_time(tt[_GRID_SMALL:], jnp.broadcast_to(w, (_GRID_LARGE,))),
            ]
        )
        return (
            series
            + log_tt
            + 0.5 * jnp.log(ratio)
            + 0.5 * slope * (bound - x0**2 / a)
            + v * (hit - x0)
            - 0.5 * v**2 * tau
        )

    log_lower, log_upper = log_g(z, -bound), log_g(1.0 - z, bound)
    top = jnp.maximum(jnp.max(log_lower), jnp.max(log_upper))
    widths = jnp.diff(log_tt)

    def density(log_density: Array) -> Array:
        return jnp.where(inside, jnp.exp(log_density - top), 0.0)

    def cumulative(density: Array) -> Array:
        # Corrected trapezoid rule (the integral of the cubic Hermite
        # interpolant): h (g0 + g1) / 2 + h**2 (g0' - g1') / 12, with the
        # derivatives from second-order finite differences.
        slopes = jnp.diff(density) / widths
        inner = (slopes[1:] * widths[:-1] + slopes[:-1] * widths[1:]) / (
            widths[1:] + widths[:-1]
        )
        derivative = jnp.concatenate([slopes[:1], inner, slopes[-1:]])
        cells = widths * (density[1:] + density[:-1]) / 2.0
        cells += widths**2 * (derivative[:-1] - derivative[1:]) / 12.0
        cells = jnp.maximum(cells, 0.0)
        return jnp.concatenate([jnp.zeros(1, dtype), jnp.cumsum(cells)])

    g_lower, g_upper = density(log_lower), density(log_upper)
    lower, upper = cumulative(g_lower), cumulative(g_upper)
    upper_chosen = uniforms[0] * (lower[-1] + upper[-1]) < upper[-1]
    g = jnp.where(upper_chosen, g_upper, g_lower)
    mass = jnp.where(upper_chosen, upper, lower)
    target = uniforms[1] * mass[-1]
    # Cell [i - 1, i] holds the target. The trapezoid rule integrates the
    # density interpolated linearly in log tt; its cumulative mass inside the
    # cell is quadratic, and solving it for `remaining` gives the offset
    # (written in the form that is stable when g1 = g0).
    i = jnp.clip(jnp.searchsorted(mass, target, side="right"), 1, mass.size - 1)
    width = log_tt[i] - log_tt[i - 1]
    g0, g1 = g[i - 1], g[i]
    cell = mass[i] - mass[i - 1]
    trapezoid = width * (g0 + g1) / 2.0
    remaining = jnp.maximum(target - mass[i - 1], 0.0)
    remaining *= trapezoid / jnp.maximum(cell, jnp.finfo(dtype).tiny)
    root = jnp.sqrt(jnp.maximum(g0**2 + 2.0 * (g1 - g0) * remaining / width, 0.0))
    offset = 2.0 * remaining / jnp.maximum(g0 + root, jnp.finfo(dtype).tiny)
    log_tt_draw = log_tt[i - 1] + jnp.clip(offset, 0.0, width)
    s_draw = 4.0 * a**2 * jnp.exp(log_tt_draw)
    tau_draw = s_draw / (1.0 + slope * s_draw / a)
    choice = jnp.where(upper_chosen, 1, -1).astype(jnp.int32)
    return t + tau_draw, choice
