"""The dyad's numbers: one typed record made from a scenario, the one conversion there is.

:class:`Params` is what the target's programme (:mod:`backscratch.dyad.stage`), the kernels
(:mod:`backscratch.dyad._kernels`, which read its fields by name) and the coercion
tournament (:mod:`backscratch.tournaments.coercion`) take; nothing else turns a scenario into
numbers. The per-period inputs of a schedule (which instrument, whether a guarantor holds
the goods) are the :class:`~backscratch.dyad.policies.InstrumentPlan`'s.
"""

from __future__ import annotations

from typing import NamedTuple

from backscratch.dyad.policies import DEMAND_RULES
from backscratch.dyad.scenario import Scenario


class Params(NamedTuple):
    """Every parameter of the dyad as a number (see ``docs/scenario-fields.md`` for each).

    The demand at belief ``mu`` is ``demand_a + demand_b * mu`` (the demand rule's
    coefficients); ``cost_threat_*`` is each type's cost per unit of complying under a threat
    (material cost plus resolve), ``cost_offer_*`` without one (material cost plus the share
    ``cost_resolve_link`` of resolve), ``cost`` the material cost alone.
    """

    value: float
    demand: float
    demand_a: float
    demand_b: float
    cost: float
    resolve_pliable: float
    resolve_resolute: float
    cost_threat_pliable: float
    cost_threat_resolute: float
    cost_offer_pliable: float
    cost_offer_resolute: float
    cost_resolve_link: float
    prior_pliable: float
    noise: float
    punishment: float
    punishment_per_unit: float
    credibility: float
    execution_cost: float
    price: float
    reliability: float
    guarantor: bool
    guaranteed_reliability: float
    third_parties: int
    entry_cost: float
    entry_noise: float
    entry_best_response: bool
    """Whether entrants expect the target's actual replies (``third_parties.entry``)."""
    entrant_offers: bool
    """Whether entrants offer instead of threatening (``third_parties.instrument``)."""
    entrant_choose: bool
    """Whether entrants choose each period between a threat and an offer."""
    entrants_update: bool
    """Whether the target's encounters with entrants update the public belief (entrants
    then come after the demander's exchange; ``third_parties.update_belief``)."""
    hedging_base: float
    threat_sensitivity: float
    relationship_sensitivity: float
    productivity: float
    rollback: float
    latency_cost: float
    choice: bool
    """Whether the target chooses its capacity (``hedging.mode: choice``)."""
    capacity_cost: float
    deterrence: float
    demand_rollback: float
    demand_freeze: bool
    """Whether a complied demand freezes latency for the period (``hedging.demand_freeze``)."""
    demand_cap: float
    """Latency a complied demand caps the stock at (``hedging.demand_cap``; inf: none)."""
    latency_max: float
    investment_observed: bool
    """Whether observers read the target's type from its capacity (``hedging.investment_observed``)."""
    capacity_noise: float
    """Scale of the shock to each capacity level's payoff when it is observed (``hedging.capacity_noise``)."""
    ship_out: float = 0.0
    """Latency shipped out this period (a schedule's dated event; 0 otherwise)."""
    dismantle: float = 0.0
    """Capacity dismantled this period (a dated event)."""
    destroy: float = 0.0
    """Share of capacity a strike destroys this period (a dated event)."""
    strike: float = 0.0
    """1.0 if D carries out its threat this period whatever T does (a dated event)."""
    latency_cap: float = float("inf")
    """Cap on the latency stock in force this period (inf: none)."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        """The numbers of ``scenario``."""
        d, t, th, o = scenario.demander, scenario.target, scenario.threat, scenario.offer
        tp, h = scenario.third_parties, scenario.hedging
        a, b = DEMAND_RULES[d.demand_rule](d.demand, d.demand_floor).coefficients()
        return cls(
            value=d.value,
            demand=d.demand,
            demand_a=a,
            demand_b=b,
            cost=t.cost,
            resolve_pliable=t.resolve_pliable,
            resolve_resolute=t.resolve_resolute,
            cost_threat_pliable=t.cost + t.resolve_pliable,
            cost_threat_resolute=t.cost + t.resolve_resolute,
            cost_offer_pliable=t.cost + t.cost_resolve_link * t.resolve_pliable,
            cost_offer_resolute=t.cost + t.cost_resolve_link * t.resolve_resolute,
            cost_resolve_link=t.cost_resolve_link,
            prior_pliable=t.prior_pliable,
            noise=t.noise,
            punishment=th.punishment,
            punishment_per_unit=th.punishment_per_unit,
            credibility=th.credibility,
            execution_cost=th.execution_cost,
            price=o.price,
            reliability=o.reliability,
            guarantor=scenario.mediation.guarantor,
            guaranteed_reliability=max(o.reliability, scenario.mediation.reliability),
            third_parties=tp.count,
            entry_cost=tp.entry_cost,
            entry_noise=tp.noise,
            entry_best_response=tp.entry == "best_response",
            entrant_offers=tp.instrument == "offer",
            entrant_choose=tp.instrument == "choose",
            entrants_update=tp.update_belief,
            hedging_base=h.base,
            threat_sensitivity=h.threat_sensitivity,
            relationship_sensitivity=h.relationship_sensitivity,
            productivity=h.productivity,
            rollback=h.rollback,
            latency_cost=h.cost_to_demander,
            choice=h.mode == "choice",
            capacity_cost=h.capacity_cost,
            deterrence=h.deterrence,
            demand_rollback=h.demand_rollback,
            demand_freeze=h.demand_freeze,
            demand_cap=float("inf") if h.demand_cap is None else h.demand_cap,
            latency_max=h.latency_max,
            investment_observed=h.investment_observed,
            capacity_noise=h.capacity_noise,
        )

    def punishment_at(self, x):
        """Harm of a carried-out threat backing a demand ``x`` (a number or an array): the
        lump sum plus the per-unit part (the kernels inline the same sum)."""
        return self.punishment + self.punishment_per_unit * x

    @property
    def threat_costs(self) -> tuple[float, float]:
        """(pliable, resolute) cost per unit of complying under a threat."""
        return (self.cost_threat_pliable, self.cost_threat_resolute)

    @property
    def offer_costs(self) -> tuple[float, float]:
        """(pliable, resolute) cost per unit of complying without a threat: ``cost`` plus
        the share ``target.cost_resolve_link`` of the type's resolve."""
        return (self.cost_offer_pliable, self.cost_offer_resolute)

    def reliability_with(self, guarantor: bool) -> float:
        """The offer's reliability with or without a guarantor holding the goods."""
        return self.guaranteed_reliability if guarantor else self.reliability
