"""Fit a Rescorla-Wagner + angle RLSSM to the 2-armed bandit data set.

A maximum-likelihood fit with parameters shared by all participants, by
L-BFGS on the JAX log-likelihood and its gradient, printed next to the data
set's true group means. Runs offline: the data set and the angle network are
read from ../shared (override with RLDM_DATA and RLSSM_NETWORKS_DIR).
"""

import os
import time
from pathlib import Path

import jax
import numpy as np
import scipy.optimize

import rlssm

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
os.environ.setdefault("RLSSM_NETWORKS_DIR", str(SHARED / "networks"))
DATA = Path(os.environ.get("RLDM_DATA", SHARED / "data" / "rldm_data.npy"))


def to_unit(x, lower, upper):
    """Map the real line into (lower, upper)."""
    return lower + (upper - lower) * jax.nn.sigmoid(x)


def main() -> None:
    jax.config.update("jax_enable_x64", True)
    bundle = np.load(DATA, allow_pickle=True).item()
    data = bundle["data"]
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(), rlssm.LAN("angle"), columns={"trial_id": "trial"}
    )
    panel = model.panel(data)
    # Keep t below the fastest response time, so no trial is impossible at the start.
    bounds = {**model.bounds, "t": (0.0, float(data["rt"].min()) - 1e-3)}
    bounds = {
        name: (max(lo, -10.0), min(hi, 10.0)) for name, (lo, hi) in bounds.items()
    }

    def params_of(x):
        return {
            name: to_unit(x[i], *bounds[name])
            for i, name in enumerate(model.list_params)
        }

    @jax.jit
    def negative_logp(x):
        return -model.logp(panel, params_of(x)).sum()

    start = np.zeros(len(model.list_params))
    began = time.perf_counter()
    result = scipy.optimize.minimize(
        jax.value_and_grad(negative_logp), start, jac=True, method="L-BFGS-B"
    )
    elapsed = time.perf_counter() - began
    estimate = params_of(result.x)
    truth = bundle["params_true_group"]
    print(f"{model.list_params} fitted to {len(data)} trials in {elapsed:.1f} s")
    print(f"log-likelihood {-result.fun:.2f} ({result.message})")
    print(f"{'parameter':>10} {'estimate':>9} {'true mean':>9}")
    for name in model.list_params:
        print(f"{name:>10} {float(estimate[name]):9.3f} {truth[name + '_mean']:9.3f}")


if __name__ == "__main__":
    main()
