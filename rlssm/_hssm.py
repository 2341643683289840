"""The bridge to HSSM: default parameters, the likelihood Op and `hssm.HSSM`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import hssm
import jax.numpy as jnp
import numpy as np
import pandas as pd

from ._params import ParamSpec
from ._pytensor import LogpOp

if TYPE_CHECKING:
    from ._model import RLSSM

INTERCEPT_SD = 1.5
"""Prior sd of every group intercept, on the link scale."""

GROUP_SD_SCALE = 0.5
"""Scale of the half-normal prior on the sd of participant deviations (link scale)."""

RT_MARGIN = 1e-3
"""How far (seconds) below the fastest response time the bound on `t` is put."""


_NOT_SIMULATED = (
    "HSSM simulates from the decision model alone, trial by trial, without the "
    "learning that drives the decision parameters; for an RLSSM that would be "
    "wrong, so rlssm does it instead: `rlssm.predict_one_step(model, data, draws, "
    "key)` (learning follows the observed choices) or `rlssm.predict_closed_loop("
    "model, data, draws, env, key)` (new agents do the task), with `draws = "
    "rlssm.row_draws(hssm_model)`{extra}."
)


class RLSSMHSSM(hssm.HSSM):
    """The `hssm.HSSM` that `RLSSM.to_hssm` builds.

    It is an `hssm.HSSM` in every respect but one: HSSM's own predictive
    sampling (which would ignore learning) raises an error that points to
    rlssm's. Posterior draws of the per-row parameters
    (`kind="response_params"`) still come from HSSM.
    """

    def sample_posterior_predictive(  # noqa: D417 (HSSM's parameters)
        self,
        dt: Any = None,
        data: pd.DataFrame | None = None,
        inplace: bool = True,
        include_group_specific: bool = True,
        kind: str = "response",
        draws: Any = None,
        safe_mode: bool = True,
    ) -> Any:
        """Raise for `kind="response"`; see `rlssm.predict_one_step`.

        Raises
        ------
        NotImplementedError
            Always, unless `kind="response_params"`.
        """
        if kind == "response_params":
            return super().sample_posterior_predictive(
                dt, data, inplace, include_group_specific, kind, draws, safe_mode
            )
        raise NotImplementedError(_NOT_SIMULATED.format(extra=""))

    def sample_prior_predictive(self, *args: Any, **kwargs: Any) -> Any:
        """Raise; simulate data with `rlssm.simulate` at parameters of your choice.

        Prior draws of the parameters alone come from PyMC:
        `pm.sample_prior_predictive(model=hssm_model.pymc_model, var_names=[...])`.

        Raises
        ------
        NotImplementedError
            Always.
        """
        raise NotImplementedError(
            _NOT_SIMULATED.format(
                extra=", or `rlssm.simulate(model, params, env, n_participants, "
                "n_trials, key)` at given parameters"
            )
        )


def link_for(spec: ParamSpec) -> tuple[Any, float]:
    """Link function keeping `spec` inside its bounds, and its default on that scale.

    Both bounds finite: HSSM's generalised logit; only a lower bound of 0: log;
    no bounds: identity.
    """
    lower, upper, default = spec.lower, spec.upper, spec.default
    if math.isfinite(lower) and math.isfinite(upper):
        share = (default - lower) / (upper - lower)
        return hssm.Link("gen_logit", bounds=(lower, upper)), math.log(
            share / (1 - share)
        )
    if lower == 0.0 and upper == math.inf:
        return "log", math.log(default)
    if (lower, upper) == (-math.inf, math.inf):
        return "identity", default
    raise ValueError(
        f"No default link for {spec.name} with bounds {spec.bounds}; give its "
        "`hssm.Param` yourself with `include=[...]`."
    )


def fitting_specs(model: RLSSM, data: pd.DataFrame) -> tuple[ParamSpec, ...]:
    """Return the model's parameter records, with `t` bounded below the fastest rt.

    A non-decision time above any response time makes that trial impossible and
    the posterior surface a cliff; bounding `t` by the data keeps every trial
    possible wherever the sampler goes.
    """
    specs = []
    for spec in model.param_specs:
        if spec.name == "t":
            upper = min(spec.upper, float(data[model.columns["rt"]].min()) - RT_MARGIN)
            lower = spec.lower if math.isfinite(spec.lower) else 0.0
            default = min(spec.default, (lower + upper) / 2)
            spec = ParamSpec("t", lower=lower, upper=upper, default=default)
        specs.append(spec)
    return tuple(specs)


def default_params(model: RLSSM, data: pd.DataFrame) -> list[hssm.Param]:
    """One hierarchical `hssm.Param` per parameter of `model`.

    Each parameter is `x ~ 1 + (1|participant)`, with a link that keeps it inside
    its bounds (see `link_for`), a Normal prior on the intercept centred on the
    parameter's default (on the link scale), and non-centred participant
    deviations with a half-normal prior on their sd.

    Parameters
    ----------
    model
        The model.
    data
        The data it will be fitted to (the bound on `t` depends on it).

    Returns
    -------
    list of hssm.Param
        In `model.list_params` order.
    """
    participant = model.columns["participant_id"]
    params = []
    for spec in fitting_specs(model, data):
        link, centre = link_for(spec)
        prior = {
            "Intercept": {"name": "Normal", "mu": centre, "sigma": INTERCEPT_SD},
            f"1|{participant}": {
                "name": "Normal",
                "mu": 0.0,
                "sigma": {"name": "HalfNormal", "sigma": GROUP_SD_SCALE},
            },
        }
        params.append(
            hssm.Param(
                spec.name,
                formula=f"{spec.name} ~ 1 + (1|{participant})",
                prior=prior,
                link=link,
                bounds=spec.bounds,
            )
        )
    return params


def _name_of(param: Any) -> str:
    return param["name"] if isinstance(param, dict) else param.name


def to_hssm(model: RLSSM, data: pd.DataFrame, **hssm_kwargs: Any) -> RLSSMHSSM:
    """Build an `hssm.HSSM` for `model` and `data`; see `RLSSM.to_hssm`."""
    panel = model.panel(data)
    columns = model.columns
    include: Sequence[Any] = hssm_kwargs.pop("include", None) or []
    unknown = [_name_of(p) for p in include if _name_of(p) not in model.list_params]
    if unknown:
        raise ValueError(
            f"`include` names {unknown}, which are not parameters of the model "
            f"{model.list_params}."
        )
    overridden = {_name_of(p) for p in include}
    defaults = [p for p in default_params(model, data) if p.name not in overridden]
    frame = data.rename(columns={columns["rt"]: "rt", columns["response"]: "response"})
    expected = frame[["rt", "response"]].to_numpy(dtype=float)

    def check_data(observed: np.ndarray) -> None:
        same = observed.shape == expected.shape and np.allclose(
            observed, expected, equal_nan=True
        )
        if not same:
            raise ValueError(
                "The likelihood is bound to the data `to_hssm` was given; build a "
                "new model with `RLSSM.to_hssm(new_data)` for other data."
            )

    names = tuple(model.list_params)

    def logp(*values):
        params = {
            n: jnp.reshape(v, ()) if jnp.size(v) == 1 else v
            for n, v in zip(names, values, strict=True)
        }
        return model.logp(panel, params)

    bounds = {spec.name: spec.bounds for spec in fitting_specs(model, data)}
    model_config = {
        "list_params": list(names),
        "bounds": bounds,
        "backend": "jax",
        "choices": sorted({int(c) for c in expected[panel.observed_rows, 1]}),
        "response": ["rt", "response"],
        "extra_fields": [],
    }
    # HSSM's own initial values assume identity links (e.g. a_Intercept = 1.5);
    # with our links the prior centres, the components' defaults, are the start.
    hssm_kwargs.setdefault("process_initvals", False)
    # No lapse mixture unless asked for: with `t` bounded by the data no trial is
    # impossible, and a fixed lapse makes flat regions where NUTS warm-up stalls.
    hssm_kwargs.setdefault("p_outlier", None)
    return RLSSMHSSM(
        data=frame,
        model="rlssm",
        model_config=model_config,
        loglik=LogpOp(logp, len(names), check_data),
        loglik_kind="approx_differentiable",
        include=[*defaults, *include],
        **hssm_kwargs,
    )
