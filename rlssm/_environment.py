"""Task environments: where the feedback of simulated choices comes from."""

from __future__ import annotations

from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int


class _GaussianArms(eqx.Module):
    """Arm `k` pays `Normal(means[k], sds[k])`."""

    means: Float[Array, " n_arms"]
    sds: Float[Array, " n_arms"]

    def draw(self, key: Array, arm: Int[ArrayLike, ""]) -> Float[Array, ""]:
        mean = self.means[arm]
        return mean + self.sds[arm] * jax.random.normal(key, (), mean.dtype)


class _BernoulliArms(eqx.Module):
    """Arm `k` pays 1 with probability `means[k]`, else 0."""

    means: Float[Array, " n_arms"]

    def draw(self, key: Array, arm: Int[ArrayLike, ""]) -> Float[Array, ""]:
        mean = self.means[arm]
        return (jax.random.uniform(key, (), mean.dtype) < mean).astype(mean.dtype)


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
    arms
        The arms' reward distributions before any reversal.
    reversals
        Sorted trial indices at which the arms' parameters are reversed.

    Examples
    --------
    >>> import jax
    >>> env = Bandit.bernoulli([0.75, 0.25], reversals=[50])
    >>> env.arm_means(10).tolist(), env.arm_means(50).tolist()
    ([0.75, 0.25], [0.25, 0.75])
    >>> float(env.reward(jax.random.key(0), 10, 0)) in (0.0, 1.0)
    True
    """

    arms: _GaussianArms | _BernoulliArms
    reversals: tuple[int, ...] = eqx.field(static=True)

    def __init__(
        self,
        arms: _GaussianArms | _BernoulliArms,
        reversals: Sequence[int] | None = None,
    ) -> None:
        if arms.means.ndim != 1 or arms.means.size < 2:
            raise ValueError(
                f"A Bandit needs one reward parameter per arm, at least 2 arms; "
                f"got shape {arms.means.shape}."
            )
        reversals = tuple(int(n) for n in (reversals or ()))
        if any(n < 0 for n in reversals) or len(set(reversals)) != len(reversals):
            raise ValueError(
                "`Bandit(reversals=...)` must be distinct, non-negative trial "
                f"indices, got {reversals}."
            )
        self.arms = arms
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
        means, sds = np.asarray(means, float), np.asarray(sds, float)
        if sds.shape != means.shape:
            raise ValueError(
                f"`Bandit.gaussian(sds=...)` must give one value per arm: means have "
                f"shape {means.shape}, sds {sds.shape}."
            )
        if not (sds > 0).all():
            raise ValueError(f"`Bandit.gaussian(sds=...)` must be positive: {sds}.")
        return cls(_GaussianArms(jnp.asarray(means), jnp.asarray(sds)), reversals)

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
        probs = np.asarray(probs, float)
        if not ((probs >= 0) & (probs <= 1)).all():
            raise ValueError(
                f"`Bandit.bernoulli(probs=...)` must lie in [0, 1]: {probs}."
            )
        return cls(_BernoulliArms(jnp.asarray(probs)), reversals)

    @property
    def n_arms(self) -> int:
        """Number of arms (options)."""
        return self.arms.means.shape[0]

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
        means = self.arms.means
        return jnp.where(self._reversed(trial), means[::-1], means)

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
        return self.arms.draw(key, arm)
