"""Tests for the analytical DDM likelihood against independent references."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from rlssm._ddm import DDM
from rlssm._decision import LOGP_FLOOR

NAMES = ("v", "a", "z", "t")


@pytest.fixture
def x64():
    """Enable float64 for one test and restore the previous setting afterwards."""
    with jax.enable_x64(True):
        yield


def _params(v, a, z, t):
    return {"v": v, "a": a, "z": z, "t": t}


@jax.jit
def _logp(rt, choice, v, a, z, t):
    return DDM().logp(rt, choice, _params(v, a, z, t))


@jax.jit
def _logp_dict(rt, choice, params):
    return DDM().logp(rt, choice, params)


@jax.jit
def _grad_sum(rt, choice, params):
    return jax.grad(lambda p: _logp_dict(rt, choice, p).sum())(params)


def test_declared_parameters_and_choices():
    ddm = DDM()
    assert ddm.list_params == list(NAMES)
    assert ddm.choices == (-1, 1)
    assert ddm.bounds["z"] == (0.0, 1.0)
    for spec in ddm.param_specs:
        assert spec.lower < spec.default < spec.upper


def test_matches_hssm_logp_ddm(x64):
    pytensor = pytest.importorskip("pytensor")
    analytical = pytest.importorskip("hssm.likelihoods.analytical")
    grid = itertools.product(
        np.linspace(-3.0, 3.0, 5),
        np.linspace(0.5, 2.5, 4),
        np.linspace(0.2, 0.8, 3),
        np.linspace(0.0, 0.5, 3),
        np.geomspace(1e-4, 4.5, 25),
        (-1.0, 1.0),
    )
    v, a, z, t, dt, choice = np.array(list(grid)).T
    rt = t + dt
    with pytensor.config.change_flags(floatX="float64"):
        # Parameters are passed as arrays, one per row: HSSM evaluates in one graph.
        data = np.stack([rt, choice], axis=1)
        expected = analytical.logp_ddm(data, v, a, z, t).eval()
    got = _logp(rt, choice, v, a, z, t)
    assert got.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(got), expected, rtol=0.0, atol=1e-8)
    # The grid exercises both series and HSSM's floor of the normalised density.
    tt = dt / (2.0 * a) ** 2
    assert (tt < 1 / math.pi).any() and (tt > 1 / math.pi).any()
    v_flip = np.where(choice > 0, -v, v)
    w = np.where(choice > 0, 1.0 - z, z)
    log_norm = expected + v_flip * 2 * a * w + v_flip**2 * dt / 2 + 2 * np.log(2 * a)
    assert np.isclose(log_norm, LOGP_FLOOR).sum() > 10


@pytest.mark.parametrize(
    ("v", "a", "z", "t"),
    [
        (0.0, 1.0, 0.5, 0.2),
        (1.5, 0.6, 0.3, 0.1),
        (-2.0, 1.8, 0.7, 0.4),
        (0.7, 2.5, 0.2, 0.0),
    ],
)
def test_density_integrates_to_one_with_closed_form_choice_probabilities(
    x64, v, a, z, t
):
    def density(rt, choice):
        return math.exp(float(_logp(rt, choice, v, a, z, t)))

    mass = {}
    for choice in (-1.0, 1.0):
        pieces = [(t, t + 0.05), (t + 0.05, t + 1.0), (t + 1.0, t + 10.0)]
        mass[choice] = sum(
            integrate.quad(density, lo, hi, args=(choice,), epsabs=1e-11, limit=200)[0]
            for lo, hi in pieces
        )
        mass[choice] += integrate.quad(
            density, t + 10.0, np.inf, args=(choice,), epsabs=1e-11, limit=200
        )[0]
    assert mass[-1.0] + mass[1.0] == pytest.approx(1.0, abs=1e-6)
    # Probability of absorption at the upper bound, separation 2a, unit diffusion.
    sep = 2.0 * a
    p_upper = z if v == 0 else math.expm1(-2 * v * sep * z) / math.expm1(-2 * v * sep)
    assert mass[1.0] == pytest.approx(p_upper, abs=1e-6)


def test_gradients_match_central_differences(x64):
    cases = [
        (0.8, 1.0, 0.5, 0.3, 0.45, 1.0),  # small-time series
        (-1.2, 0.7, 0.35, 0.2, 0.9, 1.0),
        (2.0, 1.5, 0.6, 0.1, 0.5, -1.0),
        (0.3, 0.6, 0.4, 0.25, 1.5, -1.0),  # large-time series
        (-0.5, 1.2, 0.65, 0.05, 3.0, 1.0),
    ]
    grad = jax.jit(jax.grad(_logp, argnums=(2, 3, 4, 5)))
    h = 1e-6
    for v, a, z, t, rt, choice in cases:
        params = np.array([v, a, z, t])
        assert float(_logp(rt, choice, *params)) > LOGP_FLOOR + 10
        got = np.array(grad(rt, choice, *params))
        expected = np.empty(4)
        for i in range(4):
            step = np.zeros(4)
            step[i] = h
            up = float(_logp(rt, choice, *(params + step)))
            down = float(_logp(rt, choice, *(params - step)))
            expected[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "bad",
    [
        {"a": 0.0},
        {"a": -1.0},
        {"a": np.inf},
        {"z": 0.0},
        {"z": 1.0},
        {"z": 1.3},
        {"t": -0.1},
        {"v": np.nan},
        {"v": np.inf},
    ],
)
def test_out_of_bounds_parameters_give_floor_and_zero_gradients(bad):
    params = {**_params(0.5, 1.0, 0.5, 0.2), **bad}
    rt = jnp.array([0.3, 0.6, 1.0, 4.0])
    choice = jnp.array([1, -1, 1, -1])
    np.testing.assert_array_equal(_logp_dict(rt, choice, params), LOGP_FLOOR)
    grads = _grad_sum(rt, choice, params)
    for name in NAMES:
        assert grads[name] == 0.0


def test_non_positive_decision_time_gives_floor_and_finite_gradients(x64):
    t = 0.3
    rt = jnp.array([0.1, t, t + 1e-16, t + 1e-3, 0.8])
    choice = jnp.array([1, -1, 1, 1, -1])
    logp = _logp(rt, choice, 1.0, 1.0, 0.5, t)
    np.testing.assert_array_equal(logp[:3], LOGP_FLOOR)
    assert np.isfinite(np.asarray(logp)).all()
    per_trial = jax.vmap(
        jax.grad(_logp, argnums=(2, 3, 4, 5)), (0, 0, None, None, None, None)
    )
    grads = np.array(per_trial(rt, choice, 1.0, 1.0, 0.5, t))
    assert np.isfinite(grads).all()
    np.testing.assert_array_equal(grads[:, :3], 0.0)
    assert (grads[:, 3:] != 0.0).all()


def test_jit_vmap_and_broadcasting_agree_with_eager_calls():
    ddm = DDM()
    rt = jnp.array([[0.35, 0.5, 0.9], [0.6, 1.2, 2.0]])
    choice = jnp.array([[1, -1, 1], [-1, -1, 1]])
    per_participant = _params(
        jnp.array([0.5, -1.0]),
        jnp.array([0.8, 1.4]),
        jnp.array([0.4, 0.6]),
        jnp.array([0.25, 0.3]),
    )
    vmapped = jax.jit(jax.vmap(ddm.logp))(rt, choice, per_participant)
    broadcast = ddm.logp(
        rt, choice, {k: x[:, None] for k, x in per_participant.items()}
    )
    for p in range(2):
        eager = ddm.logp(
            rt[p], choice[p], {k: x[p] for k, x in per_participant.items()}
        )
        np.testing.assert_allclose(vmapped[p], eager, rtol=1e-6)
        np.testing.assert_allclose(broadcast[p], eager, rtol=1e-6)


def test_float32_inputs_give_float32_close_to_float64(x64):
    rt = np.array([0.35, 0.5, 0.9, 2.5])
    choice = np.array([1, -1, 1, -1])
    params = _params(0.7, 1.1, 0.45, 0.25)
    exact = _logp_dict(rt, choice, params)
    params32 = {k: np.float32(x) for k, x in params.items()}
    single = _logp_dict(rt.astype(np.float32), choice, params32)
    grads = _grad_sum(rt.astype(np.float32), choice, params32)
    assert exact.dtype == jnp.float64
    assert single.dtype == jnp.float32
    assert all(g.dtype == jnp.float32 and jnp.isfinite(g) for g in grads.values())
    np.testing.assert_allclose(single, exact, rtol=1e-5)
