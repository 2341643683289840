"""Sampling and closed-loop simulation against independent references.

References: quadrature and root-finding (scipy) on each decision's own exact
density; the ssm-simulators Euler simulator for LAN decisions; empirical reward
moments for the bandit; a NumPy loop replaying the simulated choices and
feedback for the learning state.
"""

import math
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import rlssm
from rlssm import DDM, Angle, Bandit

N_SAMPLES = 50_000
LEVELS = np.linspace(0.1, 0.9, 9)

# Typical of RL data (cf. the rldm data set's true parameters).
SETTINGS = [
    {"v": 1.0, "a": 1.2, "z": 0.4, "t": 0.3, "theta": 0.3},
    {"v": -1.5, "a": 1.0, "z": 0.6, "t": 0.25, "theta": 0.1},
    {"v": 0.5, "a": 1.6, "z": 0.5, "t": 0.4, "theta": 0.4},
    {"v": -0.3, "a": 0.8, "z": 0.3, "t": 0.2, "theta": 0.05},
]


class ExactCDF:
    """The exact first-passage distribution of one bound, by quadrature.

    Composite 16-point Gauss-Legendre rules on log-spaced panels of decision
    time, from 1e-7 s to `end` (where the bounds meet, or where no mass is
    left); independent of the sampler's grid and rule.
    """

    def __init__(self, decision, params, choice, end):
        self.logp = jax.jit(
            lambda tau: decision.logp(params["t"] + tau, choice, params)
        )
        self.edges = np.concatenate([[0.0], np.geomspace(1e-7, end, 800)])
        self.nodes, self.weights = np.polynomial.legendre.leggauss(16)
        lo, hi = self.edges[:-1, None], self.edges[1:, None]
        masses = self._integrate(lo, hi).sum(axis=1)
        self.cumulative = np.concatenate([[0.0], np.cumsum(masses)])
        self.mass = self.cumulative[-1]

    def _integrate(self, lo, hi):
        half = (hi - lo) / 2
        tau = lo + half * (1 + self.nodes)
        density = np.exp(np.asarray(self.logp(jnp.asarray(tau.ravel()))))
        return (half * self.weights * density.reshape(tau.shape)).reshape(tau.shape)

    def __call__(self, x):
        i = np.searchsorted(self.edges, x) - 1
        lo = self.edges[i]
        return self.cumulative[i] + self._integrate(lo, x).sum()

    def quantiles(self, levels):
        return np.array(
            [
                optimize.brentq(
                    lambda x, q=q: self(x) - q * self.mass,
                    1e-9,
                    self.edges[-1],
                    xtol=1e-10,
                )
                for q in levels
            ]
        )


def _check_against_exact(decision, params, end, seed):
    shaped = {k: jnp.full(N_SAMPLES, v) for k, v in params.items()}
    rt, choice = decision.sample(jax.random.key(seed), shaped)
    rt, choice = np.asarray(rt), np.asarray(choice)
    assert rt.shape == choice.shape == (N_SAMPLES,)
    assert set(np.unique(choice)) <= {-1, 1} and (rt > params["t"]).all()
    for side in (-1, 1):
        exact = ExactCDF(decision, params, side, end)
        observed = choice == side
        p = exact.mass
        assert abs(observed.mean() - p) < 3 * math.sqrt(p * (1 - p) / N_SAMPLES)
        quantiles = exact.quantiles(LEVELS)
        error = np.abs(np.quantile(rt[observed], LEVELS) - params["t"] - quantiles)
        # 0.01 s, or 4 sampling errors of the quantile where those are larger
        # (slow tails of the rarer choice): sqrt(q (1 - q) / n) / f(x_q).
        assert (error < _tolerance(exact, quantiles, observed.sum())).all(), error


def _tolerance(exact, quantiles, n):
    density = np.exp(np.asarray(exact.logp(jnp.asarray(quantiles)))) / exact.mass
    return np.maximum(0.01, 4 * np.sqrt(LEVELS * (1 - LEVELS) / n) / density)


@pytest.mark.parametrize("params", SETTINGS)
def test_ddm_samples_match_the_exact_density(params):
    params = {k: v for k, v in params.items() if k != "theta"}
    _check_against_exact(DDM(), params, end=40.0, seed=1)


@pytest.mark.parametrize("params", SETTINGS)
def test_angle_samples_match_the_exact_density(params):
    end = params["a"] / math.tan(params["theta"]) * (1 - 1e-12)
    _check_against_exact(Angle(), params, end=end, seed=2)


def test_angle_samples_with_widening_bounds():
    # theta < 0: the process may never stop (here with probability ~1e-5), and
    # draws are conditional on a response; almost all mass is below 100 s.
    params = {"v": 0.2, "a": 1.0, "z": 0.5, "t": 0.2, "theta": -0.1}
    rt, choice = Angle().sample(
        jax.random.key(3), {k: jnp.full(N_SAMPLES, v) for k, v in params.items()}
    )
    exact = ExactCDF(Angle(), params, 1, 100.0)
    p = exact.mass / (exact.mass + ExactCDF(Angle(), params, -1, 100.0).mass)
    upper = np.asarray(choice) == 1
    assert abs(upper.mean() - p) < 3 * math.sqrt(p * (1 - p) / N_SAMPLES)
    quantiles = exact.quantiles(LEVELS)
    error = np.abs(np.quantile(np.asarray(rt)[upper], LEVELS) - params["t"] - quantiles)
    assert (error < _tolerance(exact, quantiles, upper.sum())).all(), error


def test_sampler_bias_is_far_below_sampling_error():
    # Quantiles from the sampler's own inversion at fixed uniforms (no Monte
    # Carlo error) against the exact ones.
    from rlssm._first_passage import _invert_one

    params = SETTINGS[2]
    invert = jax.jit(jax.vmap(_invert_one, in_axes=(0, None, None, None, None, None)))
    slope = math.tan(params["theta"])
    args = [jnp.float64(params[k]) for k in ("v", "a", "z", "t")]
    uniforms = jnp.stack([jnp.zeros(9), jnp.asarray(LEVELS)], axis=1)
    rt, choice = invert(uniforms, *args, jnp.float64(slope))
    assert (np.asarray(choice) == 1).all()
    end = params["a"] / slope * (1 - 1e-12)
    upper = ExactCDF(Angle(), params, 1, end)
    exact = params["t"] + upper.quantiles(LEVELS)
    np.testing.assert_allclose(np.asarray(rt), exact, atol=2e-5, rtol=0)
    # The choice flips from +1 to -1 where the first uniform crosses P(+1).
    lo, hi = 0.0, 1.0
    for _ in range(40):
        middle = (lo + hi) / 2
        draw = invert(jnp.array([[middle, 0.5]]), *args, jnp.float64(slope))
        lo, hi = (middle, hi) if int(draw[1][0]) == 1 else (lo, middle)
    assert lo == pytest.approx(upper.mass, abs=1e-7)


def test_sample_shapes_and_invalid_parameters():
    params = {"v": jnp.zeros((2, 3)), "a": 1.0, "z": 0.5, "t": 0.3, "theta": 0.2}
    rt, choice = Angle().sample(jax.random.key(0), params)
    assert rt.shape == choice.shape == (2, 3) and choice.dtype == jnp.int32
    rt, _ = DDM().sample(
        jax.random.key(0),
        {"v": 0.0, "a": jnp.array([1.0, -1.0]), "z": jnp.array([0.5, 1.2]), "t": 0.3},
    )
    assert np.isfinite(rt[0]) and np.isnan(rt[1])
    rt, _ = Angle().sample(jax.random.key(0), {**params, "theta": 1.5})
    assert np.isnan(rt).all()


def test_a_decision_without_a_sampler_says_so():
    class OnlyLikelihood(rlssm.AbstractDecision):
        param_specs: ClassVar = DDM.param_specs
        choices: ClassVar = (-1, 1)

        def logp(self, rt, choice, params):
            return DDM().logp(rt, choice, params)

    with pytest.raises(NotImplementedError, match="OnlyLikelihood cannot be sim"):
        OnlyLikelihood().sample(jax.random.key(0), {})


# LAN decisions draw from the process the network approximates, which is the
# ssm-simulators Euler scheme (dt = 0.001) the network was trained on.
@pytest.mark.parametrize(
    "params",
    [
        {"v": 1.0, "a": 1.2, "z": 0.4, "t": 0.3, "theta": 0.3},
        {"v": -0.5, "a": 1.5, "z": 0.3, "t": 0.45, "theta": 0.33},
    ],
)
def test_angle_lan_samples_match_the_ssms_simulator(angle_lan, params):
    simulator = pytest.importorskip("ssms.basic_simulators.simulator").simulator
    out = simulator(params, model="angle", n_samples=N_SAMPLES, random_state=11)
    theirs_rt, theirs = out["rts"].ravel(), out["choices"].ravel()
    shaped = {k: jnp.full(N_SAMPLES, v) for k, v in params.items()}
    rt, choice = angle_lan.sample(jax.random.key(5), shaped)
    rt, choice = np.asarray(rt), np.asarray(choice)
    for side in (-1, 1):
        ours, sims = choice == side, theirs == side
        p = (ours.mean() + sims.mean()) / 2
        se = math.sqrt(2 * p * (1 - p) / N_SAMPLES)
        assert abs(ours.mean() - sims.mean()) < 4 * se
        error = np.quantile(rt[ours], LEVELS) - np.quantile(theirs_rt[sims], LEVELS)
        # 0.02 s, or 4 sampling errors of the difference where those are larger
        # (the slow tail of the rarer choice), with the density at each
        # quantile estimated from neighbouring quantiles.
        spread = np.diff(np.quantile(rt[ours], [LEVELS - 0.05, LEVELS + 0.05]), axis=0)
        n_harmonic = 1 / (1 / ours.sum() + 1 / sims.sum())
        se = np.sqrt(LEVELS * (1 - LEVELS) / n_harmonic) * spread[0] / 0.1
        assert (np.abs(error) < np.maximum(0.02, 4 * se)).all(), (side, error)


def test_lan_sampling_is_only_for_angle_and_ddm(angle_lan):
    from conftest import NETWORKS

    specs = tuple(
        rlssm.ParamSpec(name, lower=-5.0, upper=5.0, default=0.5)
        for name in ("v0", "v1", "v2", "a", "z", "theta")
    )
    lba = rlssm.LAN(
        "lba_angle_3",
        path=NETWORKS / "dev_lba_angle_3_v2.onnx",
        param_specs=specs,
        choices=(0, 1, 2),
    )
    with pytest.raises(ValueError, match="available for the 'angle' and 'ddm'"):
        lba.sample(jax.random.key(0), {s.name: 0.5 for s in specs})


def _rewards(env, trial, choice, n=20_000):
    keys = jax.random.split(jax.random.key(trial * 10 + choice), n)
    return np.asarray(jax.vmap(lambda k: env.reward(k, trial, choice))(keys))


def test_bandit_rewards_by_arm_and_reversals():
    env = Bandit.gaussian([0.2, 0.8], [0.1, 0.3], reversals=[30, 60])
    assert env.n_arms == 2
    for trial, means, sds in (
        (0, (0.2, 0.8), (0.1, 0.3)),
        (29, (0.2, 0.8), (0.1, 0.3)),
        (30, (0.8, 0.2), (0.3, 0.1)),
        (59, (0.8, 0.2), (0.3, 0.1)),
        (60, (0.2, 0.8), (0.1, 0.3)),
    ):
        np.testing.assert_allclose(env.arm_means(trial), means)
        for arm in (0, 1):
            draws = _rewards(env, trial, arm)
            assert abs(draws.mean() - means[arm]) < 4 * sds[arm] / math.sqrt(draws.size)
            assert draws.std() == pytest.approx(sds[arm], rel=0.03)

    env = Bandit.bernoulli([0.9, 0.5, 0.1], reversals=[5])
    for trial, probs in ((4, (0.9, 0.5, 0.1)), (5, (0.1, 0.5, 0.9))):
        for arm in range(3):
            draws = _rewards(env, trial, arm)
            assert set(np.unique(draws)) <= {0.0, 1.0}
            se = math.sqrt(probs[arm] * (1 - probs[arm]) / draws.size)
            assert abs(draws.mean() - probs[arm]) < 4 * se


def test_bandit_checks_its_arguments():
    with pytest.raises(ValueError, match="sds"):
        Bandit.gaussian([0.2, 0.8], [0.1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Bandit.bernoulli([0.2, 1.5])
    with pytest.raises(ValueError, match="at least 2 arms"):
        Bandit.bernoulli([0.2])
    with pytest.raises(ValueError, match="reversals"):
        Bandit.bernoulli([0.2, 0.8], reversals=[-1])


RW_DDM = {"rl_alpha": 0.3, "scaler": 4.0, "a": 1.0, "z": 0.5, "t": 0.3}
RLDM_ENV = Bandit.gaussian([0.2, 0.8], [0.1, 0.1])


def _replay_q(frame, params, q0=0.5):
    """Option values before each trial, by a NumPy loop over the rows."""
    q_rows = np.zeros((len(frame), 2))
    for p, trials in frame.groupby("participant_id"):
        q = np.full(2, q0)
        alpha = params["rl_alpha"][p]
        for row in trials.sort_values("trial_id").itertuples():
            q_rows[row.Index] = q
            q[int(row.response)] += alpha * (row.feedback - q[int(row.response)])
    return q_rows


def test_simulate_replays_exactly_and_learns():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), DDM())
    params = {**RW_DDM, "rl_alpha": np.array([0.1, 0.3, 0.5, 0.7])}
    frame = rlssm.simulate(model, params, RLDM_ENV, 4, 150, jax.random.key(0))
    assert frame.shape == (600, 5)
    assert list(frame.columns) == ["participant_id", "trial_id", "rt", "response"] + [
        "feedback"
    ]
    assert set(frame["response"].unique()) <= {0, 1}
    assert (frame["rt"] > 0.3).all()
    panel = model.panel(frame)
    assert panel.row_index.shape == (4, 150) and panel.learn.all()
    true = frame.attrs["params"]
    assert set(true) == set(model.list_params)
    np.testing.assert_array_equal(true["rl_alpha"], params["rl_alpha"])
    np.testing.assert_array_equal(true["scaler"], np.full(4, 4.0))

    assert len(pd.concat([frame, frame])) == 2 * len(frame)  # attrs don't block pandas
    replay = _replay_q(frame, true)
    per_row = {k: np.asarray(v)[frame["participant_id"]] for k, v in true.items()}
    latents = model.latents(frame, per_row)
    np.testing.assert_allclose(latents["q"], replay, atol=1e-12)
    # The simulation's own learning state is that replay too.
    grid = rlssm.simulate_trials(
        model,
        RLDM_ENV,
        {k: jnp.asarray(v) for k, v in true.items()},
        jax.random.key(0),
        150,
    )
    np.testing.assert_allclose(np.asarray(grid["q"]).reshape(-1, 2), replay, atol=1e-12)
    np.testing.assert_allclose(
        np.asarray(grid["v"]).reshape(-1), 4.0 * (replay[:, 1] - replay[:, 0])
    )
    assert np.isfinite(np.asarray(model.logp(frame, per_row))).all()


def test_choices_of_the_better_arm_increase_over_trials():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), DDM())
    params = {**RW_DDM, "rl_alpha": 0.05}
    frame = rlssm.simulate(model, params, RLDM_ENV, 100, 80, jax.random.key(1))
    better = frame.groupby(frame["trial_id"] // 20)["response"].mean()
    assert abs(frame.loc[frame["trial_id"] == 0, "response"].mean() - 0.5) < 0.15
    assert (np.diff(better.to_numpy()) > 0).all() and better[3] > 0.85, better


def test_simulate_with_reversals_follows_the_better_arm():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), DDM())
    env = Bandit.bernoulli([0.2, 0.8], reversals=[60])
    frame = rlssm.simulate(model, RW_DDM, env, 30, 120, jax.random.key(2))
    before = frame.loc[frame["trial_id"].between(40, 59), "response"].mean()
    after = frame.loc[frame["trial_id"] >= 100, "response"].mean()
    assert before > 0.7 and after < 0.3


def test_simulate_trials_vmaps_over_parameter_sets():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), Angle())
    n_draws, n_participants, n_trials = 3, 5, 40
    rng = np.random.default_rng(0)
    draws = {
        "rl_alpha": rng.uniform(0.2, 0.8, (n_draws, n_participants)),
        "scaler": rng.uniform(1.0, 3.0, (n_draws, n_participants)),
        "a": rng.uniform(0.8, 1.6, (n_draws, n_participants)),
        "z": rng.uniform(0.3, 0.6, (n_draws, n_participants)),
        "t": rng.uniform(0.2, 0.4, (n_draws, n_participants)),
        "theta": rng.uniform(0.05, 0.4, (n_draws, n_participants)),
    }
    keys = jax.random.split(jax.random.key(4), n_draws)
    out = jax.vmap(lambda p, k: rlssm.simulate_trials(model, RLDM_ENV, p, k, n_trials))(
        draws, keys
    )
    assert out["rt"].shape == out["response"].shape == (n_draws, 5, n_trials)
    assert out["q"].shape == (n_draws, 5, n_trials, 2)
    assert np.isfinite(np.asarray(out["rt"])).all()
    single = rlssm.simulate_trials(
        model, RLDM_ENV, {k: v[1] for k, v in draws.items()}, keys[1], n_trials
    )
    np.testing.assert_array_equal(out["response"][1], single["response"])
    np.testing.assert_allclose(out["rt"][1], single["rt"], rtol=1e-10)


def test_simulate_with_the_angle_lan_and_custom_columns(angle_lan):
    model = rlssm.RLSSM(
        rlssm.RescorlaWagner(), angle_lan, columns={"trial_id": "trial", "rt": "RT"}
    )
    params = {"rl_alpha": 0.6, "scaler": 2.8, "a": 1.5, "z": 0.27, "t": 0.45}
    params["theta"] = 0.33
    frame = rlssm.simulate(model, params, RLDM_ENV, 3, 60, jax.random.key(5))
    assert list(frame.columns) == ["participant_id", "trial", "RT", "response"] + [
        "feedback"
    ]
    logp = np.asarray(model.logp(frame, params))
    assert np.isfinite(logp).all() and (logp > rlssm.LOGP_FLOOR).all()


def test_simulate_checks_its_arguments():
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), Angle())
    params = {"rl_alpha": 0.3, "scaler": 2.0, "a": 1.0, "z": 0.5, "t": 0.3}
    key = jax.random.key(0)
    with pytest.raises(ValueError, match=r"missing \['theta'\]"):
        rlssm.simulate(model, params, RLDM_ENV, 2, 10, key)
    params["theta"] = 0.2
    with pytest.raises(ValueError, match="shape"):
        rlssm.simulate(model, {**params, "a": [1.0, 1.1, 1.2]}, RLDM_ENV, 2, 10, key)
    with pytest.raises(ValueError, match="outside its bounds"):
        rlssm.simulate(model, {**params, "z": 1.5}, RLDM_ENV, 2, 10, key)
    with pytest.raises(ValueError, match="3 arms"):
        rlssm.simulate(model, params, Bandit.bernoulli([0.1, 0.2, 0.3]), 2, 10, key)
    # v = scaler * (q[1] - q[0]) beyond the angle model's bounds [-3, 3].
    with pytest.raises(ValueError, match="left the bounds of Angle"):
        rlssm.simulate(
            model, {**params, "scaler": 10.0, "rl_alpha": 1.0}, RLDM_ENV, 2, 30, key
        )
