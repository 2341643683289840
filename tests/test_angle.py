"""The exact angle likelihood against independent references.

References: normalisation by quadrature, with the closed-form probability of
never stopping when the bounds widen; choice probabilities of the equivalent
DDM with a Gaussian random drift; the analytical DDM at theta = 0; the
ssm-simulators Euler simulator; central finite differences.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import rlssm
from rlssm import LOGP_FLOOR, Angle

NAMES = ("v", "a", "z", "t", "theta")


@jax.jit
def _logp(rt, choice, params):
    return Angle().logp(rt, choice, params)


def _random_params(n, seed):
    rng = np.random.default_rng(seed)
    return {s.name: rng.uniform(s.lower, s.upper, n) for s in Angle().param_specs}


def test_declared_parameters_equal_the_angle_lan(angle_lan):
    angle = Angle()
    assert angle.list_params == angle_lan.list_params == list(NAMES)
    assert angle.bounds == angle_lan.bounds
    assert angle.choices == angle_lan.choices == (-1, 1)
    defaults = {s.name: s.default for s in angle.param_specs}
    assert defaults == {s.name: s.default for s in angle_lan.param_specs}


def _gauss_legendre_panels(n_panels, order=8):
    """Nodes and weights of a composite Gauss-Legendre rule on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(0.0, 1.0, n_panels + 1)
    half = np.diff(edges)[:, None] / 2
    return ((edges[:-1, None] + half) + half * x).ravel(), (half * w).ravel()


def _mass_by_choice(params, n_panels=600):
    """Integral of the density over decision time, per choice, by quadrature.

    The rule runs over log decision time, from 1e-7 s (no mass below) to the
    point where the bounds meet, or to 1e9 s when they never do.
    """
    nodes, weights = _gauss_legendre_panels(n_panels)

    def mass(p):
        slope = jnp.tan(p["theta"])
        meet = jnp.where(slope > 0, p["a"] / jnp.where(slope > 0, slope, 1.0), 1e9)
        lo, hi = math.log(1e-7), jnp.log(jnp.minimum(meet, 1e9))
        tau = jnp.exp(lo + (hi - lo) * nodes)
        dtau = (hi - lo) * tau * weights
        return jnp.stack(
            [
                jnp.sum(jnp.exp(_logp(p["t"] + tau, choice, p)) * dtau)
                for choice in (-1, 1)
            ]
        )

    return np.asarray(jax.jit(jax.vmap(mass))(params))


def _never_stops(v, a, z, theta):
    """Probability that the process never reaches widening bounds (theta < 0).

    With r = 1 - tau tan(theta) / a, Z(s) = X(tau) / r at s = tau / r is a
    Brownian bridge from x0 to y = v T over s in [0, T], T = a / |tan(theta)|;
    it never stops iff the bridge stays inside (-a, a): the transition density
    of Brownian motion killed at +-a (images) over the free one.
    """
    T = a / np.abs(np.tan(theta))
    x0, y = (2 * z - 1) * a, v * T
    k = np.arange(-50, 51)[:, None]
    free = (y - x0) ** 2

    def image(shift):
        return np.exp(-((shift + 4 * k * a) ** 2 - free) / (2 * T))

    ratio = (image(y - x0) - image(y + x0 - 2 * a)).sum(0)
    return np.where(np.abs(y) < a, ratio, 0.0)


def _p_upper_random_drift(v, a, z, theta):
    """P(upper) for collapsing bounds (theta > 0) from the random-drift DDM.

    X hits the upper bound iff Z does, and Z is a Brownian motion with constant
    bounds +-a, start x0 and a drift mu ~ N(v + x0 tan(theta) / a,
    tan(theta) / a); average the DDM's closed-form P(upper | mu) over mu.
    """
    kappa = np.tan(theta) / a
    x0 = (2 * z - 1) * a
    sd = np.sqrt(kappa)
    u = np.linspace(-12.0, 12.0, 4001)[:, None]
    mu = v + x0 * kappa + sd * u
    mu = np.where(mu == 0.0, 1e-300, mu)

    def up(mu, below):  # stable for mu > 0: both expm1 arguments are negative
        return np.expm1(-2 * mu * below) / np.expm1(-4 * mu * a)

    p = np.where(mu > 0, up(np.abs(mu), a + x0), 1.0 - up(np.abs(mu), a - x0))
    weight = np.exp(-(u**2) / 2)
    return np.trapezoid(p * weight, u, axis=0) / np.trapezoid(weight, u, axis=0)


def test_density_integrates_to_one_and_splits_like_the_random_drift_ddm():
    params = _random_params(300, seed=0)
    rng = np.random.default_rng(1)
    # A tenth of the sets with widening bounds, half of those with high bounds
    # and weak drift, where the process may never stop; t only shifts rt.
    params["theta"][:30] = rng.uniform(-0.1, 0.0, 30)
    params["theta"][:15] = rng.uniform(-0.1, -0.05, 15)
    params["v"][:15] = rng.uniform(-0.02, 0.02, 15)
    params["a"][:15] = rng.uniform(2.0, 3.0, 15)
    params["t"][:] = 0.001
    mass = _mass_by_choice(params)
    widening = params["theta"] < 0
    stuck = np.zeros(300)
    stuck[widening] = _never_stops(
        *(params[k][widening] for k in NAMES[:3]), params["theta"][widening]
    )
    assert (stuck > 1e-3).sum() >= 10
    np.testing.assert_allclose(mass.sum(1) + stuck, 1.0, rtol=0, atol=1e-6)
    collapsing = params["theta"] > 0
    expected = _p_upper_random_drift(
        *(params[k][collapsing] for k in NAMES[:3]), params["theta"][collapsing]
    )
    np.testing.assert_allclose(mass[collapsing, 1], expected, rtol=0, atol=1e-6)


def test_theta_zero_is_the_ddm():
    params = _random_params(5000, seed=2)
    params["theta"][:] = 0.0
    rng = np.random.default_rng(3)
    rt = params["t"] + rng.uniform(1e-3, 8.0, 5000)
    choice = rng.choice([-1, 1], 5000)
    ours = np.asarray(_logp(rt, choice, params))
    ddm = np.asarray(rlssm.DDM().logp(rt, choice, params))
    # The DDM floors only its drift-free density, Angle the whole log density,
    # so they agree wherever neither floor is reached.
    scored = (ddm > LOGP_FLOOR) & (ours > LOGP_FLOOR)
    assert scored.mean() > 0.9
    np.testing.assert_allclose(ours[scored], ddm[scored], rtol=0, atol=1e-10)
    assert (ours >= LOGP_FLOOR).all()


# The Euler simulator (dt = 0.001) overshoots the bounds by about
# zeta(1/2) / sqrt(2 pi) * sqrt(dt) = 0.5826 * sqrt(dt) = 0.0184 on average
# (Siegmund's correction for discretely monitored boundaries), so it behaves
# like the continuous model with bounds that much wider at the same start
# point. Without this correction the choice probabilities differ by up to 5
# standard errors and the quantiles by up to 0.06 s.
OVERSHOOT = 0.5826 * math.sqrt(0.001)


@pytest.mark.parametrize(
    ("v", "a", "z", "t", "theta"),
    [
        (1.0, 1.2, 0.4, 0.3, 0.3),
        (-1.5, 1.0, 0.6, 0.3, 0.1),
        (0.5, 1.5, 0.5, 0.3, 0.4),
        (-0.3, 1.3, 0.3, 0.3, 0.2),
    ],
)
def test_agrees_with_the_ssms_simulator(v, a, z, t, theta):
    simulator = pytest.importorskip("ssms.basic_simulators.simulator").simulator
    n = 100_000
    out = simulator(
        {"v": v, "a": a, "z": z, "t": t, "theta": theta},
        model="angle",
        n_samples=n,
        random_state=7,
    )
    rts, choices = out["rts"].ravel(), out["choices"].ravel()
    wide = a + OVERSHOOT
    params = {"v": v, "a": wide, "z": 0.5 + (z - 0.5) * a / wide, "t": t}
    params["theta"] = theta
    tau = np.linspace(0.0, (wide / math.tan(theta)), 400_001)[1:-1]
    levels = np.linspace(0.1, 0.9, 9)
    for choice in (-1, 1):
        density = np.exp(np.asarray(_logp(t + tau, choice, params)))
        cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
        cdf *= tau[1] - tau[0]
        p = cdf[-1]
        observed = choices == choice
        assert abs(observed.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
        quantiles = t + np.interp(levels * p, cdf, tau)
        # Sampling error of a quantile: sqrt(q (1 - q) / n_choice) / f(x_q),
        # f the density given the choice. In the slow tail of the rarer choice
        # it exceeds 0.005 s, so the tolerance is 0.02 s or 4 such errors.
        at_quantiles = np.interp(quantiles - t, tau, density) / p
        se = np.sqrt(levels * (1 - levels) / observed.sum()) / at_quantiles
        error = np.abs(np.quantile(rts[observed], levels) - quantiles)
        assert (error < np.maximum(0.02, 4 * se)).all(), (error, se)


def _per_trial_grads(rt, choice, params):
    return jax.jit(jax.vmap(jax.grad(Angle().logp, argnums=2)))(rt, choice, params)


def test_gradients_are_finite_everywhere_in_the_bounds():
    n = 20_000
    params = _random_params(n, seed=4)
    params["theta"][:3] = 0.7
    rng = np.random.default_rng(5)
    slope = np.tan(params["theta"])
    meet = np.where(slope > 0, params["a"] / np.where(slope > 0, slope, 1), 50.0)
    tau = rng.uniform(-0.5, 1.2, n) * np.minimum(meet, 50.0)
    # Decision times just before, at and just after the point where the bounds
    # meet, and at, just above and below the non-decision time.
    tau[:3] = meet[:3] * np.array([1 - 1e-12, 1.0, 1 + 1e-12])
    tau[3:6] = (0.0, 1e-16, -1e-3)
    rt = params["t"] + tau
    choice = rng.choice([-1, 1], n)
    logp = np.asarray(_logp(rt, choice, params))
    assert np.isfinite(logp).all() and (logp >= LOGP_FLOOR).all()
    assert (logp > LOGP_FLOOR).mean() > 0.3
    assert (logp[tau <= 0] == LOGP_FLOOR).all()
    assert logp[2] == LOGP_FLOOR
    grads = _per_trial_grads(rt, choice, params)
    for name in NAMES:
        assert np.isfinite(np.asarray(grads[name])).all(), name
        assert (np.asarray(grads[name])[logp == LOGP_FLOOR] == 0).all(), name


@pytest.mark.parametrize(
    ("v", "a", "z", "t", "theta", "tau", "choice"),
    [
        (0.8, 1.0, 0.5, 0.3, 0.3, 0.15, 1),  # small-time series
        (-1.2, 0.7, 0.35, 0.2, 0.9, 0.25, -1),
        (2.0, 1.5, 0.6, 0.1, 0.05, 1.5, -1),  # large-time series
        (0.3, 2.5, 0.4, 0.25, -0.08, 6.0, 1),  # widening bounds
        (-0.5, 1.2, 0.65, 0.05, 1.2, 0.4, 1),  # close to where the bounds meet
        (1.0, 0.4, 0.3, 1.5, 0.0, 0.3, -1),  # theta = 0
    ],
)
def test_gradients_match_central_differences(v, a, z, t, theta, tau, choice):
    params = {"v": v, "a": a, "z": z, "t": t, "theta": theta}
    rt = np.array([t + tau])
    choice = np.array([choice])
    assert float(_logp(rt, choice, params)[0]) > LOGP_FLOOR + 10
    got = jax.grad(lambda p: _logp(rt, choice, p)[0])(params)
    h = 1e-6
    for name in NAMES:
        up = float(_logp(rt, choice, {**params, name: params[name] + h})[0])
        down = float(_logp(rt, choice, {**params, name: params[name] - h})[0])
        expected = (up - down) / (2 * h)
        assert float(got[name]) == pytest.approx(expected, rel=1e-6, abs=1e-6), name


@pytest.mark.parametrize(
    "bad",
    [
        {"v": 3.5},
        {"a": 0.2},
        {"a": np.inf},
        {"z": 0.95},
        {"t": 0.0},
        {"theta": -0.2},
        {"theta": 1.4},
        {"v": np.nan},
    ],
)
def test_out_of_bounds_parameters_give_floor_and_zero_gradients(bad):
    params = {**dict(v=0.5, a=1.0, z=0.5, t=0.2, theta=0.3), **bad}
    rt = jnp.array([0.3, 0.6, 1.0, 2.5])
    choice = jnp.array([1, -1, 1, -1])
    np.testing.assert_array_equal(_logp(rt, choice, params), LOGP_FLOOR)
    grads = jax.grad(lambda p: _logp(rt, choice, p).sum())(params)
    for name in NAMES:
        assert grads[name] == 0.0


def test_float32_in_float32_out_close_to_float64():
    params = _random_params(2000, seed=6)
    rng = np.random.default_rng(7)
    rt = params["t"] + rng.uniform(0.01, 3.0, 2000)
    choice = rng.choice([-1, 1], 2000)
    as32 = {k: x.astype(np.float32) for k, x in params.items()}
    got = _logp(rt.astype(np.float32), choice, as32)
    assert got.dtype == jnp.float32
    expected = np.asarray(
        _logp(
            rt.astype(np.float32).astype(float),
            choice,
            {k: x.astype(float) for k, x in as32.items()},
        )
    )
    scored = expected > LOGP_FLOOR + 1
    np.testing.assert_allclose(
        np.asarray(got)[scored], expected[scored], rtol=1e-4, atol=1e-3
    )
    grads = jax.jit(jax.grad(lambda p: _logp(rt.astype(np.float32), choice, p).sum()))(
        as32
    )
    for name in NAMES:
        assert grads[name].dtype == jnp.float32
        assert np.isfinite(np.asarray(grads[name])).all()


def test_vmap_and_broadcasting_agree_with_single_calls():
    angle = Angle()
    rt = jnp.array([[0.35, 0.5, 0.9], [0.6, 1.2, 2.0]])
    choice = jnp.array([[1, -1, 1], [-1, -1, 1]])
    per_participant = {
        "v": jnp.array([0.5, -1.0]),
        "a": jnp.array([0.8, 1.4]),
        "z": jnp.array([0.4, 0.6]),
        "t": jnp.array([0.25, 0.3]),
        "theta": jnp.array([0.2, -0.05]),
    }
    vmapped = jax.jit(jax.vmap(angle.logp))(rt, choice, per_participant)
    broadcast = _logp(rt, choice, {k: x[:, None] for k, x in per_participant.items()})
    for p in range(2):
        single = _logp(rt[p], choice[p], {k: x[p] for k, x in per_participant.items()})
        np.testing.assert_allclose(vmapped[p], single, rtol=1e-12)
        np.testing.assert_allclose(broadcast[p], single, rtol=1e-12)
