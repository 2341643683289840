"""rlssm: reinforcement-learning sequential sampling models in JAX.

Learning rules, mappings and decision likelihoods are Equinox modules that
compose into an `RLSSM`, which derives the parameter list, the data fields and
a per-trial log-likelihood.
"""

from ._angle import Angle as Angle
from ._data import Panel as Panel
from ._ddm import DDM as DDM
from ._decision import LOGP_FLOOR as LOGP_FLOOR
from ._decision import AbstractDecision as AbstractDecision
from ._environment import Bandit as Bandit
from ._lan import LAN as LAN
from ._lan import find_network as find_network
from ._learning import AbstractLearningRule as AbstractLearningRule
from ._learning import AbstractValueLearning as AbstractValueLearning
from ._learning import DualAlpha as DualAlpha
from ._learning import RescorlaWagner as RescorlaWagner
from ._mapping import AbstractMapping as AbstractMapping
from ._mapping import Scaler as Scaler
from ._model import RLSSM as RLSSM
from ._params import ParamSpec as ParamSpec
from ._posterior import group_draws as group_draws
from ._simulate import simulate as simulate
from ._simulate import simulate_trials as simulate_trials

__all__ = [
    "DDM",
    "LAN",
    "LOGP_FLOOR",
    "RLSSM",
    "AbstractDecision",
    "AbstractLearningRule",
    "AbstractMapping",
    "AbstractValueLearning",
    "Angle",
    "Bandit",
    "DualAlpha",
    "Panel",
    "ParamSpec",
    "RescorlaWagner",
    "Scaler",
    "find_network",
    "group_draws",
    "simulate",
    "simulate_trials",
]
