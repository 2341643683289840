"""Summaries of a sampled model's posterior."""

from __future__ import annotations

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
