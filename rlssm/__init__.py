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
from ._plots import learning_curve as learning_curve
from ._plots import plot_learning_curve as plot_learning_curve
from ._plots import plot_rt_quantiles as plot_rt_quantiles
from ._plots import rt_quantiles as rt_quantiles
from ._posterior import group_draws as group_draws
from ._posterior import row_draws as row_draws
from ._predictive import latent_summary as latent_summary
from ._predictive import predict_closed_loop as predict_closed_loop
from ._predictive import predict_one_step as predict_one_step
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
    "latent_summary",
    "learning_curve",
    "plot_learning_curve",
    "plot_rt_quantiles",
    "predict_closed_loop",
    "predict_one_step",
    "row_draws",
    "rt_quantiles",
    "simulate",
    "simulate_trials",
]
