"""Task environments: where the feedback of simulated choices comes from."""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int

_DISTRIBUTIONS = ("gaussian", "bernoulli")


class Bandit(eqx.Module):
    """A K-armed bandit with Gaussian or Bernoulli rewards and optional reversals.

    Choosing arm `k` on trial `n` gives a reward drawn independently from
    arm `k`'s distribution at trial `n`: `Normal(means[k], sds[k])` or
    `Bernoulli(probs[k])` (feedback 1.0 or 0.0). Build one with
    `Bandit.gaussian` or `Bandit.bernoulli`.

    Reversals: `reversals` lists the (0-based) trials at which the arms' reward
    parameters are permuted by reversing their order, so that arm `k` takes
    the parameters of arm `K - 1 - k` (for two arms: the good and the bad arm
    swap). The reversal applies from that trial on; an even number of
    reversals restores the original order. The rldm data set's environment is
    `Bandit.gaussian([0.2, 0.8], [0.1, 0.1])`; a probabilistic reversal-learning
    task is e.g. `Bandit.bernoulli([0.8, 0.2], reversals=[100, 200])`.

    Attributes
    ----------
    distribution
        `"gaussian"` or `"bernoulli"`.
    means
        Expected reward of each arm before any reversal (the Gaussian means,
        or the Bernoulli probabilities).
    sds
        Standard deviation of each arm's Gaussian reward (zeros for Bernoulli).
    reversals
        Sorted trial indices at which the arms' parameters are reversed.

    Examples
    --------
    >>> import jax
    >>> env = Bandit.bernoulli([0.9, 0.1], reversals=[50])
    >>> env.arm_means(10).tolist(), env.arm_means(50).tolist()
    ([0.9, 0.1], [0.1, 0.9])
    >>> float(env.reward(jax.random.key(0), 10, 0)) in (0.0, 1.0)
    True
    """

    distribution: str = eqx.field(static=True)
    means: Float[Array, " n_arms"]
    sds: Float[Array, " n_arms"]
    reversals: tuple[int, ...] = eqx.field(static=True)

    def __init__(
        self,
        distribution: str,
        means: Float[ArrayLike, " n_arms"],
        sds: Float[ArrayLike, " n_arms"],
        reversals: Sequence[int] | None = None,
    ) -> None:
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"`Bandit(distribution=...)` must be one of {_DISTRIBUTIONS}, got "
                f"{distribution!r}."
            )
        means = np.asarray(means, float)
        sds = np.asarray(sds, float)
        if means.ndim != 1 or means.size < 2:
            raise ValueError(
                f"A Bandit needs one reward parameter per arm, at least 2 arms; "
                f"got shape {means.shape}."
            )
        if sds.shape != means.shape:
            raise ValueError(
                f"`Bandit.gaussian(sds=...)` must give one value per arm: means have "
                f"shape {means.shape}, sds {sds.shape}."
            )
        if distribution == "gaussian" and not (sds > 0).all():
            raise ValueError(f"`Bandit.gaussian(sds=...)` must be positive: {sds}.")
        if distribution == "bernoulli" and not ((means >= 0) & (means <= 1)).all():
            raise ValueError(
                f"`Bandit.bernoulli(probs=...)` must lie in [0, 1]: {means}."
            )
        reversals = tuple(int(n) for n in (reversals or ()))
        if any(n < 0 for n in reversals) or len(set(reversals)) != len(reversals):
            raise ValueError(
                "`Bandit(reversals=...)` must be distinct, non-negative trial "
                f"indices, got {reversals}."
            )
        self.distribution = distribution
        self.means = jnp.asarray(means)
        self.sds = jnp.asarray(sds)
        self.reversals = tuple(sorted(reversals))

    @classmethod
    def gaussian(
        cls,
        means: Float[ArrayLike, " n_arms"],
        sds: Float[ArrayLike, " n_arms"],
        reversals: Sequence[int] | None = None,
    ) -> Bandit:
        """Build a bandit whose arm `k` pays `Normal(means[k], sds[k])`.

        Parameters
        ----------
        means
            Mean reward of each arm.
        sds
            Standard deviation of each arm's reward (positive).
        reversals
            Trials from which the arms' parameters are reversed in order.

        Returns
        -------
        Bandit
            The environment.
        """
        return cls("gaussian", means, sds, reversals)

    @classmethod
    def bernoulli(
        cls,
        probs: Float[ArrayLike, " n_arms"],
        reversals: Sequence[int] | None = None,
    ) -> Bandit:
        """Build a bandit whose arm `k` pays 1 with probability `probs[k]`, else 0.

        Parameters
        ----------
        probs
            Reward probability of each arm, in [0, 1].
        reversals
            Trials from which the arms' parameters are reversed in order.

        Returns
        -------
        Bandit
            The environment.
        """
        return cls("bernoulli", probs, np.zeros(len(probs)), reversals)

    @property
    def n_arms(self) -> int:
        """Number of arms (options)."""
        return self.means.shape[0]

    def _reversed(self, trial: Int[ArrayLike, ""]) -> Array:
        """Whether the arms are in reversed order on `trial`."""
        if not self.reversals:
            return jnp.asarray(False)
        passed = jnp.sum(jnp.asarray(trial) >= jnp.asarray(self.reversals))
        return passed % 2 == 1

    def arm_means(self, trial: Int[ArrayLike, ""]) -> Float[Array, " n_arms"]:
        """Return the expected reward of each arm on `trial` (after any reversals).

        Parameters
        ----------
        trial
            0-based trial index.

        Returns
        -------
        Array
            One expected reward per arm.
        """
        return jnp.where(self._reversed(trial), self.means[::-1], self.means)

    def reward(
        self, key: Array, trial: Int[ArrayLike, ""], choice: Int[ArrayLike, ""]
    ) -> Float[Array, ""]:
        """Draw the feedback for choosing arm `choice` on trial `trial`.

        Parameters
        ----------
        key
            A JAX random key.
        trial
            0-based trial index (decides which reversals have happened).
        choice
            Index of the chosen arm, `0 .. n_arms - 1`.

        Returns
        -------
        Array
            The reward, a float scalar (0.0 or 1.0 for Bernoulli arms).
            Jit- and vmap-able in all arguments.
        """
        reversed_ = self._reversed(trial)
        arm = jnp.where(reversed_, self.n_arms - 1 - choice, choice)
        mean, sd = self.means[arm], self.sds[arm]
        if self.distribution == "bernoulli":
            return (jax.random.uniform(key, (), mean.dtype) < mean).astype(mean.dtype)
        return mean + sd * jax.random.normal(key, (), mean.dtype)
