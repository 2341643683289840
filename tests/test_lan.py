"""LAN decisions against onnxruntime, choice coding, floors and network lookup."""

import numpy as np
import onnxruntime
import pytest
from conftest import NETWORKS
from test_learning import bandit_frame

import rlssm


def onnxruntime_logp(path, inputs):
    session = onnxruntime.InferenceSession(str(path))
    name = session.get_inputs()[0].name
    rows = [session.run(None, {name: row[None]})[0].ravel()[0] for row in inputs]
    return np.asarray(rows)


def random_rows(lan, n, seed):
    rng = np.random.default_rng(seed)
    params = {
        s.name: rng.uniform(s.lower, s.upper, n).astype(np.float32)
        for s in lan.param_specs
    }
    t = params.get("t", 0.0)
    rt = (t + rng.uniform(0.01, 4.0, n)).astype(np.float32)
    choice = rng.choice(lan.choices, n).astype(np.float32)
    return rt, choice, params


@pytest.mark.parametrize("name", ["angle", "ddm"])
def test_matches_onnxruntime(name):
    lan = rlssm.LAN(name)
    rt, choice, params = random_rows(lan, 4000, seed=0)
    ours = np.asarray(lan.logp(rt, choice, params))
    inputs = np.stack([params[p] for p in lan.list_params] + [rt, choice], axis=1)
    np.testing.assert_allclose(
        ours, onnxruntime_logp(NETWORKS / f"{name}.onnx", inputs), atol=1e-5, rtol=0
    )
    assert ours.dtype == np.float32


def test_float32_network_in_64_bit_mode(angle_lan):
    import jax
    import jax.numpy as jnp

    lan32 = rlssm.LAN("angle", dtype=jnp.float32)
    rt, choice, params = random_rows(lan32, 4000, seed=1)
    rt, choice = rt.astype(np.float64), choice.astype(np.float64)
    params = {name: value.astype(np.float64) for name, value in params.items()}
    ours = np.asarray(lan32.logp(rt, choice, params))
    assert ours.dtype == np.float64
    inputs = np.stack([params[p] for p in lan32.list_params] + [rt, choice], axis=1)
    reference = onnxruntime_logp(NETWORKS / "angle.onnx", inputs.astype(np.float32))
    np.testing.assert_allclose(ours, reference, atol=1e-5, rtol=5e-6)  # float32
    np.testing.assert_allclose(ours, angle_lan.logp(rt, choice, params), atol=1e-4)

    def total(lan, v):
        return jnp.sum(lan.logp(rt, choice, {**params, "v": v}))

    grad32 = jax.grad(lambda v: total(lan32, v))(params["v"])
    grad64 = jax.grad(lambda v: total(angle_lan, v))(params["v"])
    assert grad32.dtype == jnp.float64
    np.testing.assert_allclose(grad32, grad64, rtol=1e-3, atol=1e-4)


def test_network_dtype_must_be_floating():
    with pytest.raises(ValueError, match=r"dtype=.*floating dtype.*int32"):
        rlssm.LAN("angle", dtype=np.int32)


def test_network_unknown_to_hssm_takes_explicit_specs():
    specs = tuple(
        rlssm.ParamSpec(name, lower, upper, (lower + upper) / 2)
        for name, lower, upper in [
            ("v0", 0, 2.5),
            ("v1", 0, 2.5),
            ("v2", 0, 2.5),
            ("a", 1, 3),
            ("z", 0, 0.9),
            ("theta", 0, 1.3),
        ]
    )
    path = NETWORKS / "dev_lba_angle_3_v2.onnx"
    lan = rlssm.LAN("dev_lba_angle_3_v2", path, param_specs=specs, choices=(0, 1, 2))
    rt, choice, params = random_rows(lan, 500, seed=1)
    inputs = np.stack([params[p] for p in lan.list_params] + [rt, choice], axis=1)
    np.testing.assert_allclose(
        lan.logp(rt, choice, params), onnxruntime_logp(path, inputs), atol=1e-5, rtol=0
    )
    with pytest.raises(ValueError, match="give both `param_specs=` and `choices=`"):
        rlssm.LAN("dev_lba_angle_3_v2", path, param_specs=specs)


def test_responses_reach_the_network_as_minus_one_plus_one(angle_lan):
    model = rlssm.RLSSM(rlssm.RescorlaWagner(), angle_lan)
    zero_one = bandit_frame(6)
    plus_minus = zero_one.assign(response=2 * zero_one["response"] - 1)
    params = {
        "rl_alpha": 0.3,
        "scaler": 2.0,
        "a": 1.0,
        "z": 0.5,
        "t": 0.2,
        "theta": 0.2,
    }
    logp = np.asarray(model.logp(zero_one, params))
    np.testing.assert_array_equal(logp, model.logp(plus_minus, params))
    v = model.latents(zero_one, params)["v"]
    direct = angle_lan.logp(
        zero_one["rt"].to_numpy(),
        plus_minus["response"].to_numpy().astype(float),
        {"v": v, "a": 1.0, "z": 0.5, "t": 0.2, "theta": 0.2},
    )
    np.testing.assert_allclose(logp, direct, rtol=1e-12)
    raw = angle_lan.logp(
        zero_one["rt"].to_numpy(),
        zero_one["response"].to_numpy().astype(float),
        {"v": v, "a": 1.0, "z": 0.5, "t": 0.2, "theta": 0.2},
    )
    assert abs(np.sum(raw) - np.sum(logp)) > 10


def test_floor_for_impossible_rt_and_out_of_bounds(angle_lan):
    rt = np.array([0.1, 0.2, 0.5, 0.5, 0.5, 0.5])
    params = {
        "v": np.array([0.0, 0.0, 0.0, 5.0, 0.0, 0.0]),
        "a": np.array([1.0, 1.0, 1.0, 1.0, 0.1, 1.0]),
        "z": 0.5,
        "t": np.array([0.3, 0.2, 0.2, 0.2, 0.2, 0.2]),
        "theta": 0.1,
    }
    logp = np.asarray(angle_lan.logp(rt, np.ones(6), params))
    np.testing.assert_array_equal(logp[[0, 1, 3, 4]], rlssm.LOGP_FLOOR)
    assert np.isfinite(logp).all() and (logp[[2, 5]] > rlssm.LOGP_FLOOR).all()


def test_lookup_order_and_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RLSSM_NETWORKS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:
        rlssm.find_network("angle")
    message = str(error.value)
    assert str(tmp_path / "angle.onnx") in message
    assert "franklab/HSSM/angle.onnx" in message and "path=" in message
    monkeypatch.setenv("RLSSM_NETWORKS_DIR", str(NETWORKS))
    assert rlssm.find_network("angle") == NETWORKS / "angle.onnx"
    explicit = tmp_path / "mine.onnx"
    explicit.write_bytes((NETWORKS / "ddm.onnx").read_bytes())
    assert rlssm.find_network("angle", explicit) == explicit
    with pytest.raises(FileNotFoundError, match="no file at"):
        rlssm.find_network("angle", tmp_path / "missing.onnx")
