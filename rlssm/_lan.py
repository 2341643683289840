"""Likelihood approximation networks (LANs) loaded from ONNX files."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

from ._decision import LOGP_FLOOR, AbstractDecision
from ._first_passage import broadcast_params, sample_linear_bounds
from ._params import ParamSpec

NETWORKS_DIR_ENV = "RLSSM_NETWORKS_DIR"
"""Environment variable naming a folder that holds `<name>.onnx` network files."""

HF_REPO_ID = "franklab/HSSM"
"""HuggingFace hub repository that distributes the published networks."""

_EULER_OVERSHOOT = 0.5826 * math.sqrt(0.001)
"""Mean overshoot of the bounds by the dt = 0.001 Euler simulator the published
`angle` and `ddm` networks were trained on (see `LAN.sample`)."""

_TYPICAL_VALUES = {"v": 0.0, "a": 1.0, "z": 0.5, "t": 0.2, "theta": 0.1}
"""Plausible starting values for the usual diffusion parameters (moved inside the
bounds when a network's training range excludes them)."""


def find_network(name: str, path: str | os.PathLike | None = None) -> Path:
    """Locate the ONNX file of the network `name`.

    The places tried, in order: `path` if given; `$RLSSM_NETWORKS_DIR/<name>.onnx`;
    the HuggingFace hub repository `franklab/HSSM` (through `huggingface_hub`,
    which caches downloads and honours `HF_HUB_OFFLINE`).

    Parameters
    ----------
    name
        Network name, e.g. `"angle"`.
    path
        Explicit path to the `.onnx` file.

    Returns
    -------
    Path
        Path of an existing file.

    Raises
    ------
    FileNotFoundError
        When no place has the file; the message lists every place tried.
    """
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"`LAN({name!r}, path=...)`: no file at {path}.")
        return path
    tried = []
    folder = os.environ.get(NETWORKS_DIR_ENV)
    if folder:
        candidate = Path(folder) / f"{name}.onnx"
        if candidate.is_file():
            return candidate
        tried.append(f"${NETWORKS_DIR_ENV}/{name}.onnx = {candidate} (no such file)")
    else:
        tried.append(f"${NETWORKS_DIR_ENV} (not set)")
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(repo_id=HF_REPO_ID, filename=f"{name}.onnx"))
    except Exception as error:  # noqa: BLE001 - any hub failure means "not found here"
        tried.append(
            f"HuggingFace hub {HF_REPO_ID}/{name}.onnx ({type(error).__name__})"
        )
    places = "\n  - ".join(tried)
    raise FileNotFoundError(
        f"Could not find the LAN network {name!r}. Looked in:\n  - {places}\n"
        f"Supply it with `LAN({name!r}, path='.../{name}.onnx')`, or put "
        f"`{name}.onnx` in a folder and set {NETWORKS_DIR_ENV} to that folder."
    )


def mlp_from_onnx(path: str | os.PathLike) -> eqx.nn.MLP:
    """Read a chain of `Gemm` (linear) layers with `tanh` between them into an MLP.

    Parameters
    ----------
    path
        An ONNX file holding `Gemm -> Tanh -> ... -> Gemm`, as the published LANs do.

    Returns
    -------
    equinox.nn.MLP
        A network with the file's exact weights and a scalar output.

    Raises
    ------
    ValueError
        If the graph is not such a chain.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    ops = [node.op_type for node in graph.node]
    expected = ["Gemm", "Tanh"] * (len(ops) // 2) + ["Gemm"]
    if ops != expected:
        raise ValueError(
            f"{path}: expected a chain Gemm, Tanh, ..., Gemm; found {ops}. Only plain "
            "tanh MLPs can be read; load other networks yourself and build the "
            "decision by subclassing `AbstractDecision`."
        )
    layers = []
    for node in graph.node[::2]:
        attributes = {
            a.name: onnx.helper.get_attribute_value(a) for a in node.attribute
        }
        if attributes.get("transB") != 1 or attributes.get("alpha", 1.0) != 1.0:
            raise ValueError(f"{path}: unsupported Gemm attributes {attributes}.")
        layers.append((weights[node.input[1]], weights[node.input[2]]))
    widths = {weight.shape[0] for weight, _ in layers[:-1]}
    if len(widths) != 1 or layers[-1][0].shape[0] != 1:
        raise ValueError(
            f"{path}: hidden layers must share one width, output one value."
        )
    mlp = eqx.nn.MLP(
        in_size=layers[0][0].shape[1],
        out_size="scalar",
        width_size=widths.pop(),
        depth=len(layers) - 1,
        activation=jnp.tanh,
        key=jax.random.key(0),
    )
    return eqx.tree_at(
        lambda m: [leaf for layer in m.layers for leaf in (layer.weight, layer.bias)],
        mlp,
        [jnp.asarray(array) for layer in layers for array in layer],
    )


def hssm_specs(name: str) -> tuple[tuple[ParamSpec, ...], tuple[int, ...]]:
    """Parameter records and choice coding of HSSM's model `name`.

    Names, order, bounds and choices come from HSSM's own model configuration
    (`hssm.modelconfig`, its `approx_differentiable` likelihood), so they are
    always those of the installed HSSM. Defaults are typical values of the
    diffusion parameters (`v=0, a=1, z=0.5, t=0.2, theta=0.1`) where they lie
    inside the bounds, and the middle of the bounds otherwise.

    Parameters
    ----------
    name
        An HSSM model name with a LAN likelihood, e.g. `"angle"` or `"ddm"`.

    Returns
    -------
    tuple
        The parameter records and the choices.
    """
    from hssm.modelconfig import get_default_model_config

    config = get_default_model_config(name)
    likelihood = config["likelihoods"].get("approx_differentiable")
    if likelihood is None:
        raise ValueError(f"HSSM's model {name!r} has no network (LAN) likelihood.")
    specs = []
    for param in config["list_params"]:
        lower, upper = likelihood["bounds"][param]
        typical = _TYPICAL_VALUES.get(param, math.nan)
        default = typical if lower < typical < upper else (lower + upper) / 2
        specs.append(ParamSpec(param, lower=lower, upper=upper, default=default))
    return tuple(specs), tuple(int(c) for c in config["choices"])


class LAN(AbstractDecision):
    """A published likelihood approximation network (LAN).

    Fengler, Govindarajan, Chen & Frank (2021), eLife 10:e65074.

    The ONNX file is read once into an `equinox.nn.MLP` with the exact weights;
    no ONNX runtime is involved afterwards, so the network jits, differentiates
    and runs on GPU like any JAX code. The network takes
    `[params..., rt, choice]` with `rt` in seconds and `choice` in the model's
    own coding (-1/+1 for `angle` and `ddm`) and returns the log density.

    Trials with `rt - t <= 1e-15`, or with any parameter outside the bounds the
    network was trained on, get `LOGP_FLOOR` (HSSM's value), never NaN.

    Parameters
    ----------
    name
        The network's model name, e.g. `"angle"` or `"ddm"`. Unless
        `param_specs` and `choices` are given, parameter names, bounds and the
        choice coding come from HSSM's model configuration for `name`.
    path
        The `.onnx` file. If omitted, `$RLSSM_NETWORKS_DIR/<name>.onnx` is used,
        then the HuggingFace hub repository `franklab/HSSM`.
    param_specs
        Parameter records in the network's input order, for networks HSSM does
        not know.
    choices
        Choice coding, for networks HSSM does not know, e.g. `(0, 1, 2)`.
    dtype
        The floating dtype the network is evaluated in. None (default): the
        inputs' dtype, i.e. float64 when JAX runs in 64-bit mode, as HSSM does.
        `jnp.float32`, the precision the published networks were trained and
        stored in, is about twice as fast on CPU (and far faster on most
        GPUs); the rounding it adds (about 1e-6 in a trial's log-likelihood)
        is far below the network's own approximation error. The returned
        log-likelihood has the inputs' dtype either way.
    """

    name: str = eqx.field(static=True)
    network: eqx.nn.MLP
    param_specs: tuple[ParamSpec, ...] = eqx.field(static=True)
    choices: tuple[int, ...] = eqx.field(static=True)
    dtype: np.dtype | None = eqx.field(static=True)

    def __init__(
        self,
        name: str,
        path: str | os.PathLike | None = None,
        *,
        param_specs: tuple[ParamSpec, ...] | None = None,
        choices: tuple[int, ...] | None = None,
        dtype: type | np.dtype | None = None,
    ) -> None:
        if dtype is not None:
            dtype = np.dtype(dtype)
            if not np.issubdtype(dtype, np.floating):
                raise ValueError(
                    f"`LAN({name!r}, dtype=...)` must be a floating dtype such as "
                    f"jnp.float32, got {dtype}."
                )
        self.dtype = dtype
        if (param_specs is None) != (choices is None):
            raise ValueError(
                f"`LAN({name!r})`: give both `param_specs=` and `choices=`, or "
                "neither (then HSSM's configuration for the name is used)."
            )
        if param_specs is None:
            param_specs, choices = hssm_specs(name)
        self.name = name
        self.param_specs = tuple(param_specs)
        self.choices = tuple(int(c) for c in choices)
        self.network = mlp_from_onnx(find_network(name, path))
        n_inputs = self.network.in_size
        if n_inputs != len(self.param_specs) + 2:
            raise ValueError(
                f"`LAN({name!r})`: the network takes {n_inputs} inputs but the "
                f"parameters {self.list_params} plus rt and choice make "
                f"{len(self.param_specs) + 2}."
            )

    def logp(
        self,
        rt: Float[ArrayLike, " n"],
        choice: Float[ArrayLike, " n"],
        params: Mapping[str, Float[ArrayLike, " n"]],
    ) -> Float[Array, " n"]:
        """Per-trial log-likelihood from the network; see `AbstractDecision.logp`."""
        values = [jnp.asarray(params[spec.name]) for spec in self.param_specs]
        dtype = jnp.result_type(float, rt, *values)
        network_dtype = dtype if self.dtype is None else self.dtype
        columns = jnp.broadcast_arrays(*values, jnp.asarray(rt), jnp.asarray(choice))
        inputs = jnp.stack(columns, axis=-1).astype(network_dtype)
        # The MLP's layers applied to all trials at once as matrix products
        # (faster than vmapping the single-trial MLP on CPU).
        hidden = inputs.reshape(-1, inputs.shape[-1])
        for layer in self.network.layers[:-1]:
            weight = layer.weight.astype(network_dtype)
            hidden = jnp.tanh(hidden @ weight.T + layer.bias.astype(network_dtype))
        last = self.network.layers[-1]
        logp = hidden @ last.weight[0].astype(network_dtype) + last.bias[0].astype(
            network_dtype
        )
        logp = logp.reshape(inputs.shape[:-1]).astype(dtype)
        valid = jnp.ones(logp.shape, bool)
        for spec, value in zip(self.param_specs, columns, strict=False):
            valid &= (value >= spec.lower) & (value <= spec.upper)
        if "t" in self.list_params:
            valid &= columns[-2] - params["t"] > 1e-15
        return jnp.where(valid, logp, jnp.asarray(LOGP_FLOOR, dtype))

    def sample(
        self, key: Array, params: Mapping[str, Float[ArrayLike, "*shape"]]
    ) -> tuple[Float[Array, "*shape"], Int[Array, "*shape"]]:
        """Draw from the process the network approximates, not from the network.

        The `angle` and `ddm` networks were trained on the Euler simulator of
        `ssm-simulators` (step `dt = 0.001`), whose discrete steps overshoot
        the bounds by about `0.5826 * sqrt(dt) = 0.0184` on average (Siegmund's
        correction for discretely monitored boundaries; Siegmund, 1985,
        *Sequential Analysis*, ch. X). Draws therefore come from the exact
        continuous model (`Angle.sample`, or `DDM.sample` at `theta = 0`) with
        both bounds moved out by that much and the start point kept in place:
        `a + 0.0184` and `z' = 1/2 + (z - 1/2) a / (a + 0.0184)`. For the
        `angle` network the result matches the simulator's samples (checked in
        the tests); for `ddm` the same correction is applied but has not been
        checked against the simulator.

        Parameters
        ----------
        key
            A JAX random key.
        params
            One array (or scalar) per name in `list_params`, of one common
            shape after broadcasting; one draw per element.

        Returns
        -------
        tuple of Array
            Response times in seconds (NaN where a parameter lies outside the
            network's bounds) and choices (-1 or +1), of that shape.

        Raises
        ------
        ValueError
            For networks other than `angle` and `ddm`, whose process has no
            sampler here.
        """
        if self.name not in ("angle", "ddm"):
            raise ValueError(
                f"`LAN({self.name!r}).sample`: sampling is available for the "
                "'angle' and 'ddm' networks only (it draws from the exact process "
                "the network approximates). Simulate other models with their "
                "own simulator, e.g. `ssms.basic_simulators.simulator.simulator`."
            )
        values = broadcast_params(params, tuple(self.list_params))
        valid = jnp.ones(values[0].shape, bool)
        for spec, value in zip(self.param_specs, values, strict=True):
            valid &= (value >= spec.lower) & (value <= spec.upper)
        named = dict(zip(self.list_params, values, strict=True))
        slope = jnp.tan(named["theta"]) if self.name == "angle" else 0.0 * named["a"]
        a = named["a"] + _EULER_OVERSHOOT
        z = 0.5 + (named["z"] - 0.5) * named["a"] / a
        rt, choice = sample_linear_bounds(key, named["v"], a, z, named["t"], slope)
        return jnp.where(valid, rt, jnp.nan), choice
