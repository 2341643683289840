"""PyTensor Ops that wrap a JAX log-likelihood and its vector-Jacobian product.

The forward Op evaluates the likelihood with a jitted JAX function; its
`pullback` emits the VJP Op, so PyMC's gradient-based samplers work with the
default (C/Python) backend. Both Ops are registered with PyTensor's JAX linker,
so when a model is sampled through numpyro or blackjax the likelihood is traced
into the same XLA program as the rest of the model, with no call back into Python.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import grad_not_implemented, grad_undefined
from pytensor.graph import Apply, Op
from pytensor.link.jax.dispatch import jax_funcify


class LogpOp(Op):
    """Per-trial log-likelihood `f(*params)` as a PyTensor Op.

    The node's inputs are `(data, *params, *extra)`, the calling convention HSSM
    uses for likelihoods: `data` is the `(n, 2)` array of rt and response and
    `extra` are extra fields. The likelihood itself is bound to its data set
    when it is made (`RLSSM.to_hssm` builds it from the validated panel), so
    `data` is only checked against `check_data` and `extra` is ignored;
    gradients flow to `params` only.

    Parameters
    ----------
    logp
        A JAX function of the parameters returning one log-likelihood per trial.
    n_params
        How many inputs after `data` are parameters.
    check_data
        Called with the concrete `data` array before every Python-side
        evaluation; raises if the data differ from those the Op was made for.
    """

    def __init__(
        self,
        logp: Callable[..., jax.Array],
        n_params: int,
        check_data: Callable[[np.ndarray], None],
    ) -> None:
        self.logp = logp
        self.n_params = n_params
        self.check_data = check_data
        self.jitted = jax.jit(logp)
        self.vjp_op = LogpVJPOp(logp)

    def make_node(self, data, *inputs) -> Apply:  # noqa: D102
        inputs = [pt.as_tensor_variable(data), *map(pt.as_tensor_variable, inputs)]
        return Apply(self, inputs, [pt.vector(dtype=inputs[1].dtype)])

    def perform(self, node, inputs, output_storage) -> None:  # noqa: D102
        self.check_data(np.asarray(inputs[0]))
        logp = self.jitted(*inputs[1 : 1 + self.n_params])
        output_storage[0][0] = np.asarray(logp, dtype=node.outputs[0].dtype)

    def pullback(self, inputs, outputs, cotangents) -> list:  # noqa: D102
        params = inputs[1 : 1 + self.n_params]
        grads = self.vjp_op(*params, cotangents[0])
        grads = grads if isinstance(grads, list) else [grads]
        extra = range(1 + self.n_params, len(inputs))
        return [
            grad_not_implemented(self, 0, inputs[0]),
            *grads,
            *(grad_undefined(self, i, inputs[i]) for i in extra),
        ]

    def do_constant_folding(self, fgraph, node) -> bool:  # noqa: D102
        return False


class LogpVJPOp(Op):
    """Vector-Jacobian product of a `LogpOp`'s function: `(*params, gz) -> grads`.

    Parameters
    ----------
    logp
        The JAX function of the parameters whose VJP is computed.
    """

    def __init__(self, logp: Callable[..., jax.Array]) -> None:
        self.logp = logp
        self.jitted = jax.jit(self.vjp)

    def vjp(self, *inputs) -> tuple[jax.Array, ...]:
        """Return the gradient of `gz @ logp(*params)` for each parameter."""
        *params, gz = inputs
        _, pullback = jax.vjp(self.logp, *params)
        return pullback(gz)

    def make_node(self, *inputs) -> Apply:  # noqa: D102
        inputs = list(map(pt.as_tensor_variable, inputs))
        return Apply(self, inputs, [param.type() for param in inputs[:-1]])

    def perform(self, node, inputs, output_storage) -> None:  # noqa: D102
        for storage, grad, out in zip(
            output_storage, self.jitted(*inputs), node.outputs, strict=True
        ):
            storage[0] = np.asarray(grad, dtype=out.dtype)

    def do_constant_folding(self, fgraph, node) -> bool:  # noqa: D102
        return False


@jax_funcify.register(LogpOp)
def _logp_op_to_jax(op: LogpOp, **kwargs) -> Callable:
    def logp(data, *inputs):
        return op.logp(*inputs[: op.n_params])

    return logp


@jax_funcify.register(LogpVJPOp)
def _vjp_op_to_jax(op: LogpVJPOp, node, **kwargs) -> Callable:
    def vjp(*inputs):
        grads = op.vjp(*inputs)
        return tuple(grads) if len(node.outputs) > 1 else grads[0]

    return vjp
