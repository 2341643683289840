"""Fit a dual-learning-rate RLSSM to simulated bandit data and check recovery.

1. Simulate 15 participants x 200 trials of a 2-armed Gaussian bandit
   (rewards N(0.2, 0.1) and N(0.8, 0.1)) with ssm-simulators' independent RL
   simulator: Rescorla-Wagner learning with separate rates for positive and
   negative prediction errors, drift `v = scaler * (q[1] - q[0])`, and the angle
   model (a DDM whose bounds collapse linearly).
2. Fit `RLSSM(DualAlpha(), Angle())` through `to_hssm` with NUTS (numpyro),
   using the default hierarchical parameters, priors and starting point. The
   exact `Angle()` likelihood needs no network file.
3. Print the group-level posterior next to the truth (the mean of the simulated
   participants' values) and save a recovery plot.
4. Posterior predictive check: simulate every trial's choice and rt again from
   200 posterior draws, with learning following the observed history
   (one-step-ahead), and compare the learning curve (choices of the better
   option, bins of 20 trials) with the observed one; save that plot too.
   The simulator is an Euler scheme with dt = 0.001, whose bounds act about
   0.018 wider than the continuous model's, so the fitted `a` sits about that
   much above the simulated value.

Runs offline in a few minutes on 2 CPU cores. `--draws`/`--tune` change the
chain length, `--plot` and `--ppc-plot` where the figures go.
"""

import argparse
import time

import arviz as az
import jax
import matplotlib
import numpy as np
from ssms.rl import ModelConfig, Simulator
from ssms.rl.env import Bandit
from ssms.rl.learning import RescorlaWagnerDualAlphaDrift

import rlssm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GROUP_MEANS = {
    "rl_alpha": 0.45,
    "rl_alpha_neg": 0.15,
    "scaler": 3.0,
    "a": 1.2,
    "z": 0.5,
    "t": 0.3,
    "theta": 0.2,
}
GROUP_SDS = {
    "rl_alpha": 0.05,
    "rl_alpha_neg": 0.03,
    "scaler": 0.2,
    "a": 0.08,
    "z": 0.03,
    "t": 0.02,
    "theta": 0.03,
}


def simulate(n_participants: int, n_trials: int, seed: int):
    """Simulate the data set with ssm-simulators' RL simulator."""
    rng = np.random.default_rng(seed)
    subjects = {
        name: rng.normal(mean, GROUP_SDS[name], n_participants)
        for name, mean in GROUP_MEANS.items()
    }
    config = ModelConfig(
        model_name="dual_alpha_angle",
        description="Dual learning rates, drift from value difference, angle.",
        decision_process="angle",
        learning_process=RescorlaWagnerDualAlphaDrift(n_actions=2, initial_q=0.5),
        task_environment=Bandit.gaussian(
            means=[0.2, 0.8], sds=[0.1, 0.1], response_labels=[-1, 1]
        ),
    )
    data = Simulator(config).simulate(
        subjects, n_trials=n_trials, n_participants=n_participants, random_state=seed
    )
    return data, subjects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=15)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plot", default="quickstart_recovery.png")
    parser.add_argument("--ppc-plot", default="quickstart_learning_curve.png")
    args = parser.parse_args()

    began = time.perf_counter()
    data, subjects = simulate(args.participants, args.trials, args.seed)
    print(f"simulated {len(data)} trials in {time.perf_counter() - began:.0f} s")

    model = rlssm.RLSSM(learning=rlssm.DualAlpha(), decision=rlssm.Angle())
    print("parameters:", model.list_params, "extra fields:", model.extra_fields)
    hssm_model = model.to_hssm(data)
    began = time.perf_counter()
    hssm_model.sample(
        sampler="numpyro",
        chains=1,
        tune=args.tune,
        draws=args.draws,
        progressbar=False,
        random_seed=args.seed,
        idata_kwargs={"log_likelihood": False},
    )
    elapsed = time.perf_counter() - began
    divergences = int(hssm_model.traces.sample_stats["diverging"].sum())
    print(f"sampled in {elapsed:.0f} s; divergent transitions: {divergences}")

    draws = rlssm.group_draws(hssm_model)
    print(f"\n{'parameter':>13} {'mean':>7} {'94% HDI':>17} {'truth':>7}")
    figure, axes = plt.subplots(1, len(draws), figsize=(3 * len(draws), 2.6))
    for axis, (name, values) in zip(axes, draws.items(), strict=True):
        low, high = az.hdi(values, prob=0.94)
        truth = subjects[name].mean()
        flag = "" if low <= truth <= high else "  <- truth outside HDI"
        print(
            f"{name:>13} {values.mean():7.3f} [{low:7.3f}, {high:7.3f}] "
            f"{truth:7.3f}{flag}"
        )
        axis.hist(values, bins=30, color="0.7", label="posterior")
        axis.axvline(truth, color="crimson", label="truth")
        axis.set_xlabel(name)
    axes[0].set_ylabel("draws")
    axes[0].legend(fontsize="small")
    figure.suptitle("Group-level parameters: posterior vs truth")
    figure.tight_layout()
    figure.savefig(args.plot, dpi=100)
    print(f"\nrecovery plot saved to {args.plot}")

    began = time.perf_counter()
    row_draws = rlssm.row_draws(hssm_model, n_draws=min(200, args.draws))
    key = jax.random.key(args.seed)
    predictive = rlssm.predict_one_step(model, data, row_draws, key)
    # Option 1 (response +1) is the arm paying N(0.8, 0.1).
    curve = rlssm.learning_curve(model, data, predictive, better=1, bin_size=20)
    inside = (curve["lower"] <= curve["observed"]) & (
        curve["observed"] <= curve["upper"]
    )
    print(f"\nposterior predictive check ({time.perf_counter() - began:.0f} s):")
    print(curve.round(3).to_string())
    print(f"learning curve: {inside.sum()} of {len(curve)} bins inside the 94% band")
    figure = rlssm.plot_learning_curve(model, data, predictive, better=1)
    figure.savefig(args.ppc_plot, dpi=100)
    print(f"learning-curve plot saved to {args.ppc_plot}")


if __name__ == "__main__":
    main()
