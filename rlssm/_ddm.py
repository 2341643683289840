"""The analytical drift diffusion model: the Wiener first-passage-time density.

The density of hitting the lower bound at decision time `s` for a Wiener process
with drift `v`, unit diffusion, boundary separation `A` and relative start `w` is

    f(s | v, A, w) = A**-2 * exp(-v * A * w - v**2 * s / 2) * f(s / A**2 | 0, 1, w),

and the standardised density `f(tt | 0, 1, w)` is the Navarro & Fuss (2009)
series of `rlssm._wiener` (small-time below `tt = 1 / pi`, large-time above,
with a fixed number of terms so that shapes are static; relative truncation
error about 1e-24).

Upper-bound responses are scored as lower-bound ones with `-v` and `1 - w`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, Real

from ._decision import LOGP_FLOOR, AbstractDecision
from ._first_passage import broadcast_params, sample_linear_bounds
from ._params import ParamSpec
from ._wiener import TT_SWITCH, log_large_time, log_small_time

_MIN_DECISION_TIME = 1e-15  # HSSM's `epsilon`: shorter decision times are floored.


class DDM(AbstractDecision):
    """The drift diffusion model with its analytical likelihood.

    The Wiener first-passage-time density is computed from the series of Navarro
    and Fuss (2009), "Fast and accurate calculations for first-passage times in
    Wiener diffusion models", *Journal of Mathematical Psychology* 53(4),
    222-230, with a fixed number of terms so that `logp` can be jitted, vmapped
    and differentiated.

    The parameterisation is HSSM's `ddm` (`hssm.likelihoods.analytical.logp_ddm`):
    `v` is the drift rate (unit diffusion), `a` is half the boundary separation,
    `z` the start point relative to the boundaries, `t` the non-decision time.
    Choices are coded -1 (lower bound) and +1 (upper bound, favoured by `v > 0`).
    As in HSSM, the standardised density is floored at `exp(LOGP_FLOOR)` before
    the drift and scale terms are added, and trials whose decision time
    `rt - t` is at most 1e-15 get `LOGP_FLOOR`. Parameters outside their bounds
    (`a <= 0`, `z` outside (0, 1), `t < 0`, non-finite values) also give
    `LOGP_FLOOR` (not `-inf`), with zero, finite gradients.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> ddm = DDM()
    >>> params = {"v": 1.0, "a": 1.0, "z": 0.5, "t": 0.2}
    >>> ddm.logp(jnp.array([0.5, 0.8]), jnp.array([1, -1]), params).shape
    (2,)
    """

    param_specs: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("v", lower=-math.inf, upper=math.inf, default=0.0),
        ParamSpec("a", lower=0.0, upper=math.inf, default=1.0),
        ParamSpec("z", lower=0.0, upper=1.0, default=0.5),
        ParamSpec("t", lower=0.0, upper=math.inf, default=0.2),
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
            `v`, `a`, `z` and `t`, each an array or scalar broadcastable
            against `rt`.

        Returns
        -------
        Array
            The log-likelihood of each trial, in the floating dtype of `rt` and
            the parameters; impossible trials get `LOGP_FLOOR`, never NaN.
        """
        names = ("v", "a", "z", "t")
        dtype = jnp.result_type(rt, *(params[name] for name in names))
        if not jnp.issubdtype(dtype, jnp.floating):
            dtype = jnp.result_type(float)
        rt, v, a, z, t = (
            jnp.asarray(x, dtype) for x in (rt, *(params[name] for name in names))
        )
        rt, choice, v, a, z, t = jnp.broadcast_arrays(
            rt, jnp.asarray(choice), v, a, z, t
        )
        decision_time = rt - t
        valid = (
            (decision_time > _MIN_DECISION_TIME)
            & jnp.isfinite(decision_time)
            & jnp.isfinite(v)
            & (a > 0.0)
            & jnp.isfinite(a)
            & (z > 0.0)
            & (z < 1.0)
            & (t >= 0.0)
        )
        # Double-where: invalid trials are computed at harmless values, so that
        # neither the value nor the gradient of the discarded branch is NaN.
        decision_time = jnp.where(valid, decision_time, 1.0)
        v = jnp.where(valid, v, 0.0)
        sep = 2.0 * jnp.where(valid, a, 1.0)
        z = jnp.where(valid, z, 0.5)
        upper = choice > 0
        v = jnp.where(upper, -v, v)
        w = jnp.where(upper, 1.0 - z, z)
        # The lower clip only matters for absurd scales (tt below ~1e-10 in
        # float32) and keeps 1 / tt**2 finite in the gradient.
        tt = jnp.maximum(decision_time / sep**2, jnp.finfo(dtype).tiny ** 0.25)
        small = tt < TT_SWITCH
        log_density = jnp.where(
            small,
            log_small_time(jnp.where(small, tt, TT_SWITCH), w),
            log_large_time(jnp.where(small, TT_SWITCH, tt), w),
        )
        logp = (
            jnp.maximum(log_density, LOGP_FLOOR)
            - v * sep * w
            - v**2 * decision_time / 2.0
            - 2.0 * jnp.log(sep)
        )
        return jnp.where(valid, logp, LOGP_FLOOR)

    def sample(
        self, key: Array, params: Mapping[str, Float[ArrayLike, "*shape"]]
    ) -> tuple[Float[Array, "*shape"], Int[Array, "*shape"]]:
        """Draw response times and choices from the exact Wiener distribution.

        Each draw inverts the exact first-passage distribution numerically:
        the Navarro-Fuss density of both bounds is integrated on a grid of
        decision times, the choice is drawn from the two masses and the
        decision time from the chosen bound's cumulative distribution (see
        `rlssm._first_passage.sample_linear_bounds`). The bias is far below
        Monte-Carlo error: quantiles agree with the exact ones to about 1e-4 s.

        Parameters
        ----------
        key
            A JAX random key.
        params
            `v`, `a`, `z` and `t`, arrays (or scalars) of one common shape
            after broadcasting; one draw per element.

        Returns
        -------
        tuple of Array
            Response times in seconds (NaN where the parameters are invalid:
            `a <= 0`, `z` outside (0, 1), `t < 0` or non-finite values) and
            choices, -1 (lower bound) or +1 (upper bound), of that shape.
        """
        v, a, z, t = broadcast_params(params, ("v", "a", "z", "t"))
        valid = (
            jnp.isfinite(v) & (a > 0) & jnp.isfinite(a) & (z > 0) & (z < 1) & (t >= 0)
        )
        rt, choice = sample_linear_bounds(key, v, a, z, t, jnp.zeros_like(v))
        return jnp.where(valid & jnp.isfinite(t), rt, jnp.nan), choice
