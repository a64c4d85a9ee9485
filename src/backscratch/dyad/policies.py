"""Demander strategies: which instrument to attach to a demand, and how large to make it.

An instrument policy says, period by period, whether the demand comes with a threat, an offer,
both or nothing. A demand rule says how large the demand is given the public belief ``mu``
that the target is pliable. Both are public: the target and observers know them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from backscratch.dyad.codes import DEFAULT_POLICIES as DEFAULT_POLICIES  # re-exported
from backscratch.dyad.codes import OFFER, THREAT


class InstrumentPolicy:
    """Base class: a fixed instrument attached to a demand in every period."""

    name: ClassVar[str]
    threat: ClassVar[bool]
    offer: ClassVar[bool]
    classifier: ClassVar[dict] = {"memory_depth": 0, "stochastic": False, "inspects_belief": False}

    def instruments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """Boolean arrays ``(threat[t], offer[t])`` for ``t`` in ``range(horizon)``."""
        return np.full(horizon, self.threat), np.full(horizon, self.offer)

    @classmethod
    def code(cls) -> int:
        """The instrument code recorded per period: THREAT | OFFER bits."""
        return THREAT * cls.threat + OFFER * cls.offer


class Blackmail(InstrumentPolicy):
    """Threaten: "I will do Z, which hurts you and which I would not otherwise do, unless you do Y".

    Every demand carries a threat of punishment ``threat.punishment``, carried out with
    probability ``threat.credibility`` if the target resists. Oye, "The Domain of Choice"
    (1979); Oye, *Economic Discrimination and Political Exchange* (1992).
    """

    name = "blackmail"
    threat = True
    offer = False


class Backscratching(InstrumentPolicy):
    """Pay: "I will do X, which you want and which I would not otherwise do, if you do Y".

    Every demand carries an offer of ``offer.price`` per unit of concession, delivered with
    probability ``offer.reliability`` once the target complies. Oye (1979, 1992); applied to
    Iran by Walt, "On Iran, try backscratching, not blackmail" (Foreign Policy, 2013).
    """

    name = "backscratching"
    threat = False
    offer = True


class Mixed(InstrumentPolicy):
    """Diplomacy backed by pressure: every demand carries both the offer and the threat.

    The combination Walt (2013) describes as US policy towards Iran ("carrots and sticks").
    """

    name = "mixed"
    threat = True
    offer = True


class NoDemand(InstrumentPolicy):
    """Make no demand at all: the baseline against which threats and offers are defined.

    Oye (1979): blackmail and backscratching are both defined relative to what each side
    would do without the linkage.
    """

    name = "none"
    threat = False
    offer = False


POLICIES: dict[str, type[InstrumentPolicy]] = {
    p.name: p for p in (Blackmail, Backscratching, Mixed, NoDemand)
}
"""Every instrument policy, by name: the one list of the dyad's policy names."""

POLICY_NAMES: tuple[str, ...] = tuple(POLICIES)

EVENTS: dict[str, float] = {
    "ship_out": 0.0, "dismantle": 0.0, "destroy": 0.0, "strike": 0.0,
    "latency_cap": float("inf"),
}  # fmt: skip
"""The dated events a schedule entry may carry, as :class:`~backscratch.dyad.params.Params`
fields with their value in a period without one: stock shipped out, capacity dismantled, the
share of capacity a strike destroys and the strike itself (in the entry's first period), and
a cap on the stock (every period until the next entry)."""

TERMS: tuple[str, ...] = ("credibility", "punishment", "price", "reliability")
"""The terms a schedule entry may set from its date (``threat.credibility``,
``threat.punishment``, ``offer.price``, ``offer.reliability``), as fields of both the entry
and :class:`~backscratch.dyad.params.Params`."""


@dataclass(frozen=True)
class InstrumentPlan:
    """What the demander attaches to its demand in each period: the policy made concrete.

    ``threat``, ``offer`` and ``guarantor`` are boolean arrays over periods; ``name`` is the
    policy or schedule it came from. ``terms`` holds a schedule's dated terms, one float
    array over periods per overridden field of :data:`TERMS` (NaN: the scenario's value);
    empty for a constant policy.
    """

    name: str
    threat: np.ndarray
    offer: np.ndarray
    guarantor: np.ndarray
    terms: dict[str, np.ndarray] = field(default_factory=dict)
    events: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def codes(self) -> np.ndarray:
        """Instrument code per period: THREAT | OFFER bits."""
        return (THREAT * self.threat + OFFER * self.offer).astype(np.int8)

    @classmethod
    def constant(cls, policy: str, horizon: int, guarantor: bool = False) -> InstrumentPlan:
        """The same policy in every period."""
        threat, offer = POLICIES[policy]().instruments(horizon)
        return cls(policy, threat, offer, np.full(horizon, guarantor))

    @classmethod
    def scheduled(cls, name, default, entries, calendar, horizon, guarantor=False):
        """A dated schedule: ``default`` policy until the first entry, each entry from its
        date (the period containing it) until the next; entries past the horizon are unused."""
        policy = np.array([default] * horizon, dtype=object)
        guard = np.full(horizon, guarantor)
        terms = {k: np.full(horizon, np.nan) for k in TERMS}
        events = {k: np.full(horizon, v) for k, v in EVENTS.items()}
        for entry in entries:
            t0 = max(0, calendar.period_of(entry.date))
            policy[t0:] = entry.policy
            guard[t0:] = guarantor if entry.guarantor is None else entry.guarantor
            for k in TERMS:  # each entry's terms hold until the next entry
                value = getattr(entry, k)
                terms[k][t0:] = np.nan if value is None else value
            events["latency_cap"][t0:] = np.inf if entry.cap is None else entry.cap
            if t0 < horizon:  # one-off events happen in the entry's first period
                events["ship_out"][t0] = entry.ship_out
                events["dismantle"][t0] = entry.dismantle
                events["strike"][t0] = 1.0 if entry.strike else 0.0
                events["destroy"][t0] = entry.strike_destroys
        threat = np.array([POLICIES[p].threat for p in policy], dtype=bool)
        offer = np.array([POLICIES[p].offer for p in policy], dtype=bool)
        used = {k: v for k, v in terms.items() if not np.isnan(v).all()}
        happen = {k: v for k, v in events.items() if (v != EVENTS[k]).any()}
        return cls(name, threat, offer, guard, used, happen)


class DemandRule:
    """Base class: the demand is affine in the public belief, ``x(mu) = a + b * mu``."""

    name: ClassVar[str]
    classifier: ClassVar[dict]

    def __init__(self, size: float, floor: float):
        self.size = float(size)
        self.floor = float(floor)

    def coefficients(self) -> tuple[float, float]:
        """``(a, b)`` with ``x(mu) = a + b * mu``."""
        raise NotImplementedError

    def demand(self, mu):
        """Demand size at belief ``mu`` (scalar or array)."""
        a, b = self.coefficients()
        return a + b * np.asarray(mu, dtype=float)


class FixedDemand(DemandRule):
    """Always demand ``demander.demand``, whatever the target has done.

    The benchmark demander of repeated-game treatments with a stationary stake (Axelrod 1984).
    """

    name = "fixed"
    classifier: ClassVar[dict] = {"memory_depth": 0, "stochastic": False, "inspects_belief": False}

    def coefficients(self) -> tuple[float, float]:
        return self.size, 0.0


class LearningDemand(DemandRule):
    """Set the demand from the public belief that the target is pliable.

    ``x(mu) = demand * (floor + (1 - floor) * mu)``: a target that looks weak is asked for
    more, one that has shown resolve is asked for only ``floor * demand``. This is the
    reputational channel of Walt's escalation claim (giving in invites more demands) and of
    the chain-store literature (Kreps & Wilson 1982; Milgrom & Roberts 1982), where challengers
    condition on the incumbent's reputation. Since the belief is updated by Bayes' rule, the
    demander "learns" from every response.
    """

    name = "learning"
    classifier: ClassVar[dict] = {
        "memory_depth": float("inf"),
        "stochastic": False,
        "inspects_belief": True,
    }

    def coefficients(self) -> tuple[float, float]:
        return self.size * self.floor, self.size * (1.0 - self.floor)


DEMAND_RULES: dict[str, type[DemandRule]] = {r.name: r for r in (FixedDemand, LearningDemand)}
"""Every demand rule, by name."""

DEMAND_RULE_NAMES: tuple[str, ...] = tuple(DEMAND_RULES)
