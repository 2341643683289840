"""Reference RLSSM log-likelihoods computed with HSSM's own RL machinery.

This test helper evaluates the per-trial log-likelihood of HSSM 0.5's named
RLSSM model ``2AB_RW_Angle`` (Rescorla-Wagner two-armed bandit learner driving
the drift of an angle-model LAN) so that an independent implementation can be
compared against it.

Nothing here re-implements the likelihood. The configuration is the one
``hssm.rl.RLSSM(data, model="2AB_RW_Angle")`` builds
(``hssm.rl.registry.get_rlssm_model_config``, which wraps the ``ssms.rl``
preset via ``RLSSMConfig.from_ssms_model``), and the likelihood is the PyTensor
Op that ``hssm.rl.rlssm._RLSSM.__init__`` builds from it with
``hssm.rl.likelihoods.builder.make_rl_logp_op``, called with the same
arguments.  The only deviation is that the angle LAN is loaded from a local
ONNX file instead of being downloaded from HuggingFace: the base SSM
log-likelihood is built with HSSM's own
``hssm.rl.registry._make_ssm_base_logp_from_onnx`` and temporarily placed in
HSSM's SSM log-likelihood cache while the config is assembled.

The values returned are the raw per-trial outputs of that Op, i.e. what
HSSM's distribution receives *before* its post-processing (lapse mixture with
``p_outlier``, the ``rt <= t`` floor of -66.1 and the regression-bounds floor
of -66.1 in ``hssm.distribution_utils.dist.make_distribution``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

MODEL_NAME = "2AB_RW_Angle"
"""Name of the HSSM / ``ssms.rl`` RLSSM preset evaluated by this module."""

DECISION_PROCESS = "angle"
"""Decision process (SSM) of :data:`MODEL_NAME`."""

PARTICIPANT_COL = "participant_id"
"""Column of ``data`` identifying participants."""

TRIAL_COL = "trial"
"""Column of ``data`` giving the within-participant trial order (optional)."""


@functools.lru_cache(maxsize=4)
def _rlssm_config(network: Path) -> Any:
    """Build HSSM's ``RLSSMConfig`` for ``2AB_RW_Angle`` with a local LAN.

    Parameters
    ----------
    network : Path
        Existing local path to the angle LAN in ONNX format.

    Returns
    -------
    hssm.rl.config.RLSSMConfig
        The config ``get_rlssm_model_config("2AB_RW_Angle")`` returns, whose
        ``ssm_logp_func`` evaluates the LAN stored at ``network``.

    """
    from hssm.rl import registry

    # The spec only records the modelconfig entry; its ONNX factory is lazy, so
    # nothing is downloaded here.
    spec = registry._build_ssm_spec_from_modelconfig(DECISION_PROCESS)
    # A PathLike (not a str) makes HSSM's loader raise instead of falling back
    # to a HuggingFace download if the file were missing.
    base_logp = registry._make_ssm_base_logp_from_onnx(
        network,  # type: ignore[arg-type]
        list(spec["list_params_ssm"]),
        list(spec["response"]),
    )
    # ``RLSSMConfig.from_ssms_model`` fetches the decision-process logp through
    # ``registry._get_ssm_logp``, which consults this cache first.  patch.dict
    # restores the cache afterwards, so HSSM's global state is left untouched.
    with mock.patch.dict(registry._SSM_LOGP_CACHE, {DECISION_PROCESS: base_logp}):
        config = registry.get_rlssm_model_config(MODEL_NAME)
    config.validate()
    return config


@functools.lru_cache(maxsize=8)
def _rlssm_logp_op(network: Path, n_participants: int, n_trials: int) -> Any:
    """Build the PyTensor Op exactly as ``hssm.rl.rlssm._RLSSM.__init__`` does.

    Parameters
    ----------
    network : Path
        Existing local path to the angle LAN in ONNX format.
    n_participants : int
        Number of participants in the balanced panel.
    n_trials : int
        Number of trials per participant.

    Returns
    -------
    hssm.distribution_utils.jax.LANLogpOp
        Op with signature ``op(data, *list_params, *extra_fields)``.

    """
    from hssm.rl.likelihoods.builder import make_rl_logp_op

    config = _rlssm_config(network)
    return make_rl_logp_op(
        ssm_logp_func=config.ssm_logp_func,
        n_participants=n_participants,
        n_trials=n_trials,
        data_cols=list(config.response),
        list_params=list(config.list_params),
        extra_fields=list(config.extra_fields or []),
    )


def _params_table(
    params_subj: pd.DataFrame | Mapping[str, Any], participant_ids: np.ndarray
) -> pd.DataFrame:
    """Return the per-participant parameters as a frame indexed by participant.

    Parameters
    ----------
    params_subj : pandas.DataFrame or Mapping
        Either a DataFrame with one row per participant (indexed by participant
        id, or with a ``participant_id`` column), or a mapping from parameter
        name to a sequence whose k-th entry belongs to the k-th participant in
        ascending ``participant_id`` order (the ``params_true_subj`` format).
    participant_ids : numpy.ndarray
        Sorted unique participant ids present in the data.

    Returns
    -------
    pandas.DataFrame
        One row per participant id, one column per parameter.

    """
    if isinstance(params_subj, pd.DataFrame):
        table = params_subj
        if PARTICIPANT_COL in table.columns:
            table = table.set_index(PARTICIPANT_COL)
        return table
    columns = {
        name: np.asarray(values, dtype=float).reshape(-1)
        for name, values in params_subj.items()
    }
    for name, values in columns.items():
        if values.size != participant_ids.size:
            raise ValueError(
                f"params_subj[{name!r}] has {values.size} entries but the data "
                f"has {participant_ids.size} participants."
            )
    return pd.DataFrame(columns, index=participant_ids)


def hssm_rw_angle_logp(
    data: pd.DataFrame,
    params_subj: pd.DataFrame | Mapping[str, Any],
    network: str | Path,
) -> np.ndarray:
    """Per-trial log-likelihood of HSSM 0.5's own RLSSM model ``2AB_RW_Angle``.

    The likelihood is the PyTensor Op that ``hssm.rl.RLSSM`` builds for
    ``model="2AB_RW_Angle"`` (Rescorla-Wagner learner with ``q0 = (0.5, 0.5)``
    and ``v = scaler * (q[1] - q[0])`` feeding the angle LAN), evaluated at the
    given per-participant parameters.  Responses coded 0/1 are recoded to the
    -1/+1 labels the model expects; HSSM's (``ssms.rl``) learner then maps the
    labels to option indices with ``response_to_choice = {-1: 0, 1: 1}``.

    Parameters
    ----------
    data : pandas.DataFrame
        Trial data with columns ``participant_id``, ``rt``, ``response`` (0/1
        or -1/+1) and ``feedback``; a ``trial`` column, when present, fixes the
        within-participant order (otherwise the row order does).  Every
        participant must have the same number of trials.  The frame is not
        modified.
    params_subj : pandas.DataFrame or Mapping
        Per-participant values of ``rl_alpha``, ``scaler``, ``a``, ``z``,
        ``t`` and ``theta``: a DataFrame indexed by participant id (or with a
        ``participant_id`` column), or a mapping from parameter name to an
        array ordered by ascending participant id, such as the
        ``params_true_subj`` entry of ``rldm_data.npy``.
    network : str or pathlib.Path
        Local path to the angle LAN ONNX file (e.g.
        ``/work/shared/networks/angle.onnx``).  Nothing is downloaded.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(len(data),)`` with the log-likelihood of each
        row of ``data``, in ``data``'s row order.  Precision follows HSSM's
        defaults: importing HSSM (PyTensor's JAX backend with
        ``floatX="float64"``) turns ``jax_enable_x64`` on, so the learner and
        the LAN run on float64 inputs.  No lapse mixture, ``rt <= t`` floor or
        bounds floor is applied (see the module docstring).

    Raises
    ------
    FileNotFoundError
        If ``network`` does not exist.
    ValueError
        If columns, responses, participants or parameters are missing or
        invalid, or if the data do not form a balanced panel.

    """
    from hssm.rl.utils import validate_balanced_panel

    network_path = Path(network).expanduser().resolve()
    if not network_path.is_file():
        raise FileNotFoundError(f"ONNX network not found: {network_path}")

    config = _rlssm_config(network_path)
    data_cols = list(config.response)  # ["rt", "response"]
    list_params = list(config.list_params)  # rl_alpha, scaler, a, z, t, theta
    extra_fields = list(config.extra_fields or [])  # ["feedback"]

    missing_cols = [
        col
        for col in [PARTICIPANT_COL, *data_cols, *extra_fields]
        if col not in data.columns
    ]
    if missing_cols:
        raise ValueError(f"data is missing column(s): {missing_cols}")

    # Put each participant's trials contiguously and in trial order (what the
    # RL Op requires), remembering how to restore the caller's row order.
    pids = data[PARTICIPANT_COL].to_numpy()
    if TRIAL_COL in data.columns:
        order = np.lexsort((data[TRIAL_COL].to_numpy(), pids))
    else:
        order = np.argsort(pids, kind="stable")
    frame = data.iloc[order].reset_index(drop=True)  # a copy; caller's frame intact

    response = frame["response"].to_numpy(dtype=float)
    response = np.where(response == 0.0, -1.0, response)
    invalid = np.setdiff1d(np.unique(response), np.asarray(config.choices, float))
    if invalid.size:
        raise ValueError(
            f"Responses must be coded 0/1 or {tuple(config.choices)}; "
            f"found {invalid.tolist()}."
        )
    frame["response"] = response

    n_participants, n_trials = validate_balanced_panel(frame, PARTICIPANT_COL)

    participant_ids = np.unique(pids)
    table = _params_table(params_subj, participant_ids)
    missing_params = [name for name in list_params if name not in table.columns]
    if missing_params:
        raise ValueError(f"params_subj is missing parameter(s): {missing_params}")
    missing_ids = sorted(set(participant_ids.tolist()) - set(table.index.tolist()))
    if missing_ids:
        raise ValueError(f"params_subj has no row for participant(s): {missing_ids}")
    per_trial = table.loc[frame[PARTICIPANT_COL].to_numpy(), list_params]
    param_arrays = [per_trial[name].to_numpy(dtype=float) for name in list_params]
    extra_arrays = [frame[name].to_numpy(dtype=float) for name in extra_fields]
    observed = frame[data_cols].to_numpy(dtype=float)

    op = _rlssm_logp_op(network_path, n_participants, n_trials)
    with warnings.catch_warnings():
        # PyTensor's numba linker runs the JAX-backed Op in object mode.
        warnings.filterwarnings(
            "ignore", message="Numba will use object mode", category=UserWarning
        )
        logp_sorted = np.asarray(
            op(observed, *param_arrays, *extra_arrays).eval(), dtype=np.float64
        )

    logp = np.empty_like(logp_sorted)
    logp[order] = logp_sorted
    return logp
