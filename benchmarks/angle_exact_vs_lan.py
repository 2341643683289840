"""Time the exact angle likelihood (`rlssm.Angle`) against the angle LAN.

Both score the same 4,000 trials: 20 participants x 200 trials, per-participant
`a, z, t, theta` and a per-trial drift `v` (as an RL model produces it), with
response times and choices simulated by an Euler scheme with dt = 0.001 (as
the LAN's training data were; any valid data would do, only the timing
matters). For each likelihood two jitted functions are timed in steady state
(compiled once beforehand), with `block_until_ready`:

1. logp: the summed per-trial log-likelihood;
2. logp + grad: `jax.value_and_grad` of that sum with respect to the five
   per-trial parameter arrays.

Repeats of Angle and LAN are interleaved so that their ratio holds up when
other processes share the CPU; the medians and the ratios Angle / LAN are
printed (< 1: the exact likelihood is faster). Runs in float64, as HSSM does.

Usage::

    .venv/bin/python benchmarks/angle_exact_vs_lan.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)

import rlssm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RLSSM_NETWORKS_DIR", str(ROOT.parent / "shared" / "networks"))


def make_trials(n_participants: int = 20, n_trials: int = 200, seed: int = 0):
    """Per-trial parameters and (rt, choice) from a dt = 0.001 Euler simulation."""
    rng = np.random.default_rng(seed)
    shape = (n_participants, n_trials)
    per_participant = {
        "a": rng.uniform(0.8, 1.8, n_participants),
        "z": rng.uniform(0.35, 0.65, n_participants),
        "t": rng.uniform(0.2, 0.4, n_participants),
        "theta": rng.uniform(0.0, 0.5, n_participants),
    }
    params = {k: np.broadcast_to(x[:, None], shape) for k, x in per_participant.items()}
    params["v"] = rng.uniform(-1.5, 1.5, shape)
    params = {k: params[k].ravel() for k in ("v", "a", "z", "t", "theta")}
    n = params["v"].size
    dt = 1e-3
    x = (2 * params["z"] - 1) * params["a"]
    rt = np.full(n, np.nan)
    choice = np.zeros(n)
    tau = 0.0
    while np.isnan(rt).any():
        alive = np.isnan(rt)
        x[alive] += params["v"][alive] * dt + np.sqrt(dt) * rng.standard_normal(
            alive.sum()
        )
        tau += dt
        bound = np.maximum(params["a"] - np.tan(params["theta"]) * tau, 0.0)
        done = alive & (np.abs(x) >= bound)
        rt[done] = params["t"][done] + tau
        choice[done] = np.where(x[done] > 0, 1.0, -1.0)
    return (
        jnp.asarray(rt),
        jnp.asarray(choice),
        {k: jnp.asarray(p) for k, p in params.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    rt, choice, params = make_trials()
    models = {"Angle": rlssm.Angle(), "LAN": rlssm.LAN("angle")}
    functions = {}
    for name, model in models.items():

        def total(p, model=model):
            return model.logp(rt, choice, p).sum()

        functions[name, "logp"] = jax.jit(total)
        functions[name, "logp + grad"] = jax.jit(jax.value_and_grad(total))
    for function in functions.values():  # compile
        jax.block_until_ready(function(params))

    times = {key: [] for key in functions}
    for _ in range(args.repeats):
        for key, function in functions.items():
            start = time.perf_counter()
            jax.block_until_ready(function(params))
            times[key].append(time.perf_counter() - start)

    print(
        f"{rt.size} trials, float64, {jax.devices()[0].platform}, "
        f"median of {args.repeats} repeats"
    )
    exact = functions["Angle", "logp"](params)
    network = functions["LAN", "logp"](params)
    print(f"summed logp: Angle {float(exact):.2f}, LAN {float(network):.2f}")
    print(f"{'metric':<12} {'Angle (ms)':>11} {'LAN (ms)':>10} {'Angle/LAN':>10}")
    for metric in ("logp", "logp + grad"):
        ours = statistics.median(times["Angle", metric]) * 1e3
        lan = statistics.median(times["LAN", metric]) * 1e3
        print(f"{metric:<12} {ours:>11.3f} {lan:>10.3f} {ours / lan:>10.2f}")


if __name__ == "__main__":
    main()
