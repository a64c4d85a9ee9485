"""Players of the iterated coercion game: demander and target strategies for tournaments.

:mod:`backscratch.strategies.demanders` and :mod:`backscratch.strategies.targets` hold the
strategies of the reputation model (``backscratch run``), where the target's play is solved by
dynamic programming over a public belief. The classes here are instead rules that condition
on the history of the match, as in Axelrod's tournaments, and meet each other in
:func:`backscratch.tournaments.coercion.tournament`. The stage game is the dyad's (see
:class:`backscratch.dyad.params.Params`): each round the demander asks for a concession and
attaches a threat, an offer, both or nothing; the target complies or resists.

Every rule is vectorised over the runs (repetitions) of a match: ``h`` is the match history
(:class:`backscratch.tournaments.coercion.History`, arrays ``[round, run]`` of the rounds played so
far) and ``u`` one uniform random number per run for this decision. Every class has a
docstring with its source and a ``classifier`` by which tools select strategies, e.g.
``[n for n, s in DEMANDERS.items() if s.classifier["uses_offers"]]``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np


def _demander(**kw) -> dict:
    base = {
        "role": "demander",
        "stochastic": False,
        "memory_depth": 0,
        "uses_threats": False,
        "uses_offers": False,
        "first_instrument": "none",
        "learns": False,
    }
    return {**base, **kw}


def _target(**kw) -> dict:
    base = {
        "role": "target",
        "stochastic": False,
        "memory_depth": 0,
        "responds_to_threats": False,
        "responds_to_offers": False,
        "type_dependent": False,
        "guards_reputation": False,
    }
    return {**base, **kw}


class CoercionDemander:
    """Base class: ``move`` returns ``(threat, offer, pressure)`` arrays over runs; pressure
    multiplies the punishment a threat promises (1 = the scenario's ``threat.punishment``)."""

    name: ClassVar[str]
    classifier: ClassVar[dict]

    def move(self, h, terms, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    @staticmethod
    def constant(runs: int, threat: bool, offer: bool, pressure: float = 1.0):
        return np.full(runs, threat), np.full(runs, offer), np.full(runs, pressure)


class AlwaysThreaten(CoercionDemander):
    """Blackmail every round: "I will do Z, which hurts you, unless you do Y". Oye (1979),
    "The Domain of Choice"; Oye (1992), *Economic Discrimination and Political Exchange*."""

    name = "always_threaten"
    classifier = _demander(uses_threats=True, first_instrument="threat")

    def move(self, h, terms, u):
        return self.constant(h.runs, True, False)


class AlwaysOffer(CoercionDemander):
    """Backscratching every round: "I will do X, which you want, if you do Y". Oye (1979,
    1992); Walt (2013), "On Iran, try backscratching, not blackmail", *Foreign Policy*."""

    name = "always_offer"
    classifier = _demander(uses_offers=True, first_instrument="offer")

    def move(self, h, terms, u):
        return self.constant(h.runs, False, True)


class Pressure(CoercionDemander):
    """Diplomacy backed by pressure: an offer and a threat with every demand ("carrots and
    sticks" at once). Walt (2013); Baldwin (1971), "The Power of Positive Sanctions", *World
    Politics* 24:1."""

    name = "pressure"
    classifier = _demander(uses_threats=True, uses_offers=True, first_instrument="both")

    def move(self, h, terms, u):
        return self.constant(h.runs, True, True)


class EscalatingPressure(CoercionDemander):
    """Threaten, and raise the threatened punishment by ``step`` after every resistance (up
    to ``cap`` times the base punishment): ratcheting sanctions. Schelling (1966), *Arms and
    Influence* (the diplomacy of violence, compellence by escalation); Drezner (1999), *The
    Sanctions Paradox*."""

    name = "escalating_pressure"
    classifier = _demander(uses_threats=True, first_instrument="threat", memory_depth=float("inf"))

    def __init__(self, step: float = 0.5, cap: float = 3.0):
        self.step, self.cap = float(step), float(cap)

    def move(self, h, terms, u):
        resisted = (~h.complied[: h.t]).sum(axis=0)
        pressure = np.minimum(self.cap, 1.0 + self.step * resisted)
        return np.full(h.runs, True), np.full(h.runs, False), pressure


class Reciprocal(CoercionDemander):
    """Tit for tat in instruments: open with an offer, then reward last round's compliance
    with an offer and punish its resistance with a threat. Axelrod (1984); Keohane (1986),
    "Reciprocity in International Relations", *International Organization* 40:1."""

    name = "reciprocal"
    classifier = _demander(
        uses_threats=True, uses_offers=True, first_instrument="offer", memory_depth=1
    )

    def move(self, h, terms, u):
        if h.t == 0:
            return self.constant(h.runs, False, True)
        complied = h.complied[h.t - 1]
        return ~complied, complied.copy(), np.ones(h.runs)


class CarrotThenStick(CoercionDemander):
    """Offer first; once the target has refused ``patience`` offers, threaten for the rest
    of the match. George (1991), *Forceful Persuasion* (coercive diplomacy: try inducement,
    then pressure); Baldwin (1971)."""

    name = "carrot_then_stick"
    classifier = _demander(
        uses_threats=True, uses_offers=True, first_instrument="offer", memory_depth=float("inf")
    )

    def __init__(self, patience: int = 2):
        self.patience = int(patience)

    def move(self, h, terms, u):
        refused = ((~h.complied[: h.t]) & h.offer[: h.t]).sum(axis=0)
        stick = refused >= self.patience
        return stick, ~stick, np.ones(h.runs)


class StickThenCarrot(CoercionDemander):
    """Threaten first; once the target has resisted ``patience`` threats, switch to offers
    for the rest of the match. George (1991), *Forceful Persuasion*; Baldwin (1971)."""

    name = "stick_then_carrot"
    classifier = _demander(
        uses_threats=True, uses_offers=True, first_instrument="threat", memory_depth=float("inf")
    )

    def __init__(self, patience: int = 2):
        self.patience = int(patience)

    def move(self, h, terms, u):
        resisted = ((~h.complied[: h.t]) & h.threat[: h.t]).sum(axis=0)
        carrot = resisted >= self.patience
        return ~carrot, carrot, np.ones(h.runs)


class LearningDemander(CoercionDemander):
    """Learn which instrument pays: threaten or offer, choosing the one with the higher mean
    payoff so far (each tried once first, ties broken at random) and exploring at random with
    probability ``epsilon``. The ε-greedy action-value learner of Sutton & Barto (2018),
    *Reinforcement Learning*, ch. 2; in games, Erev & Roth (1998), *American Economic Review*
    88:4."""

    name = "learning"
    classifier = _demander(
        uses_threats=True,
        uses_offers=True,
        first_instrument="either",
        stochastic=True,
        memory_depth=float("inf"),
        learns=True,
    )

    def __init__(self, epsilon: float = 0.1):
        self.epsilon = float(epsilon)

    def move(self, h, terms, u):
        t = h.t
        pay = h.payoff_demander[:t]
        threat_rounds = h.threat[:t] & ~h.offer[:t]
        offer_rounds = h.offer[:t] & ~h.threat[:t]
        n_t, n_o = threat_rounds.sum(axis=0), offer_rounds.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            q_t = np.where(n_t > 0, (pay * threat_rounds).sum(axis=0) / n_t, np.inf)
            q_o = np.where(n_o > 0, (pay * offer_rounds).sum(axis=0) / n_o, np.inf)
        # one uniform per run: below epsilon explore (threat iff u < epsilon / 2), else exploit;
        # ties go to the threat iff u lies in the upper half of the exploit range
        explore = u < self.epsilon
        tie_threat = u >= (1.0 + self.epsilon) / 2
        greedy_threat = (q_t > q_o) | ((q_t == q_o) & tie_threat)
        threat = np.where(explore, u < self.epsilon / 2, greedy_threat)
        return threat, ~threat, np.ones(h.runs)


class BareDemand(CoercionDemander):
    """Demand without linkage: neither threat nor offer (the baseline of Oye 1979, against
    which blackmail and backscratching are defined)."""

    name = "bare_demand"
    classifier = _demander(first_instrument="none")

    def move(self, h, terms, u):
        return self.constant(h.runs, False, False)


class CoercionTarget:
    """Base class: ``respond`` returns ``comply`` (bool per run) to this round's demand.

    ``resolve`` is the target's private extra cost per unit of complying under a threat
    (its type: ``target.resolve_pliable`` or ``target.resolve_resolute``), per run."""

    name: ClassVar[str]
    classifier: ClassVar[dict]

    def respond(self, h, terms, threat, offer, pressure, resolve, u) -> np.ndarray:
        raise NotImplementedError


class AlwaysResist(CoercionTarget):
    """Refuse every demand (ALL D of the target's side; Axelrod 1984). Rule-based twin of
    :class:`backscratch.strategies.targets.AlwaysResist`."""

    name = "always_resist"
    classifier = _target()

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        return np.zeros(h.runs, dtype=bool)


class AlwaysComply(CoercionTarget):
    """Concede to every demand (ALL C; Axelrod 1984). Rule-based twin of
    :class:`backscratch.strategies.targets.AlwaysComply`."""

    name = "always_comply"
    classifier = _target()

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        return np.ones(h.runs, dtype=bool)


class ComplyIfCheap(CoercionTarget):
    """Comply when complying costs less than resisting this round: the expected reward minus
    the cost of the concession (with its resolve cost under a threat) against the expected
    punishment. The myopic target of Sechser (2010), "Goliath's Curse", *International
    Organization* 64:4 (accept iff the demand costs less than the threatened war)."""

    name = "comply_if_cheap"
    classifier = _target(responds_to_threats=True, responds_to_offers=True, type_dependent=True)

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        x = terms.demand
        own = resolve * np.where(threat, 1.0, terms.cost_resolve_link)
        comply = -(terms.cost + own) * x + offer * terms.reliability * terms.price * x
        resist = -np.where(
            threat, terms.credibility * terms.punishment_at(terms.demand) * pressure, 0.0
        )
        return comply >= resist


class ReputationGuarding(CoercionTarget):
    """Never give in to a threat — a concession under threat makes a state look weak and
    invites further demands, by the demander and by others — but sell a concession for a
    price that covers its cost. Walt (2013); Kreps & Wilson (1982), *J. Econ. Theory* 27
    (the tough type of the chain store); Sechser (2010) on reputation costs of compliance."""

    name = "reputation_guarding"
    classifier = _target(responds_to_threats=True, responds_to_offers=True, guards_reputation=True)

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        pays = terms.reliability * terms.price >= terms.cost + terms.cost_resolve_link * resolve
        return offer & ~threat & pays


class Reciprocator(CoercionTarget):
    """Tit for tat on the target's side: comply in the first round, then comply iff the
    demander's previous demand came without a threat. Axelrod (1984); Keohane (1986),
    *International Organization* 40:1."""

    name = "reciprocator"
    classifier = _target(responds_to_threats=True, memory_depth=1)

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        if h.t == 0:
            return np.ones(h.runs, dtype=bool)
        return ~h.threat[h.t - 1]


class PriceTaker(CoercionTarget):
    """Trade at a price: comply iff an offer is attached whose expected value covers the
    target's cost of complying without a threat (the material cost, plus the share
    ``target.cost_resolve_link`` of its resolve), ignoring threats altogether. Oye (1992) on political
    exchange; Walt (2013): accepting payment reveals "willing to cooperate if adequately
    compensated"."""

    name = "price_taker"
    classifier = _target(responds_to_offers=True)

    def respond(self, h, terms, threat, offer, pressure, resolve, u):
        return offer & (
            terms.reliability * terms.price >= terms.cost + terms.cost_resolve_link * resolve
        )


DEMANDERS: dict[str, type[CoercionDemander]] = {
    s.name: s
    for s in (
        AlwaysThreaten,
        AlwaysOffer,
        Pressure,
        EscalatingPressure,
        Reciprocal,
        CarrotThenStick,
        StickThenCarrot,
        LearningDemander,
        BareDemand,
    )
}
"""Demander strategies of the coercion tournament, by name."""

TARGETS: dict[str, type[CoercionTarget]] = {
    s.name: s
    for s in (
        AlwaysResist,
        AlwaysComply,
        ComplyIfCheap,
        ReputationGuarding,
        Reciprocator,
        PriceTaker,
    )
}
"""Target strategies of the coercion tournament, by name."""
