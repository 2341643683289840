"""Compare rlssm with HSSM 0.5's own RLSSM (`2AB_RW_Angle`) on the rldm data set.

Both run in this one process, on the same 20 x 200 trials of the two-armed
bandit data set, and every metric is printed as HSSM time, our time and the
ratio HSSM / ours (> 1: we are faster):

1. likelihood: the jitted per-trial log-likelihood of all 4,000 trials at the
   true subject parameters (one value per trial for every parameter, as the
   sampler passes them), summed, steady state (compiled once beforehand);
   HSSM's function is the one its RLSSM Op jits (`make_rl_logp_func` for the
   `2AB_RW_Angle` config), ours is `RLSSM.logp` on a validated panel.
2. likelihood + gradient: `jax.value_and_grad` of the summed log-likelihood
   with respect to the six parameter arrays, the same transformation for both.
3. bare decision likelihood: the angle LAN alone on the per-trial drift `v`
   the learner produces (plus `a, z, t, theta`), value and gradient; the ratio
   full / bare shows what the learning loop costs (target: ours <= 1.3x).
4. model build: `hssm.rl.RLSSM(data, model="2AB_RW_Angle", ...)` against
   `model.to_hssm(data)`; the ONNX -> JAX network load is timed separately.
5. sampling with `sampler="numpyro"`, one chain, same tune/draws and the same
   initial values, no pointwise log-likelihood:
   - first draw: the wall time of `sample(tune=1, draws=1)`, i.e. PyMC's
     PyTensor -> JAX conversion, the initial point, numpyro's XLA compile of
     NUTS and two NUTS iterations (everything a user waits for before the
     first draw; every `sample()` call pays it again);
   - sampling: the wall time of `sample(tune, draws)` minus the first-draw
     time, i.e. roughly the time spent in NUTS iterations;
   - ESS/s: bulk ESS (`arviz.ess(..., method="bulk")`) of the six group-level
     `*_Intercept` parameters divided by that sampling time, min and median;
   - ms/gradient: sampling time / ((tune + draws) x mean tree size of the
     draws), a rough cost per NUTS gradient evaluation.

Also timed (4b): the whole PyMC model's jaxified logp + gradient (priors and
likelihood, `pymc.sampling.jax.get_jaxified_logp`), the function NUTS calls,
at the initial point; its value is printed for both models and must agree.

Both models get the same parameter specification: `x ~ 1 + (1|participant_id)`
for each of `rl_alpha, scaler, a, z, t, theta` with rlssm's default priors and
links (`model.default_params(data)`; `t` bounded below the fastest RT), and
`p_outlier=0.05` given explicitly to both (`--p-outlier`; `to_hssm` otherwise
builds no lapse, HSSM's RLSSM defaults to 0.05), so the PyMC models differ only in
the likelihood Op. HSSM needs its responses coded -1/+1, and its angle network
is read from the local ONNX file (placed in HSSM's SSM likelihood cache while
the model is built) instead of being downloaded. With `--initvals truth`
(default) both samplers start at the true group means (intercepts on the link
scale), participant sd 0.1 and zero offsets; `--initvals default` uses HSSM's
processed defaults (identical for both models, as the specification is).

Timings are noisy when other processes share the CPU; HSSM and ours are
measured interleaved so that their ratio is meaningful.

Usage::

    .venv/bin/python benchmarks/compare_hssm.py [--tune 200] [--draws 200]
        [--skip-sampling]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
os.environ.setdefault("RLSSM_NETWORKS_DIR", str(SHARED / "networks"))
DATA = Path(os.environ.get("RLDM_DATA", SHARED / "data" / "rldm_data.npy"))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import arviz as az  # noqa: E402
import hssm  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from hssm.rl import registry  # noqa: E402
from hssm.rl.likelihoods.builder import make_rl_logp_func  # noqa: E402

import rlssm  # noqa: E402

HSSM_MODEL = "2AB_RW_Angle"
PARTICIPANT = "participant_id"
ROWS: list[tuple[str, str, float, float, str]] = []


# --------------------------------------------------------------------- helpers
def row(metric: str, hssm_value: float, ours_value: float, unit: str = "ms") -> None:
    ROWS.append((metric, unit, hssm_value, ours_value, ""))
    ratio = hssm_value / ours_value if ours_value else float("nan")
    print(
        f"  {metric}: HSSM {hssm_value:.4g} {unit}, ours {ours_value:.4g} {unit}, "
        f"HSSM/ours {ratio:.2f}"
    )


def ready(out):
    return jax.tree.map(lambda x: x.block_until_ready(), out)


def compiled_time(fn, args) -> float:
    start = time.perf_counter()
    ready(fn(*args))
    return time.perf_counter() - start


def interleaved(fns: dict, blocks: int, per_block: int) -> dict[str, float]:
    """Median over blocks of the mean per-call time (ms) of each jitted `fn(*args)`."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(blocks):
        for name, (fn, args) in fns.items():
            start = time.perf_counter()
            for _ in range(per_block):
                out = fn(*args)
            ready(out)
            times[name].append((time.perf_counter() - start) / per_block * 1e3)
    return {name: statistics.median(ts) for name, ts in times.items()}


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# ------------------------------------------------------------------- the setup
def load():
    bundle = np.load(DATA, allow_pickle=True).item()
    data = bundle["data"].sort_values([PARTICIPANT, "trial"]).reset_index(drop=True)
    # HSSM's 2AB_RW_Angle wants -1/+1; ours takes the 0/1 coding as is.
    hssm_data = data.copy()
    hssm_data["response"] = np.where(hssm_data["response"] == 0, -1.0, 1.0)
    return bundle, data, hssm_data


def hssm_base_logp():
    spec = registry._build_ssm_spec_from_modelconfig("angle")
    # A Path (not a str) makes HSSM raise rather than download if it is missing.
    network = Path(os.environ["RLSSM_NETWORKS_DIR"]) / "angle.onnx"
    return registry._make_ssm_base_logp_from_onnx(
        network, list(spec["list_params_ssm"]), list(spec["response"])
    )


def build_hssm(hssm_data, base, include, p_outlier):
    with mock.patch.dict(registry._SSM_LOGP_CACHE, {"angle": base}):
        return quiet(
            hssm.rl.RLSSM,
            hssm_data,
            model=HSSM_MODEL,
            include=include,
            p_outlier=p_outlier,
        )


def link_functions(param):
    """Forward link of an `hssm.Param` as a NumPy function."""
    link = param.link
    if isinstance(link, str):
        return {"log": np.log, "identity": lambda x: x}[link]
    return link.link


# ----------------------------------------------------------------- benchmarks
def bench_likelihood(args, model, data, hssm_data, config, true_rows):
    n_participants, n_trials = data[PARTICIPANT].nunique(), len(data) // 20
    names = list(config.list_params)
    assert names == model.list_params, (names, model.list_params)
    hssm_logp = make_rl_logp_func(
        config.ssm_logp_func,
        n_participants,
        n_trials,
        list(config.response),
        names,
        list(config.extra_fields or []),
    )
    observed = jnp.asarray(hssm_data[list(config.response)].to_numpy(float))
    extra = [jnp.asarray(hssm_data[f].to_numpy(float)) for f in config.extra_fields]
    panel = model.panel(data)

    def hssm_sum(*values):
        return jnp.sum(hssm_logp(observed, *values, *extra))

    def ours_sum(*values):
        return jnp.sum(model.logp(panel, dict(zip(names, values, strict=True))))

    # The bare decision likelihood on the drift the learner produces.
    latents = model.latents(panel, dict(zip(names, true_rows, strict=True)))
    v = jnp.asarray(latents["v"])
    rt = jnp.asarray(data["rt"].to_numpy(float))
    choice = jnp.asarray(hssm_data["response"].to_numpy(float))  # -1/+1 (angle)
    decision_names = model.decision.list_params  # v, a, z, t, theta
    decision_values = [v, *true_rows[2:]]
    base = config.ssm_logp_func  # HSSM's annotated LAN: [v, a, z, t, theta, rt, resp]

    def ours_bare(*values):
        params = dict(zip(decision_names, values, strict=True))
        return jnp.sum(model.decision.logp(rt, choice, params))

    def hssm_bare(*values):
        return jnp.sum(base(jnp.stack([*values, rt, choice], axis=1)))

    argnums = tuple(range(len(names)))
    dargnums = tuple(range(len(decision_names)))
    fns = {
        "hssm": (jax.jit(hssm_sum), true_rows),
        "ours": (jax.jit(ours_sum), true_rows),
        "hssm_grad": (jax.jit(jax.value_and_grad(hssm_sum, argnums)), true_rows),
        "ours_grad": (jax.jit(jax.value_and_grad(ours_sum, argnums)), true_rows),
        "ours_bare": (jax.jit(ours_bare), decision_values),
        "ours_bare_grad": (
            jax.jit(jax.value_and_grad(ours_bare, dargnums)),
            decision_values,
        ),
        "hssm_bare": (jax.jit(hssm_bare), decision_values),
        "hssm_bare_grad": (
            jax.jit(jax.value_and_grad(hssm_bare, dargnums)),
            decision_values,
        ),
    }
    compile_s = {name: compiled_time(fn, a) for name, (fn, a) in fns.items()}

    # Sanity: the same numbers from both libraries (and from the bare LAN).
    values = {
        name: float(fn(*a)[0] if "grad" in name else fn(*a))
        for name, (fn, a) in fns.items()
    }
    grads_h = fns["hssm_grad"][0](*true_rows)[1]
    grads_o = fns["ours_grad"][0](*true_rows)[1]
    grad_diff = max(
        float(jnp.max(jnp.abs(g - h))) for g, h in zip(grads_h, grads_o, strict=True)
    )
    print(
        f"  sum logp at the truth: HSSM {values['hssm']:.6f}, ours "
        f"{values['ours']:.6f}, ours bare {values['ours_bare']:.6f}, HSSM bare "
        f"{values['hssm_bare']:.6f}; max |grad diff| {grad_diff:.2e}"
    )
    print(
        "  first call (trace + compile), s: "
        + ", ".join(f"{k} {v:.2f}" for k, v in compile_s.items())
    )

    ms = interleaved(fns, args.blocks, args.per_block)
    row("logp (4000 trials)", ms["hssm"], ms["ours"])
    row("logp + grad", ms["hssm_grad"], ms["ours_grad"])
    row("bare LAN logp", ms["hssm_bare"], ms["ours_bare"])
    row("bare LAN logp + grad", ms["hssm_bare_grad"], ms["ours_bare_grad"])
    row(
        "full/bare logp (x)",
        ms["hssm"] / ms["hssm_bare"],
        ms["ours"] / ms["ours_bare"],
        "x",
    )
    row(
        "full/bare logp+grad (x)",
        ms["hssm_grad"] / ms["hssm_bare_grad"],
        ms["ours_grad"] / ms["ours_bare_grad"],
        "x",
    )
    return {f"compile_{k}": v for k, v in compile_s.items()}


def bench_model_graph(args, models, point) -> None:
    """The function NUTS calls: the PyMC model's jaxified logp and its gradient."""
    from pymc.sampling.jax import get_jaxified_logp

    fns, values = {}, {}
    for name, hssm_model in models.items():
        pymc_model = hssm_model.pymc_model
        logp = quiet(get_jaxified_logp, pymc_model, negative_logp=False)
        x = [jnp.asarray(point[v.name]) for v in pymc_model.value_vars]
        fns[name] = (jax.jit(jax.value_and_grad(logp)), [x])
        values[name] = float(ready(fns[name][0](x))[0])
    print(
        f"  model logp at the initial point: HSSM {values['hssm']:.6f}, "
        f"ours {values['ours']:.6f}"
    )
    ms = interleaved(fns, args.blocks, args.per_block)
    row("PyMC model logp + grad", ms["hssm"], ms["ours"])


def bench_build(args, model, data, hssm_data):
    # Network load: ONNX -> JAX (HSSM) / ONNX -> Equinox MLP (ours).
    load_h, load_o = [], []
    for _ in range(3):
        start = time.perf_counter()
        base = hssm_base_logp()
        load_h.append(time.perf_counter() - start)
        start = time.perf_counter()
        rlssm.LAN("angle")
        load_o.append(time.perf_counter() - start)
    row(
        "network load", statistics.median(load_h) * 1e3, statistics.median(load_o) * 1e3
    )
    build_h, build_o = [], []
    for _ in range(args.builds):
        include = model.default_params(data)  # HSSM gets our spec, outside the timer
        start = time.perf_counter()
        hssm_model = build_hssm(hssm_data, base, include, args.p_outlier)
        build_h.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours_model = quiet(model.to_hssm, data, p_outlier=args.p_outlier)
        build_o.append(time.perf_counter() - start)
    print(
        "  builds, s: HSSM "
        + " ".join(f"{t:.2f}" for t in build_h)
        + "; ours "
        + " ".join(f"{t:.2f}" for t in build_o)
    )
    row(
        "model build (median)",
        statistics.median(build_h) * 1e3,
        statistics.median(build_o) * 1e3,
    )
    return hssm_model, ours_model


def truth_initvals(model, data, bundle, scale_sd: float = 0.1) -> dict:
    group = bundle["params_true_group"]
    n = data[PARTICIPANT].nunique()
    initvals = {}
    for param in model.default_params(data):
        name = param.name
        initvals[f"{name}_Intercept"] = np.asarray(
            link_functions(param)(np.asarray(group[f"{name}_mean"]))
        )
        initvals[f"{name}_1|{PARTICIPANT}_sigma"] = np.asarray(scale_sd)
        initvals[f"{name}_1|{PARTICIPANT}_offset"] = np.zeros(n)
    return initvals


def sample(hssm_model, tune, draws, seed, initvals):
    kwargs = dict(
        sampler="numpyro",
        chains=1,
        tune=tune,
        draws=draws,
        random_seed=seed,
        progressbar=False,
        idata_kwargs={"log_likelihood": False},
    )
    if initvals is not None:
        kwargs["initvals"] = dict(initvals)
    start = time.perf_counter()
    idata = quiet(hssm_model.sample, **kwargs)
    return idata, time.perf_counter() - start


def bench_sampling(args, model, data, bundle, models):
    initvals = truth_initvals(model, data, bundle) if args.initvals == "truth" else None
    intercepts = [f"{name}_Intercept" for name in model.list_params]
    links = {p.name: p.link for p in model.default_params(data)}
    group = bundle["params_true_group"]
    first, results = {}, {}
    # First draw, interleaved twice (A B B A) so that one-time costs of the
    # process do not land on one side; the minimum is reported.
    for name in ["hssm", "ours", "ours", "hssm"]:
        _, elapsed = sample(models[name], 1, 1, args.seed, initvals)
        first.setdefault(name, []).append(elapsed)
        print(f"  {name}: sample(tune=1, draws=1) {elapsed:.1f} s")
    for name in ["hssm", "ours"]:
        idata, elapsed = sample(
            models[name], args.tune, args.draws, args.seed, initvals
        )
        ess = az.ess(idata, var_names=intercepts, method="bulk")
        ess_values = [float(ess[v].values) for v in intercepts]
        stats = idata["sample_stats"]
        divergences = int(np.asarray(stats["diverging"]).sum())
        steps = np.asarray(stats["n_steps"]) if "n_steps" in stats else None
        sampling = elapsed - min(first[name])
        grads = (args.tune + args.draws) * steps.mean() if steps is not None else 0
        results[name] = dict(
            total=elapsed,
            sampling=sampling,
            ess=ess_values,
            divergences=divergences,
            ms_per_grad=sampling / grads * 1e3 if grads else float("nan"),
        )
        posterior = idata["posterior"]
        print(
            f"  {name}: sample(tune={args.tune}, draws={args.draws}) "
            f"{elapsed:.1f} s, divergences {divergences}"
            + (f", mean tree size {steps.mean():.1f}" if steps is not None else "")
        )
        for v, e in zip(intercepts, ess_values, strict=True):
            draws_ = np.asarray(posterior[v]).ravel()
            pname = v.removesuffix("_Intercept")
            link = links[pname]
            inv = (
                (np.exp if link == "log" else (lambda x: x))
                if isinstance(link, str)
                else link.linkinv
            )
            natural = inv(draws_)
            print(
                f"    {v:>20}: ESS {e:7.1f}; natural scale "
                f"{float(np.mean(natural)):.3f} +- {float(np.std(natural)):.3f} "
                f"(true group mean {group[pname + '_mean']:.3f})"
            )
    h, o = results["hssm"], results["ours"]
    row("time to first draw", min(first["hssm"]), min(first["ours"]), "s")
    row("sampling (excl. first draw)", h["sampling"], o["sampling"], "s")
    row("sampling ms/gradient (est.)", h["ms_per_grad"], o["ms_per_grad"])
    row(
        "ESS/s min", min(h["ess"]) / h["sampling"], min(o["ess"]) / o["sampling"], "1/s"
    )
    row(
        "ESS/s median",
        statistics.median(h["ess"]) / h["sampling"],
        statistics.median(o["ess"]) / o["sampling"],
        "1/s",
    )
    return results


def print_table() -> None:
    print()
    print(f"{'metric':<28} {'unit':>4} {'HSSM':>10} {'ours':>10} {'HSSM/ours':>10}")
    print("-" * 66)
    for metric, unit, h, o, _ in ROWS:
        ratio = h / o if o else float("nan")
        print(f"{metric:<28} {unit:>4} {h:10.4g} {o:10.4g} {ratio:10.2f}")
    print(
        "HSSM/ours > 1: rlssm is faster (for the ESS/s rows: HSSM is better); "
        "the 'x' rows are ratios full / bare."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", type=int, default=200)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--initvals", choices=["truth", "default"], default="truth")
    parser.add_argument(
        "--p-outlier",
        type=lambda x: None if x.lower() == "none" else float(x),
        default=0.05,
        help="fixed lapse probability given to both models ('none': no lapse)",
    )
    parser.add_argument("--skip-sampling", action="store_true")
    parser.add_argument(
        "--blocks", type=int, default=30, help="timing blocks per likelihood function"
    )
    parser.add_argument(
        "--per-block", type=int, default=10, help="calls per timing block"
    )
    parser.add_argument("--builds", type=int, default=3)
    args = parser.parse_args()

    began = time.perf_counter()
    print(
        f"hssm {hssm.__version__}, rlssm {getattr(rlssm, '__version__', '?')}, "
        f"jax {jax.__version__} on {jax.default_backend()}, "
        f"x64={jax.config.read('jax_enable_x64')}"
    )
    bundle, data, hssm_data = load()
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(), rlssm.LAN("angle"), columns={"trial_id": "trial"}
    )
    base = hssm_base_logp()
    with mock.patch.dict(registry._SSM_LOGP_CACHE, {"angle": base}):
        config = registry.get_rlssm_model_config(HSSM_MODEL)
    truth = bundle["params_true_subj"]
    index = data[PARTICIPANT].to_numpy()
    pids = np.unique(index)
    true_rows = [
        jnp.asarray(np.asarray(truth[name], float)[np.searchsorted(pids, index)])
        for name in config.list_params
    ]
    print(
        f"{len(data)} trials, {len(pids)} participants; params "
        f"{list(config.list_params)}"
    )

    print("\n[1-3] likelihood (ms per call, median of interleaved blocks)")
    bench_likelihood(args, model, data, hssm_data, config, true_rows)
    print("\n[4] model build")
    hssm_model, ours_model = bench_build(args, model, data, hssm_data)
    models = {"hssm": hssm_model, "ours": ours_model}
    print("\n[4b] the whole PyMC model (priors + likelihood), as NUTS calls it")
    point = dict(hssm_model.pymc_model.initial_point(args.seed))
    if args.initvals == "truth":
        initvals = truth_initvals(model, data, bundle)
        transformed = hssm_model.pymc_model.rvs_to_transforms
        for rv in hssm_model.pymc_model.free_RVs:
            value = hssm_model.pymc_model.rvs_to_values[rv].name
            if rv.name in initvals:
                transform = transformed.get(rv)
                init = np.asarray(initvals[rv.name], float)
                point[value] = (
                    init
                    if transform is None
                    else np.asarray(transform.forward(init, *rv.owner.inputs).eval())
                )
    bench_model_graph(args, models, point)
    if not args.skip_sampling:
        print(
            f"\n[5] sampling (numpyro, 1 chain, tune={args.tune}, "
            f"draws={args.draws}, initvals={args.initvals})"
        )
        bench_sampling(args, model, data, bundle, models)
    print_table()
    print(f"total wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
