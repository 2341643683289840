"""The drift-free Wiener first-passage-time density between constant bounds.

For a Wiener process with unit diffusion between the bounds 0 and 1, started
at `w`, the density of hitting 0 at time `tt` has two series (Navarro & Fuss,
2009): a small-time one, fast for small `tt`,

    (2 pi tt**3)**-0.5 * sum_k (w + 2k) exp(-(w + 2k)**2 / (2 tt)),

and a large-time one, fast for large `tt`,

    pi * sum_{k >= 1} k sin(k pi w) exp(-k**2 pi**2 tt / 2).

Navarro & Fuss pick, per trial, the series that needs fewer terms for a given
error. To keep shapes static (jit, vmap, grad) both series here have a fixed
number of terms, `_SMALL_K` (k = -3..2) and `_LARGE_K` (k = 1..5), and the choice
becomes a threshold: relative to the leading term, the first omitted terms are at
most `exp(-35 / (2 tt))` (small time) and `exp(-35 pi**2 tt / 2)` (large time),
which are equal, about 1e-24, at `tt = 1 / pi` (`TT_SWITCH`). The small-time
series is used below that threshold, the large-time one above it. `DDM`, `Angle`
and the first-passage sampler all build on these two functions.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jaxtyping import Array

_SMALL_K = (-3, -2, -1, 0, 1, 2)
_LARGE_K = (1, 2, 3, 4, 5)
TT_SWITCH = 1.0 / math.pi


def log_small_time(tt: Array, w: Array) -> Array:
    """Log of `f(tt | 0, 1, w)` from the small-time series."""
    k = jnp.asarray(_SMALL_K, tt.dtype)
    # Exponents relative to the leading k = 0 term: -((w + 2k)**2 - w**2) / (2 tt),
    # which is <= 0 for every integer k, so the sum cannot overflow.
    rel = -2.0 * k * (k + w[..., None]) / tt[..., None]
    total = jnp.sum((w[..., None] + 2.0 * k) * jnp.exp(rel), axis=-1)
    total = jnp.maximum(total, jnp.finfo(tt.dtype).tiny)
    return -(w**2) / (2.0 * tt) + jnp.log(total) - 0.5 * jnp.log(2.0 * math.pi * tt**3)


def log_large_time(tt: Array, w: Array) -> Array:
    """Log of `f(tt | 0, 1, w)` from the large-time series."""
    k = jnp.asarray(_LARGE_K, tt.dtype)
    decay = jnp.exp(-(k**2 - 1.0) * (math.pi**2 / 2.0) * tt[..., None])
    total = jnp.sum(k * jnp.sin(k * math.pi * w[..., None]) * decay, axis=-1)
    total = jnp.maximum(total, jnp.finfo(tt.dtype).tiny)
    return math.log(math.pi) - (math.pi**2 / 2.0) * tt + jnp.log(total)
