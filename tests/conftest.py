"""Shared test setup: local data and networks, and one JAX precision setting.

HSSM switches JAX to 64-bit mode when it is imported, so to keep results
independent of import order the whole session runs with x64 enabled; tests of
float32 behaviour pass float32 arrays explicitly.
"""

import os
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
NETWORKS = SHARED / "networks"
RLDM_DATA = SHARED / "data" / "rldm_data.npy"

os.environ.setdefault("RLSSM_NETWORKS_DIR", str(NETWORKS))
jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="session")
def rldm() -> dict:
    """The simulated 2-armed bandit data set with its ground truth."""
    return np.load(RLDM_DATA, allow_pickle=True).item()


@pytest.fixture(scope="session")
def rldm_data(rldm) -> pd.DataFrame:
    """Its trials (participant_id, trial, response 0/1, rt, feedback)."""
    return rldm["data"]


@pytest.fixture(scope="session")
def angle_lan():
    """The published angle network, loaded once."""
    import rlssm

    return rlssm.LAN("angle")
