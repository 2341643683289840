"""A custom learning rule: Rescorla-Wagner with forgetting of unchosen options.

The chosen option's value moves towards the feedback at rate `rl_alpha`; every
other option's value decays towards its starting value `q0` at rate `forget`
(cf. the forgetting Q-learning of Ito & Doya, 2009, J Neurosci 29:9861, which
decays towards 0). The class is the example
of the docs' how-to "Write your own learning rule", and `tests/test_learning.py`
tests this very class against a plain Python loop.
"""

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp

import rlssm


class ForgetfulRW(rlssm.AbstractValueLearning):
    """Rescorla-Wagner; the unchosen options decay towards `q0` at rate `forget`."""

    # One record per parameter: name, bounds, default. Everything else
    # (RLSSM.list_params, bounds, HSSM priors) is derived from these.
    param_specs: ClassVar = (
        rlssm.ParamSpec("rl_alpha", lower=0.0, upper=1.0, default=0.2),
        rlssm.ParamSpec("forget", lower=0.0, upper=1.0, default=0.1),
    )
    # The data columns `update` reads, by canonical name.
    data_columns: ClassVar = ("feedback",)
    # Fields: the starting value of every option and the number of options.
    q0: float = 0.5
    n_options: int = eqx.field(default=2, static=True)

    def update(self, state, params, choice, data):
        """Learn the chosen option's value; let the others decay towards `q0`."""
        chosen = jnp.arange(self.n_options) == choice
        learned = state + params["rl_alpha"] * (data["feedback"] - state)
        forgotten = state + params["forget"] * (self.q0 - state)
        return jnp.where(chosen, learned, forgotten)
