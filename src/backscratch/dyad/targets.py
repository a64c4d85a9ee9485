"""Target strategies: the probability that each type complies, period by period, given the belief.

A target strategy maps the stage game (see :class:`backscratch.dyad.stage.StageGame`) to a
table ``p[t, type, g]``: the probability that a target of type ``type`` (0 pliable,
1 resolute) complies in period ``t`` when the public belief is the ``g``-th grid point. The
public knows the strategy, so the same table drives Bayes updating of the belief.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np


class TargetStrategy:
    """Base class of target strategies."""

    name: ClassVar[str]
    classifier: ClassVar[dict]

    def compliance(self, stage, shadow: float) -> np.ndarray:
        """Compliance probabilities ``p[t, type, g]`` for the stage game ``stage``."""
        raise NotImplementedError

    def discount(self, shadow: float) -> float:
        """The discount factor the target decides with (its programme's, and its capacity's
        under ``hedging.mode: choice``)."""
        return shadow


class ForwardLooking(TargetStrategy):
    """Weigh today's cost of complying against the reputation it protects and the trade it attracts.

    The pliable type is strategic: it maximises its expected discounted payoff (discount =
    shadow of the future), knowing that the demander sizes later demands from the public
    belief and that the belief moves by Bayes' rule with what it does now. The resolute type
    is the commitment ("tough") type of Kreps & Wilson (1982) and Milgrom & Roberts (1982):
    it complies only when this period's terms pay — or, with ``target.resolute:
    strategic``, forward-looking too, both types' replies a joint fixed point in each
    period (``_kernels.solve_period_both``). Solved by backward induction (dynamic
    programming) over the public belief on a grid, with private logistic payoff shocks
    (Harsanyi 1973 purification); within each period the pliable type's mixing and the Bayes
    posteriors it implies are a fixed point. A concession under threat makes the target look
    pliable and invites larger demands, so the pliable type resists to protect its
    reputation; under an offer, complying brings further offers (future trade), and when the
    offer covers every type's cost, compliance reveals a price, not weakness.
    """

    name = "forward_looking"
    classifier: ClassVar[dict] = {
        "forward_looking": True,
        "stochastic": True,
        "memory_depth": float("inf"),
        "rule_based": False,
    }

    def compliance(self, stage, shadow: float) -> np.ndarray:
        return stage.solve(discount=self.discount(shadow))


class Myopic(TargetStrategy):
    """Comply when complying pays this period (the dynamic programme with a zero discount).

    The "no future to protect" target: it ignores what its response does to its reputation
    and to later offers. Useful as the delta -> 0 limit (Oye 1985, shadow of the future).
    """

    name = "myopic"
    classifier: ClassVar[dict] = {
        "forward_looking": False,
        "stochastic": True,
        "memory_depth": 0,
        "rule_based": False,
    }

    def compliance(self, stage, shadow: float) -> np.ndarray:
        return stage.solve(discount=self.discount(shadow))

    def discount(self, shadow: float) -> float:
        return 0.0


class AlwaysComply(TargetStrategy):
    """Concede to every demand, whatever is attached to it (a rule-based baseline).

    The coercion-game counterpart of Axelrod's (1984) unconditional cooperator (ALL-C). Both
    types comply, so observers learn nothing: the belief never moves.
    """

    name = "always_comply"
    classifier: ClassVar[dict] = {
        "forward_looking": False,
        "stochastic": False,
        "memory_depth": 0,
        "rule_based": True,
    }

    def compliance(self, stage, shadow: float) -> np.ndarray:
        return np.ones(stage.table_shape)


class AlwaysResist(TargetStrategy):
    """Refuse every demand, whatever is attached to it (a rule-based baseline).

    The counterpart of Axelrod's (1984) unconditional defector (ALL-D), and of the target
    Walt (2013) describes under threats. Both types resist, so observers learn nothing: the
    belief never moves.
    """

    name = "always_resist"
    classifier: ClassVar[dict] = {
        "forward_looking": False,
        "stochastic": False,
        "memory_depth": 0,
        "rule_based": True,
    }

    def compliance(self, stage, shadow: float) -> np.ndarray:
        return np.zeros(stage.table_shape)


TARGETS: dict[str, type[TargetStrategy]] = {
    s.name: s for s in (ForwardLooking, Myopic, AlwaysComply, AlwaysResist)
}
"""Every target strategy, by name."""

TARGET_NAMES: tuple[str, ...] = tuple(TARGETS)
