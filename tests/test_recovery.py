"""End-to-end fits through HSSM (slow): NUTS recovers the rldm data set's truth."""

import time

import arviz as az
import numpy as np
import pytest

import rlssm

TUNE, DRAWS = 400, 400


def fit(model, data, tune=TUNE, draws=DRAWS):
    hssm_model = model.to_hssm(data)
    began = time.perf_counter()
    hssm_model.sample(
        sampler="numpyro",
        chains=1,
        tune=tune,
        draws=draws,
        progressbar=False,
        random_seed=1,
        idata_kwargs={"log_likelihood": False},
    )
    elapsed = time.perf_counter() - began
    print(f"{type(model.learning).__name__}: sampled in {elapsed:.0f} s")
    return hssm_model


def assert_recovers_group_means(model, rldm, missed_by_the_network=(), hssm_model=None):
    hssm_model = hssm_model or fit(model, rldm["data"])
    assert int(hssm_model.traces.sample_stats["diverging"].sum()) == 0
    draws = rlssm.group_draws(hssm_model)
    assert set(draws) == set(model.list_params)
    for name, values in draws.items():
        low, high = az.hdi(values, prob=0.94)
        truth = rldm["params_true_group"][f"{name}_mean"]
        print(f"{name}: 94% HDI [{low:.3f}, {high:.3f}], truth {truth:.3f}")
        if name in missed_by_the_network:
            # A known approximation error of the network, not of the sampler: the
            # posterior mean sits above the truth, by less than 0.05.
            assert truth < values.mean() < truth + 0.05, name
        else:
            assert low <= truth <= high, name


@pytest.mark.slow
def test_rescorla_wagner_lan_angle_recovers_group_means(rldm, angle_lan):
    """All intercepts but `t` are covered; the angle LAN puts `t` about 0.02 high.

    HSSM's own 2AB_RW_Angle model, with the same network, puts `t` in the same
    place (benchmarks/compare_hssm.py), and the exact `Angle()` likelihood
    covers it (next test): the bias is the published network's.
    """
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(), angle_lan, columns={"trial_id": "trial"}
    )
    assert_recovers_group_means(model, rldm, missed_by_the_network={"t"})


@pytest.fixture(scope="module")
def exact_angle_fit(rldm):
    """RW + exact Angle fitted to rldm_data (shared by two slow tests)."""
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(), rlssm.Angle(), columns={"trial_id": "trial"}
    )
    return model, fit(model, rldm["data"])


@pytest.mark.slow
def test_rescorla_wagner_exact_angle_recovers_group_means(rldm, exact_angle_fit):
    model, hssm_model = exact_angle_fit
    assert_recovers_group_means(model, rldm, hssm_model=hssm_model)


def share_inside(table):
    inside = (table["lower"] <= table["observed"]) & (
        table["observed"] <= table["upper"]
    )
    return float(inside.mean())


@pytest.mark.slow
def test_posterior_predictive_reproduces_the_observed_data(rldm, exact_angle_fit):
    """Criterion: with 200 posterior draws, the observed proportion of choices of
    the better option (option 1), pooled over the 20 participants in 10 bins of
    20 trials, lies inside the 94% predictive interval in at least 8 of the 10
    bins, for one-step-ahead and for closed-loop predictions; and the observed rt
    quantiles (.1, .3, .5, .7, .9 per bin) lie inside theirs in at least 80% of
    the 50 cells (one-step-ahead). A 94% interval covers a well-fitting model's
    data in about 9.4 of 10 bins; bins are correlated through the shared
    parameters, hence the margin.
    """
    import jax

    model, hssm_model = exact_angle_fit
    data = rldm["data"]
    draws = rlssm.row_draws(hssm_model, n_draws=200, seed=0)
    one_step = rlssm.predict_one_step(model, data, draws, jax.random.key(0))
    env = rlssm.Bandit.gaussian([0.2, 0.8], [0.1, 0.1])
    closed_loop = rlssm.predict_closed_loop(model, data, draws, env, jax.random.key(1))
    for name, predictive in (("one-step", one_step), ("closed-loop", closed_loop)):
        curve = rlssm.learning_curve(model, data, predictive, better=1, bin_size=20)
        print(name, curve, sep="\n")
        assert share_inside(curve) >= 0.8, name
    quantiles = rlssm.rt_quantiles(model, data, one_step, bin_size=20)
    print(f"rt quantile cells inside: {share_inside(quantiles):.2f}")
    assert share_inside(quantiles) >= 0.8


@pytest.mark.slow
def test_dual_alpha_angle_samples(rldm, angle_lan):
    model = rlssm.RLSSM(rlssm.DualAlpha(), angle_lan, columns={"trial_id": "trial"})
    hssm_model = fit(model, rldm["data"], tune=200, draws=200)
    draws = rlssm.group_draws(hssm_model)
    low, high = az.hdi(draws["rl_alpha_neg"], prob=0.94)
    mean = draws["rl_alpha_neg"].mean()
    print(f"rl_alpha_neg: mean {mean:.3f}, 94% HDI [{low:.3f}, {high:.3f}]")
    assert np.isfinite(draws["rl_alpha_neg"]).all() and 0 < low < high < 1
    assert int(hssm_model.traces.sample_stats["diverging"].sum()) == 0


@pytest.mark.slow
def test_simulated_dual_alpha_angle_is_recovered():
    """Simulate with `RLSSM.simulate`, refit through `to_hssm`: truth inside HDIs.

    The truth is the mean of the 20 simulated participants' parameters. Seven
    94% intervals from one chain all cover with probability 0.94**7 = 0.65 even
    for a perfect fit, so one may miss, and then only just: it must lie inside
    the 99% interval.
    """
    import jax

    model = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.Angle())
    rng = np.random.default_rng(3)
    means = {
        "rl_alpha": 0.5,
        "rl_alpha_neg": 0.2,
        "scaler": 3.0,
        "a": 1.2,
        "z": 0.5,
        "t": 0.3,
        "theta": 0.2,
    }
    sds = {
        "rl_alpha": 0.05,
        "rl_alpha_neg": 0.03,
        "scaler": 0.2,
        "a": 0.08,
        "z": 0.03,
        "t": 0.02,
        "theta": 0.03,
    }
    params = {name: rng.normal(mean, sds[name], 20) for name, mean in means.items()}
    env = rlssm.Bandit.gaussian([0.2, 0.8], [0.1, 0.1])
    data = model.simulate(params, env, 20, 200, jax.random.key(3))
    hssm_model = fit(model, data)
    assert int(hssm_model.traces.sample_stats["diverging"].sum()) == 0
    missed = []
    for name, values in rlssm.group_draws(hssm_model).items():
        low, high = az.hdi(values, prob=0.94)
        truth = params[name].mean()
        print(f"{name}: 94% HDI [{low:.3f}, {high:.3f}], truth {truth:.3f}")
        if not low <= truth <= high:
            missed.append(name)
            wide_low, wide_high = az.hdi(values, prob=0.99)
            assert wide_low <= truth <= wide_high, name
    assert len(missed) <= 1, missed
