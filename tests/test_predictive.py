"""Posterior predictive simulation, latents over draws and the checks' tables.

References are independent: a plain NumPy trial loop for the values and the
DDM's closed-form choice probability (Feller, 1968; separation 2a, unit
diffusion) for the choices.
"""

import jax
import numpy as np
import pandas as pd
import pytest
from test_learning import numpy_loop

import rlssm

TRUE = {"rl_alpha": 0.3, "scaler": 3.0, "a": 1.0, "z": 0.5, "t": 0.3}
MEANS, SDS = (0.2, 0.8), (0.1, 0.1)
MODEL = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.DDM())
ENV = rlssm.Bandit.gaussian(MEANS, SDS)


def p_upper(v, a, z):
    """P(absorption at the upper bound) of a DDM with separation 2a."""
    v = np.asarray(v, float)
    sep = 2.0 * a
    safe = np.where(v == 0, 1.0, v)
    p = np.expm1(-2 * safe * sep * z) / np.expm1(-2 * safe * sep)
    return np.where(v == 0, z, p)


def numpy_values(frame, rl_alpha, scaler):
    """Q before each trial, v and the prediction error of RW, by a plain loop."""
    return numpy_loop(frame, lambda error, row: rl_alpha, scaler)


@pytest.fixture(scope="module")
def data():
    """5 simulated participants x 60 trials, rows shuffled."""
    frame = MODEL.simulate(TRUE, ENV, 5, 60, jax.random.key(0))
    return frame.sample(frac=1.0, random_state=1).reset_index(drop=True)


def shared(n_draws, **overrides):
    return {
        name: np.full(n_draws, overrides.get(name, value))
        for name, value in TRUE.items()
    }


def test_one_step_choices_follow_the_observed_history(data):
    n_draws = 400
    draws = shared(n_draws)
    # Participant 0 has scaler 0 (no preference), the others 3: per-row draws.
    scaler = np.where(data["participant_id"] == 0, 0.0, 3.0)
    draws["scaler"] = np.tile(scaler, (n_draws, 1))
    predicted = rlssm.predict_one_step(MODEL, data, draws, jax.random.key(1))

    assert len(predicted) == n_draws * len(data)
    assert list(predicted.columns) == ["draw", *data.columns]
    first = predicted[predicted["draw"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        first.drop(columns=["draw", "rt", "response"]),
        data.drop(columns=["rt", "response"]),
    )
    assert set(np.unique(predicted["response"])) == {0.0, 1.0}
    assert (predicted["rt"] > TRUE["t"]).all()

    _, v, _ = numpy_values(data, TRUE["rl_alpha"], scaler)
    expected = p_upper(v, TRUE["a"], TRUE["z"])
    chose_upper = predicted["response"].to_numpy().reshape(n_draws, len(data))
    se = np.sqrt(expected * (1 - expected) / n_draws)
    z_scores = (chose_upper.mean(axis=0) - expected) / se
    assert np.abs(z_scores).max() < 4.5
    assert np.mean(z_scores**2) == pytest.approx(1.0, abs=0.25)


def numpy_closed_loop(n_agents, n_trials, seed):
    """Choice-only closed loop: choices from the closed-form P(upper)."""
    rng = np.random.default_rng(seed)
    q = np.full((n_agents, 2), 0.5)
    chose = np.zeros((n_agents, n_trials))
    for trial in range(n_trials):
        v = TRUE["scaler"] * (q[:, 1] - q[:, 0])
        option = (rng.random(n_agents) < p_upper(v, TRUE["a"], TRUE["z"])).astype(int)
        reward = rng.normal(np.take(MEANS, option), np.take(SDS, option))
        rows = np.arange(n_agents)
        q[rows, option] += TRUE["rl_alpha"] * (reward - q[rows, option])
        chose[:, trial] = option
    return chose


def test_closed_loop_learning_matches_an_independent_simulation(data):
    n_draws = 400
    predicted = rlssm.predict_closed_loop(
        MODEL, data, shared(n_draws), ENV, jax.random.key(2)
    )
    predicted = predicted.sort_values(["draw", "participant_id", "trial_id"])
    ours = predicted["response"].to_numpy().reshape(-1, 60)  # 2000 agents
    reference = numpy_closed_loop(4000, 60, seed=3)
    ours_bins = ours.reshape(len(ours), 6, 10).mean(axis=2)
    ref_bins = reference.reshape(len(reference), 6, 10).mean(axis=2)
    se = np.sqrt(
        ours_bins.var(axis=0) / len(ours) + ref_bins.var(axis=0) / len(reference)
    )
    difference = ours_bins.mean(axis=0) - ref_bins.mean(axis=0)
    assert np.all(np.abs(difference) < 4 * se), (difference, se)
    # The simulated choices earned the feedback.
    for option, mean in enumerate(MEANS):
        earned = predicted.loc[predicted["response"] == option, "feedback"]
        assert earned.mean() == pytest.approx(mean, abs=0.01)


def test_closed_loop_keeps_participants_trials_and_coding():
    rng = np.random.default_rng(4)
    sizes = {"ann": 30, "bob": 45}
    frame = pd.DataFrame(
        {
            "participant_id": np.repeat(list(sizes), list(sizes.values())),
            "trial_id": np.concatenate([3 * np.arange(n) + 7 for n in sizes.values()]),
            "rt": rng.uniform(0.5, 1.5, sum(sizes.values())),
            "response": rng.choice([-1, 1], sum(sizes.values())),
            "feedback": rng.normal(0.5, 0.3, sum(sizes.values())),
        }
    ).sample(frac=1.0, random_state=0)
    predicted = rlssm.predict_closed_loop(
        MODEL, frame, shared(3), ENV, jax.random.key(5)
    )
    expected = frame.sort_values(["participant_id", "trial_id"])
    for _, one in predicted.groupby("draw"):
        in_order = one.groupby("participant_id")["trial_id"]
        assert in_order.apply(lambda trials: trials.is_monotonic_increasing).all()
        np.testing.assert_array_equal(
            one.sort_values(["participant_id", "trial_id"])[
                ["participant_id", "trial_id"]
            ].to_numpy(),
            expected[["participant_id", "trial_id"]].to_numpy(),
        )
    assert set(np.unique(predicted["response"])) == {-1.0, 1.0}


def test_closed_loop_gives_each_participant_its_parameters(data):
    n_draws = 300
    scaler = np.where(data["participant_id"] == 0, 0.0, 6.0)
    draws = {**shared(n_draws), "scaler": np.tile(scaler, (n_draws, 1))}
    predicted = rlssm.predict_closed_loop(MODEL, data, draws, ENV, jax.random.key(6))
    by_participant = predicted.groupby("participant_id")["response"].mean()
    # v = 0 and z = 0.5 for participant 0: a fair coin on 300 x 60 trials.
    assert by_participant[0] == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / 18000))
    assert (by_participant.drop(0) > 0.85).all()


def test_closed_loop_rejects_parameters_varying_within_a_participant(data):
    draws = shared(2)
    draws["a"] = np.tile(np.linspace(0.8, 1.2, len(data)), (2, 1))
    with pytest.raises(ValueError, match=r"draws\['a'\].*varies.*predict_one_step"):
        rlssm.predict_closed_loop(MODEL, data, draws, ENV, jax.random.key(0))


def test_closed_loop_rejects_block_models(data):
    blocked = rlssm.RLSSM(
        rlssm.RescorlaWagner(), rlssm.DDM(), columns={"block": "block"}
    )
    with pytest.raises(ValueError, match="block.*predict_one_step"):
        rlssm.predict_closed_loop(
            blocked, data.assign(block=0), shared(2), ENV, jax.random.key(0)
        )


def test_latent_summary_matches_a_numpy_loop_over_draws(data):
    rng = np.random.default_rng(7)
    n_draws = 40
    draws = shared(n_draws)
    draws["rl_alpha"] = rng.uniform(0.1, 0.6, n_draws)
    draws["scaler"] = rng.uniform(1.0, 5.0, n_draws)
    summary = rlssm.latent_summary(MODEL, data, draws, prob=0.9)

    loops = [
        numpy_values(data, alpha, scaler)
        for alpha, scaler in zip(draws["rl_alpha"], draws["scaler"], strict=True)
    ]
    q = np.stack([loop[0] for loop in loops])
    reference = {
        "q_0": q[..., 0],
        "q_1": q[..., 1],
        "v": np.stack([loop[1] for loop in loops]),
        "prediction_error": np.stack([loop[2] for loop in loops]),
    }
    assert summary.index.equals(data.index)
    assert sorted(summary.columns) == sorted(
        f"{name}_{stat}" for name in reference for stat in ("mean", "lower", "upper")
    )
    for name, values in reference.items():
        np.testing.assert_allclose(
            summary[f"{name}_mean"], values.mean(axis=0), atol=1e-12
        )
        lower, upper = np.quantile(values, [0.05, 0.95], axis=0)
        np.testing.assert_allclose(summary[f"{name}_lower"], lower, atol=1e-12)
        np.testing.assert_allclose(summary[f"{name}_upper"], upper, atol=1e-12)


def test_latents_report_prediction_errors_nan_on_skipped_trials(data):
    model = rlssm.RLSSM(rlssm.DualAlpha(), rlssm.DDM(), skip_missing=True)
    frame = data.copy()
    frame.loc[[3, 10], "rt"] = np.nan
    params = {**TRUE, "rl_alpha_neg": TRUE["rl_alpha"]}
    latents = model.latents(frame, params)
    _, _, errors = numpy_values(frame.drop(index=[3, 10]), TRUE["rl_alpha"], 3.0)
    kept = np.delete(latents["prediction_error"], [3, 10])
    np.testing.assert_allclose(kept, errors, atol=1e-12)
    assert np.isnan(latents["prediction_error"][[3, 10]]).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("a"), r"`draws` must have exactly.*missing \['a'\]"),
        (lambda d: d.update(theta=np.ones(3)), r"`draws`.*unknown \['theta'\]"),
        (lambda d: d.update(a=np.ones((3, 7))), r"draws\['a'\].*shape \(3, 7\)"),
        (lambda d: d.update(a=np.ones(4)), r"disagree on the number of draws"),
        (lambda d: d.update(a=np.array([1.0, np.nan, 1.0])), r"draws\['a'\].*NaN"),
    ],
)
def test_malformed_draws_are_rejected_with_the_name(data, change, message):
    draws = shared(3)
    change(draws)
    for predict in (
        lambda: rlssm.predict_one_step(MODEL, data, draws, jax.random.key(0)),
        lambda: rlssm.predict_closed_loop(MODEL, data, draws, ENV, jax.random.key(0)),
        lambda: rlssm.latent_summary(MODEL, data, draws),
    ):
        with pytest.raises(ValueError, match=message):
            predict()


@pytest.fixture(scope="module")
def predictive(data):
    return rlssm.predict_one_step(MODEL, data, shared(50), jax.random.key(8))


def test_learning_curve_table_matches_numpy(data, predictive):
    table = rlssm.learning_curve(MODEL, data, predictive, better=1, bin_size=15)
    ordered = data.sort_values(["participant_id", "trial_id"])
    observed = ordered["response"].to_numpy().reshape(5, 4, 15).mean(axis=(0, 2))
    np.testing.assert_allclose(table["observed"], observed)
    ordered = predictive.sort_values(["draw", "participant_id", "trial_id"])
    per_draw = ordered["response"].to_numpy().reshape(50, 5, 4, 15).mean(axis=(1, 3))
    np.testing.assert_allclose(table["median"], np.median(per_draw, axis=0))
    np.testing.assert_allclose(table["lower"], np.quantile(per_draw, 0.03, axis=0))
    np.testing.assert_allclose(table["upper"], np.quantile(per_draw, 0.97, axis=0))
    # Without `better`, each participant's better option is the one that paid more.
    inferred = rlssm.learning_curve(MODEL, data, predictive, bin_size=15)
    pd.testing.assert_frame_equal(inferred, table)
    per_participant = rlssm.learning_curve(
        MODEL, data, predictive, better=1, bin_size=15, by_participant=True
    )
    assert per_participant.index.names == ["participant_id", "trial_bin"]
    assert len(per_participant) == 5 * 4


def test_rt_quantiles_table_matches_numpy(data, predictive):
    table = rlssm.rt_quantiles(
        MODEL, data, predictive, quantiles=(0.1, 0.5, 0.9), bin_size=30
    )
    ordered = data.sort_values(["participant_id", "trial_id"])
    rt = ordered["rt"].to_numpy().reshape(5, 2, 30).transpose(1, 0, 2).reshape(2, -1)
    observed = np.quantile(rt, [0.1, 0.5, 0.9], axis=1).T.reshape(-1)
    np.testing.assert_allclose(table["observed"], observed)
    assert table.index.names == ["trial_bin", "quantile"]
    assert (table["lower"] <= table["median"]).all()
    assert (table["median"] <= table["upper"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"better": 2}, "not an option index"),
        ({"better": "best"}, "column 'best'"),
        ({"bin_size": 0}, "bin_size"),
        ({"prob": 1.5}, "prob"),
    ],
)
def test_learning_curve_rejects_bad_arguments(data, predictive, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rlssm.learning_curve(MODEL, data, predictive, **kwargs)


def test_checks_reject_a_frame_that_is_not_predictive(data):
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['draw'\]"):
        rlssm.rt_quantiles(MODEL, data, data)


@pytest.mark.parametrize("by_participant", [False, True])
def test_plots_render_to_png_with_labels_and_legends(
    data, predictive, tmp_path, by_participant
):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for plot, ylabel in (
        (rlssm.plot_learning_curve, "P(better option)"),
        (rlssm.plot_rt_quantiles, "rt (s)"),
    ):
        figure = plot(
            MODEL, data, predictive, bin_size=15, by_participant=by_participant
        )
        path = tmp_path / f"{plot.__name__}.png"
        figure.savefig(path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 10_000
        axes = [axis for axis in figure.axes if axis.get_visible()]
        assert len(axes) == (5 if by_participant else 1)
        assert {axis.get_ylabel() for axis in axes} - {""} == {ylabel}
        assert {axis.get_xlabel() for axis in axes} - {""} == {"trial (bins of 15)"}
        legends = figure.legends + [a.get_legend() for a in axes if a.get_legend()]
        texts = [text.get_text() for legend in legends for text in legend.get_texts()]
        assert "model, 94% predictive interval" in texts
        assert "observed" in texts or "q0.5" in texts
        plt.close(figure)


def test_trials_outside_the_decision_bounds_are_nan_and_warned(data):
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), rlssm.Angle())
    draws = {**shared(2, scaler=10.0), "theta": np.full(2, 0.2)}
    with pytest.warns(UserWarning, match=r"left the bounds of Angle"):
        predicted = rlssm.predict_one_step(model, data, draws, jax.random.key(9))
    _, v, _ = numpy_values(data, TRUE["rl_alpha"], 10.0)
    lower, upper = model.decision.bounds["v"]
    outside = (v < lower) | (v > upper)
    assert 0 < outside.sum() < len(data)
    for column in ("rt", "response"):
        missing = np.isnan(predicted[column].to_numpy().reshape(2, -1))
        np.testing.assert_array_equal(missing, np.tile(outside, (2, 1)))


def test_check_arguments_are_validated(data, predictive):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with pytest.raises(TypeError, match="`better` must be an option index"):
        rlssm.learning_curve(MODEL, data, predictive, better=1.5)
    with pytest.raises(ValueError, match=r"`quantiles` must be values in \(0, 1\)"):
        rlssm.rt_quantiles(MODEL, data, predictive, quantiles=(0.5, 1.0))
    with pytest.raises(ValueError, match=r"`prob` must lie in \(0, 1\)"):
        rlssm.latent_summary(MODEL, data, shared(2), prob=0.0)
    _, axis = plt.subplots()
    with pytest.raises(ValueError, match="`ax` works with one panel"):
        rlssm.plot_learning_curve(MODEL, data, predictive, by_participant=True, ax=axis)
    plt.close("all")


def test_better_option_needs_feedback_or_an_argument(data, predictive):
    from typing import ClassVar

    class RewardRW(rlssm.AbstractValueLearning):
        param_specs: ClassVar = (rlssm.ParamSpec("rl_alpha", 0.0, 1.0, 0.2),)
        data_columns: ClassVar = ("reward",)
        n_options: int = 2
        q0: float = 0.5

        def update(self, state, params, choice, data):
            return state.at[choice].add(
                params["rl_alpha"] * (data["reward"] - state[choice])
            )

    model = rlssm.RLSSM(RewardRW(), rlssm.DDM())
    renamed = data.rename(columns={"feedback": "reward"})
    with pytest.raises(ValueError, match="no `feedback` column.*`better=`"):
        rlssm.learning_curve(model, renamed, predictive)
    table = rlssm.learning_curve(model, renamed, predictive, better=1)
    assert len(table) == 3
