"""Composition of RLSSM and its likelihood's behaviour under JAX transforms."""

from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_learning import bandit_frame

import rlssm

PARAMS = {
    "rl_alpha": 0.4,
    "rl_alpha_neg": 0.2,
    "scaler": 2.0,
    "a": 1.2,
    "z": 0.45,
    "t": 0.2,
    "theta": 0.2,
}


def params_for(model, dtype=np.float64):
    return {name: np.asarray(PARAMS[name], dtype) for name in model.list_params}


def test_param_lists_are_derived(angle_lan):
    model = rlssm.RLSSM(learning=rlssm.DualAlpha(), decision=angle_lan)
    assert model.list_params == [
        "rl_alpha",
        "rl_alpha_neg",
        "scaler",
        "a",
        "z",
        "t",
        "theta",
    ]
    assert model.extra_fields == ["participant_id", "trial_id", "feedback"]
    assert model.bounds["theta"] == angle_lan.bounds["theta"]
    assert model.bounds["rl_alpha_neg"] == (0.0, 1.0)
    ddm_model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    assert ddm_model.list_params == ["rl_alpha", "scaler", "a", "z", "t"]


def test_column_names_are_configurable():
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(),
        rlssm.DDM(),
        columns={"trial_id": "trial", "feedback": "reward"},
    )
    assert model.extra_fields == ["participant_id", "trial", "reward"]
    frame = bandit_frame(0).rename(columns={"trial_id": "trial", "feedback": "reward"})
    default = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    np.testing.assert_array_equal(
        model.logp(frame, params_for(model)),
        default.logp(bandit_frame(0), params_for(model)),
    )
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['trial'\]"):
        rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM(), columns={"trial": "t"})


class DriftPerOption(rlssm.AbstractMapping):
    param_specs: ClassVar = ()
    outputs: ClassVar = ("drift",)
    n_options: ClassVar = 2

    def __call__(self, q, params):
        return {"drift": q[1] - q[0]}


def test_mapping_output_the_decision_does_not_take():
    with pytest.raises(
        ValueError, match=r"DriftPerOption\(\) computes \['drift'\].*DDM\(\)"
    ):
        rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM(), mapping=DriftPerOption())


def test_option_count_mismatch_names_the_parts():
    with pytest.raises(
        ValueError, match=r"Scaler\(\) expects 2 options.*RescorlaWagner"
    ):
        rlssm.RLSSM(rlssm.RescorlaWagner(n_options=3), rlssm.DDM())


class AlphaScaler(rlssm.AbstractMapping):
    param_specs: ClassVar = (rlssm.ParamSpec("rl_alpha", 0.0, 5.0, 1.0),)
    outputs: ClassVar = ("v",)
    n_options: ClassVar = 2

    def __call__(self, q, params):
        return {"v": params["rl_alpha"] * (q[1] - q[0])}


def test_parameter_declared_twice():
    with pytest.raises(ValueError, match=r"\['rl_alpha'\] are declared twice"):
        rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM(), mapping=AlphaScaler())


def test_params_must_match_list_params():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
    frame = bandit_frame(0)
    params = params_for(model)
    with pytest.raises(ValueError, match=r"missing \['t'\], unknown \['theta'\]"):
        model.logp(
            frame, {**{k: v for k, v in params.items() if k != "t"}, "theta": 0.1}
        )
    with pytest.raises(ValueError, match=r"params\['a'\]` has shape \(3,\)"):
        model.logp(frame, {**params, "a": np.ones(3)})


def decision_models(angle_lan):
    return {
        "ddm": rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM()),
        "angle": rlssm.RLSSM(rlssm.DualAlpha(), angle_lan),
    }


@pytest.mark.parametrize("decision", ["ddm", "angle"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalar_and_per_row_parameters_agree(decision, dtype, angle_lan):
    model = decision_models(angle_lan)[decision]
    frame = bandit_frame(4)
    panel = model.panel(frame)
    scalars = params_for(model, dtype)
    per_row = {k: np.full(len(frame), v, dtype) for k, v in scalars.items()}

    def total(params):
        return model.logp(panel, params).sum()

    assert model.logp(panel, scalars).dtype == dtype
    value_s, grad_s = jax.value_and_grad(total)(scalars)
    value_r, grad_r = jax.value_and_grad(total)(per_row)
    assert np.isfinite(value_s)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(value_s, value_r, rtol=rtol)
    for name in model.list_params:
        assert np.isfinite(grad_s[name]) and grad_s[name] != 0, name
        np.testing.assert_allclose(
            grad_s[name], grad_r[name].sum(), rtol=10 * rtol, atol=1e-6
        )


def test_jit_grad_and_vmap_over_parameter_sets(angle_lan):
    model = decision_models(angle_lan)["angle"]
    frame = bandit_frame(5)
    params = params_for(model)
    eager = model.logp(frame, params)
    jitted = jax.jit(lambda p: model.logp(frame, p))(params)
    np.testing.assert_allclose(jitted, eager, rtol=1e-12)

    batch = {k: jnp.linspace(0.9, 1.1, 4) * v for k, v in params.items()}
    totals = jax.jit(jax.vmap(lambda p: model.logp(frame, p).sum()))(batch)
    one_by_one = [
        model.logp(frame, {k: v[i] for k, v in batch.items()}).sum() for i in range(4)
    ]
    np.testing.assert_allclose(totals, one_by_one, rtol=1e-10)
    grads = jax.vmap(jax.grad(lambda p: model.logp(frame, p).sum()))(batch)
    assert all(np.isfinite(g).all() and g.shape == (4,) for g in grads.values())


def test_core_imports_without_hssm_or_pymc():
    import subprocess
    import sys

    heavy = "('hssm', 'pymc', 'bambi', 'pytensor')"
    code = f"import sys, rlssm; print([m for m in {heavy} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
