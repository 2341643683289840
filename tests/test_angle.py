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

    p = np.where(
        mu > 0, up(np.abs(mu), a + x0), 1.0 - up(np.abs(mu), a - x0)
    )
    weight = np.exp(-(u**2) / 2)
    return np.trapezoid(p * weight, u, axis=0) / np.trapezoid(weight, u, axis=0)


def test_density_integrates_to_one_and_splits_like_the_random_drift_ddm():
    params = _random_params(300, seed=0)
    rng = np.random.default_rng(1)
    # Widening bounds with weak drift, where the process may never stop.
    params["theta"][:30] = rng.uniform(-0.1, 0.0, 30)
    params["theta"][:15] = rng.uniform(-0.1, -0.05, 15)
    params["v"][:15] = rng.uniform(-0.02, 0.02, 15)
    params["a"][:15] = rng.uniform(2.0, 3.0, 15)
    params["t"][:] = 0.001
    mass = _mass_by_choice(params)
    widening = params["theta"] < 0
    stuck = np.zeros(300)
    stuck[widening] = _never_stops(*(params[k][widening] for k in NAMES[:3]),
                                   params["theta"][widening])
    assert (stuck > 1e-3).sum() >= 10
    np.testing.assert_allclose(mass.sum(1) + stuck, 1.0, rtol=0, atol=1e-6)
    collapsing = params["theta"] > 0
    expected = _p_upper_random_drift(*(params[k][collapsing] for k in NAMES[:3]),
                                     params["theta"][collapsing])
    np.testing.assert_allclose(mass[collapsing, 1], expected, rtol=0, atol=1e-6)


def test_theta_zero_is_the_ddm():
    params = _random_params(5000, seed=2)
    params["theta"][:] = 0.0
    rng = np.random.default_rng(3)
    rt = params["t"] + rng.uniform(1e-3, 8.0, 5000)
    choice = rng.choice([-1, 1], 5000)
    ours = np.asarray(_logp(rt, choice, params))
    ddm = np.asarray(rlssm.DDM().logp(rt, choice, params))
    # The DDM floors only its drift-free density, Angle the whole log density.
    scored = ddm > LOGP_FLOOR
    assert scored.mean() > 0.9
    np.testing.assert_allclose(ours[scored], ddm[scored], rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours[~scored], LOGP_FLOOR)


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
        np.testing.assert_allclose(
            np.quantile(rts[observed], levels), quantiles, rtol=0, atol=0.02
        )
