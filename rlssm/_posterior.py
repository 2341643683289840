"""Summaries of a sampled model's posterior."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def group_draws(hssm_model: Any) -> dict[str, np.ndarray]:
    """Posterior draws of each parameter for a typical participant.

    For every parameter with an intercept, the intercept's draws are mapped
    through the inverse of the parameter's link: the parameter's value when
    every participant deviation (and covariate) is zero, on its natural scale.

    Parameters
    ----------
    hssm_model
        A sampled model (from `RLSSM.to_hssm(...).sample(...)`).

    Returns
    -------
    dict
        Parameter name to a flat array of draws (all chains).
    """
    import bambi as bmb

    posterior = hssm_model.traces.posterior
    draws = {}
    for name, param in hssm_model.params.items():
        intercept = f"{name}_Intercept"
        if intercept not in posterior:
            continue
        link = param.link if isinstance(param.link, bmb.Link) else bmb.Link(param.link)
        draws[name] = np.asarray(link.linkinv(posterior[intercept].to_numpy())).ravel()
    return draws


def row_draws(
    hssm_model: Any,
    n_draws: int | None = None,
    seed: int = 0,
    *,
    traces: Any = None,
) -> dict[str, np.ndarray]:
    """Posterior draws of every parameter's value on every row of the data.

    HSSM computes each parameter's value per row from its regression (group
    intercept, participant deviation, covariates) and link; this reads them
    for `n_draws` posterior draws, in the form `predict_one_step`,
    `predict_closed_loop` and `latent_summary` take.

    Parameters
    ----------
    hssm_model
        A sampled model (from `RLSSM.to_hssm(data).sample(...)`).
    n_draws
        How many posterior draws to take, at random without replacement from
        all chains; all of them if None.
    seed
        Seed of the random choice of draws.
    traces
        The `DataTree` (or `InferenceData`) to read the posterior from, e.g. one
        saved from an earlier `sample()` of the same model and data with
        `traces.to_netcdf(path)` and loaded with `xarray.open_datatree(path)`;
        by default the model's own `traces`.

    Returns
    -------
    dict
        Parameter name to an array of shape `(n_draws, n_rows)`, rows in the
        order of the data given to `to_hssm`. A parameter fixed to a number
        (e.g. `include=[{"name": "theta", "prior": 0.2}]`) gives that number
        on every row.

    Raises
    ------
    ValueError
        If the model has not been sampled (and no `traces` are given), or
        `n_draws` exceeds the draws there are.

    Warns
    -----
    UserWarning
        If the model has a lapse mixture (`p_outlier`), which the draws leave
        out.
    """
    if traces is None:
        try:
            traces = hssm_model.traces
        except ValueError:
            raise ValueError(
                "The model has not been sampled yet; call `.sample()` first, or "
                "pass `traces=`."
            ) from None
    posterior = traces["posterior"].to_dataset()
    available = posterior.sizes["chain"] * posterior.sizes["draw"]
    if n_draws is not None and not 1 <= n_draws <= available:
        raise ValueError(
            f"`n_draws` must be between 1 and the {available} posterior draws "
            f"there are, got {n_draws}."
        )
    # Choose the draws first, so that HSSM computes per-row values for them only;
    # they become one chain of n_draws draws.
    chosen = (
        np.arange(available)
        if n_draws is None
        else np.sort(
            np.random.default_rng(seed).choice(available, n_draws, replace=False)
        )
    )
    flat = posterior.stack(sample=("chain", "draw")).isel(sample=chosen)
    flat = flat.drop_vars(["sample", "chain", "draw"]).rename(sample="draw")
    subset = traces.copy()
    subset["posterior"] = (
        flat.assign_coords(draw=np.arange(len(chosen)))
        .expand_dims(chain=[0])
        .transpose("chain", "draw", ...)
    )
    tree = hssm_model.add_likelihood_parameters_to_datatree(subset, inplace=False)
    computed = tree["posterior"].to_dataset().isel(chain=0)
    n_rows = len(hssm_model.data)
    draws = {}
    names = [name for name in hssm_model.list_params if name != "p_outlier"]
    if len(names) < len(hssm_model.list_params):
        warnings.warn(
            "The model has a lapse mixture (`p_outlier`); the draws leave it out, "
            "so predictions from them simulate the RLSSM without lapses.",
            stacklevel=2,
        )
    for name in names:
        if name in computed:
            value = computed[name].transpose("draw", ...).to_numpy()
        else:
            value = np.full(len(chosen), float(hssm_model.params[name].prior))
        draws[name] = np.broadcast_to(
            value.reshape(len(chosen), -1), (len(chosen), n_rows)
        ).copy()
    return draws
