"""Time closed-loop RL simulation: rlssm against `ssms.rl.Simulator`.

Both simulate the same model and task: a 2-armed Gaussian bandit (arm means
0.2 and 0.8, sd 0.1, the rldm data set's task), Rescorla-Wagner learning
(`q0 = 0.5`), `v = scaler * (q[1] - q[0])` and the angle decision, at the
rldm data set's true group parameters, for 20 participants x 200 trials.

- ssms: `ssms.rl.Simulator(ModelConfig(decision_process="angle",
  learning_process=RescorlaWagnerDrift(n_actions=2, initial_q=0.5),
  task_environment=Bandit.gaussian(...)))`, a Python loop over trials that
  calls the Euler (dt = 0.001) angle simulator once per trial.
- rlssm: `rlssm.simulate_trials` for `RLSSM(RescorlaWagner(), LAN("angle"))`,
  whose `sample` draws from the same Euler-corrected process exactly; one
  jitted `lax.scan` over trials vmapped over participants, timed in steady
  state (compiled once beforehand), with `block_until_ready`. The DataFrame
  assembly of `rlssm.simulate` is timed separately.

It prints trials per second for each and the ratio (target >= 100), then the
time rlssm takes for posterior predictive simulation of 1,000 parameter draws
x 20 participants x 200 trials, closed-loop and one-step-ahead
(`predict_closed_loop`, `predict_one_step`, returned DataFrames included).
Runs in float64, as HSSM does.

Usage::

    .venv/bin/python benchmarks/simulate.py [--draws 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import rlssm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RLSSM_NETWORKS_DIR", str(ROOT.parent / "shared" / "networks"))

PARAMS = {
    "rl_alpha": 0.66,
    "scaler": 2.78,
    "a": 1.48,
    "z": 0.27,
    "t": 0.45,
    "theta": 0.33,
}
MEANS, SDS = [0.2, 0.8], [0.1, 0.1]


def time_ssms(n_participants: int, n_trials: int) -> float:
    from ssms.rl import ModelConfig, Simulator
    from ssms.rl.env import Bandit
    from ssms.rl.learning import RescorlaWagnerDrift

    config = ModelConfig(
        model_name="2AB_RW_Angle_gaussian",
        description="Two-armed Gaussian bandit, Rescorla-Wagner, angle.",
        decision_process="angle",
        learning_process=RescorlaWagnerDrift(n_actions=2, initial_q=0.5),
        task_environment=Bandit.gaussian(MEANS, SDS, response_labels=[-1, 1]),
    )
    simulator = Simulator(config)
    simulator.simulate(PARAMS, n_trials=5, n_participants=1, random_state=0)
    start = time.perf_counter()
    frame = simulator.simulate(
        PARAMS, n_trials=n_trials, n_participants=n_participants, random_state=1
    )
    elapsed = time.perf_counter() - start
    assert len(frame) == n_participants * n_trials
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    n_p, n_t = args.participants, args.trials
    n = n_p * n_t

    model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.LAN("angle"))
    env = rlssm.Bandit.gaussian(MEANS, SDS)
    values = {k: np.full(n_p, v) for k, v in PARAMS.items()}

    def ours(seed: int) -> None:
        out = rlssm.simulate_trials(model, env, values, jax.random.key(seed), n_t)
        out["rt"].block_until_ready()

    ours(0)
    times = []
    for seed in range(1, args.repeats + 1):
        start = time.perf_counter()
        ours(seed)
        times.append(time.perf_counter() - start)
    ours_s = statistics.median(times)
    start = time.perf_counter()
    rlssm.simulate(model, PARAMS, env, n_p, n_t, jax.random.key(0))
    frame_s = time.perf_counter() - start
    ssms_s = time_ssms(n_p, n_t)

    print(f"{n_p} participants x {n_t} trials, RW + angle, Gaussian bandit")
    print(f"  ssms.rl.Simulator      {n / ssms_s:12,.0f} trials/s  ({ssms_s:.2f} s)")
    print(f"  rlssm.simulate_trials  {n / ours_s:12,.0f} trials/s  ({ours_s:.4f} s)")
    print(f"  rlssm.simulate (with DataFrame, one call) {frame_s:.3f} s")
    print(f"  ratio rlssm / ssms: {ssms_s / ours_s:,.0f}x (target >= 100x)")

    # Posterior predictive through the public functions, DataFrames included:
    # n_draws parameter sets, one value per participant (as `row_draws` gives
    # them: one per row, constant within a participant).
    data = rlssm.simulate(model, PARAMS, env, n_p, n_t, jax.random.key(5))
    rng = np.random.default_rng(0)
    participant = data["participant_id"].to_numpy()
    draws = {
        k: np.clip(v * (1 + 0.05 * rng.standard_normal((args.draws, n_p))), 0, None)[
            :, participant
        ]
        for k, v in PARAMS.items()
    }
    total = args.draws * n
    for name, predict in (
        (
            "predict_closed_loop",
            lambda d, k: rlssm.predict_closed_loop(model, data, d, env, k),
        ),
        ("predict_one_step", lambda d, k: rlssm.predict_one_step(model, data, d, k)),
    ):
        predict({k: v[:2] for k, v in draws.items()}, jax.random.key(6))  # compile
        start = time.perf_counter()
        frame = predict(draws, jax.random.key(7))
        elapsed = time.perf_counter() - start
        assert len(frame) == total
        print(
            f"{name}: {args.draws} draws x {n_p} x {n_t} trials ({total:,} trials, "
            f"DataFrame included) in {elapsed / 60:.2f} min "
            f"({total / elapsed:,.0f} trials/s)"
        )


if __name__ == "__main__":
    main()
