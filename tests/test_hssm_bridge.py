"""The PyTensor Op, the HSSM model built by `to_hssm`, and its defaults."""

import tempfile
from pathlib import Path

import hssm
import numpy as np
import pandas as pd
import pytensor
import pytensor.tensor as pt
import pytest
import xarray as xr
from test_data import setting
from test_learning import bandit_frame

import rlssm
from rlssm._pytensor import LogpOp

MODEL = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM())
POINT = {
    "rl_alpha": 0.4,
    "rl_alpha_neg": 0.2,
    "scaler": 2.0,
    "a": 1.2,
    "z": 0.45,
    "t": 0.2,
}


@pytest.fixture(scope="module")
def frame():
    return bandit_frame(11, n_participants=3, n_trials=40)


def frame_op(frame):
    panel = MODEL.panel(frame)

    def logp(*values):
        return MODEL.logp(panel, dict(zip(MODEL.list_params, values, strict=True)))

    return LogpOp(logp, len(MODEL.list_params), check_data=lambda data: None)


def test_op_gradient_passes_verify_grad(frame):
    op = frame_op(frame)
    data = frame[["rt", "response"]].to_numpy(float)
    rng = np.random.default_rng(0)
    values = [np.asarray(v, float) for v in POINT.values()]
    values[2] = np.full(len(frame), 2.0) + 0.1 * rng.normal(size=len(frame))  # per row
    pytensor.gradient.verify_grad(
        lambda *params: op(data, *params), values, rng=rng, eps=1e-7
    )


def test_op_compiles_with_the_jax_linker(frame):
    op = frame_op(frame)
    data = pt.matrix("data")
    params = [pt.scalar(name) for name in MODEL.list_params]
    out = op(data, *params)
    grads = pytensor.grad(out.sum(), params)
    values = [np.asarray(v, float) for v in POINT.values()]
    jax_fn = pytensor.function([data, *params], [out, *grads], mode="JAX")
    c_fn = pytensor.function([data, *params], [out, *grads])
    jax_out = jax_fn(frame[["rt", "response"]].to_numpy(float), *values)
    c_out = c_fn(frame[["rt", "response"]].to_numpy(float), *values)
    np.testing.assert_allclose(jax_out[0], MODEL.logp(frame, POINT), rtol=1e-12)
    for a, b in zip(jax_out, c_out, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def op_inputs(pymc_model, observed_logp):
    """The parameter arrays the model hands to our Op, as a compiled function."""
    node = next(
        var
        for var in pytensor.graph.traversal.ancestors([observed_logp])
        if var.owner is not None and isinstance(var.owner.op, LogpOp)
    )
    return pymc_model.compile_fn(
        node.owner.inputs[1:], inputs=pymc_model.value_vars, on_unused_input="ignore"
    )


def test_model_logp_and_gradient_match_jax(frame):
    import jax

    hssm_model = MODEL.to_hssm(frame, p_outlier=None)
    pymc_model = hssm_model.pymc_model
    observed = pymc_model.logp(vars=pymc_model.observed_RVs, jacobian=False)
    names = MODEL.list_params
    intercepts = [pymc_model.rvs_to_values[pymc_model[f"{n}_Intercept"]] for n in names]
    compiled = pymc_model.compile_fn(
        [observed, *pytensor.grad(observed, intercepts)],
        inputs=pymc_model.value_vars,
        on_unused_input="ignore",
    )
    rng = np.random.default_rng(1)
    point = {
        name: value + 0.2 * rng.normal(size=np.shape(value))
        for name, value in pymc_model.initial_point().items()
    }
    logp, *grads = compiled(point)
    params = dict(zip(names, op_inputs(pymc_model, observed)(point), strict=True))
    ours, our_grads = jax.value_and_grad(lambda p: MODEL.logp(frame, p).sum())(params)
    np.testing.assert_allclose(logp, ours, rtol=1e-10)
    bounds = {param.name: param.bounds for param in MODEL.default_params(frame)}
    for name, grad in zip(names, grads, strict=True):
        # d param / d intercept: logistic link on (lo, hi), exp link on (0, inf)
        lower, upper = bounds[name]
        value = params[name]
        if np.isfinite(upper):
            slope = (value - lower) * (upper - value) / (upper - lower)
        else:
            slope = value
        np.testing.assert_allclose(grad, np.sum(our_grads[name] * slope), rtol=1e-8)


def test_defaults_are_hierarchical_and_inside_bounds(frame):
    params = {p.name: p for p in MODEL.default_params(frame)}
    assert list(params) == MODEL.list_params
    assert params["a"].formula == "a ~ 1 + (1|participant_id)"
    assert params["t"].bounds[1] == pytest.approx(frame["rt"].min() - 1e-3)
    assert params["rl_alpha"].link.name == "gen_logit"
    assert params["a"].link == "log"  # DDM's a is only bounded below


def test_include_overrides_a_default(frame):
    hssm_model = MODEL.to_hssm(
        frame, include=[{"name": "a", "prior": 1.3}], p_outlier=None
    )
    assert "a_Intercept" not in hssm_model.pymc_model.named_vars
    assert "z_Intercept" in hssm_model.pymc_model.named_vars
    with pytest.raises(ValueError, match=r"`include` names \['b'\]"):
        MODEL.to_hssm(frame, include=[{"name": "b", "prior": 1.0}])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.drop(columns="rt"), r"lacks the column\(s\) \['rt'\]"),
        (setting(2, "feedback", np.nan), r"'feedback' holds NaN"),
        (setting(2, "response", 3), r"'response' holds the values \[0, 1, 3\]"),
        (setting(2, "rt", -0.1), r"'rt' must be positive"),
        (setting(0, "participant_id", "solo"), r"\['solo'\] .* fewer than 2 trials"),
    ],
)
def test_bad_data_fails_before_building(edit, message, monkeypatch):
    import hssm

    def no_build(*args, **kwargs):
        raise AssertionError("hssm.HSSM was called with bad data")

    monkeypatch.setattr(hssm, "HSSM", no_build)
    frame = edit(bandit_frame(12).reset_index(drop=True))
    with pytest.raises(ValueError, match=message):
        MODEL.to_hssm(frame)


def test_model_is_bound_to_its_data(frame):
    op = MODEL.to_hssm(frame, p_outlier=None)
    node = next(
        var.owner.op
        for var in pytensor.graph.traversal.ancestors(
            [op.pymc_model.logp(vars=op.pymc_model.observed_RVs)]
        )
        if var.owner is not None and isinstance(var.owner.op, LogpOp)
    )
    with pytest.raises(ValueError, match="bound to the data"):
        node.check_data(np.zeros((3, 2)))


@pytest.mark.slow
def test_unbalanced_panel_goes_through_hssm_and_samples():
    counts = {"p0": 50, "p1": 300, "p2": 120}
    frames = [
        bandit_frame(20 + i, n_participants=1, n_trials=n).assign(participant_id=label)
        for i, (label, n) in enumerate(counts.items())
    ]
    frame = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=0)
    logp = np.asarray(MODEL.logp(frame, POINT))
    for label in counts:
        rows = (frame["participant_id"] == label).to_numpy()
        alone = MODEL.logp(frame[rows], POINT)
        np.testing.assert_allclose(logp[rows], alone, rtol=1e-12)
    hssm_model = MODEL.to_hssm(frame)
    hssm_model.sample(sampler="numpyro", chains=1, tune=30, draws=20, progressbar=False)
    draws = rlssm.group_draws(hssm_model)
    assert set(draws) == set(MODEL.list_params)
    assert all(np.isfinite(values).all() for values in draws.values())
    check_row_draws(hssm_model, frame)


def test_hssm_predictive_sampling_points_to_ours(frame):
    hssm_model = MODEL.to_hssm(frame)
    assert isinstance(hssm_model, hssm.HSSM)
    with pytest.raises(NotImplementedError, match=r"rlssm\.predict_one_step"):
        hssm_model.sample_posterior_predictive(draws=5)
    with pytest.raises(NotImplementedError, match=r"rlssm\.simulate"):
        hssm_model.sample_prior_predictive(draws=5)
    with pytest.raises(ValueError, match=r"not been sampled.*traces="):
        rlssm.row_draws(hssm_model)


def inverse_link(x, bounds):
    lower, upper = bounds
    if np.isfinite(upper):
        return lower + (upper - lower) / (1 + np.exp(-x))
    assert lower == 0
    return np.exp(x)


def check_row_draws(hssm_model, frame):
    """Each row's draws = inverse link(intercept + its participant's deviation)."""
    participant = frame["participant_id"].to_numpy()
    draws = rlssm.row_draws(hssm_model)
    posterior = hssm_model.traces.posterior.to_dataset().stack(s=("chain", "draw"))
    assert set(draws) == set(MODEL.list_params)
    for name, values in draws.items():
        assert values.shape == (posterior.sizes["s"], len(frame))
        deviation = posterior[f"{name}_1|participant_id"]
        levels = deviation[deviation.dims[0]].to_numpy().astype(str)
        for label in np.unique(participant):
            linear = (
                posterior[f"{name}_Intercept"]
                + deviation.sel({deviation.dims[0]: levels == label}).squeeze()
            )
            expected = inverse_link(
                linear.transpose("s").to_numpy(), hssm_model.params[name].bounds
            )
            rows = values[:, participant == label]
            np.testing.assert_allclose(
                rows, np.repeat(expected[:, None], rows.shape[1], 1), rtol=1e-9
            )
    some = rlssm.row_draws(hssm_model, n_draws=7, seed=1)
    assert {values.shape for values in some.values()} == {(7, len(frame))}
    # A subset: each of the 7 is one of all the draws, for every parameter at
    # once (a chain may repeat a draw when NUTS stays put, so matches can be >1).
    stacked = np.stack([draws[name] for name in MODEL.list_params], axis=1)
    for values in np.stack([some[name] for name in MODEL.list_params], axis=1):
        assert np.isclose(stacked, values, rtol=1e-12).all(axis=(1, 2)).any()
    with pytest.raises(ValueError, match="n_draws"):
        rlssm.row_draws(hssm_model, n_draws=10_000)
    # The same draws from traces saved to disk and read back.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "traces.nc"
        hssm_model.traces.to_netcdf(path)
        with xr.open_datatree(path) as loaded:
            again = rlssm.row_draws(hssm_model, n_draws=7, seed=1, traces=loaded)
    for name, values in some.items():
        np.testing.assert_array_equal(again[name], values)
    params = hssm_model.sample_posterior_predictive(
        kind="response_params", inplace=False
    )
    assert "a" in params["posterior"]
    # HSSM's predictive plots sample through the guarded method.
    with pytest.raises(NotImplementedError, match=r"rlssm\.predict_closed_loop"):
        hssm_model.plot_predictive()


@pytest.mark.slow
def test_row_draws_leave_out_a_lapse_with_a_warning(frame):
    hssm_model = MODEL.to_hssm(frame, p_outlier=0.05)
    hssm_model.sample(sampler="numpyro", chains=1, tune=10, draws=5, progressbar=False)
    assert "p_outlier" in hssm_model.list_params
    with pytest.warns(UserWarning, match=r"lapse mixture \(`p_outlier`\)"):
        draws = rlssm.row_draws(hssm_model)
    assert list(draws) == MODEL.list_params
    assert {values.shape for values in draws.values()} == {(5, len(frame))}
