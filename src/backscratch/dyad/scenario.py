"""The dyad's scenario schema: every parameter of the coercion model as a documented field.

A scenario is plain data. Every model parameter is a field below, documented with its unit
and, where one exists, the literature it comes from. ``backscratch schema`` prints the same
documentation as a Markdown table (``docs/scenario-fields.md`` is that output). Loading,
overrides and one-line errors are the shared ones of :mod:`backscratch.core.schema`; this
schema registers there as the default model (``model: dyad``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from backscratch.core.schema import (
    TABLE_HEAD,
    NonNegative,
    Probability,
    ScenarioBase,
    Section,
    field_rows,
    register,
    section_reference,
)
from backscratch.dyad.policies import DEMAND_RULE_NAMES, POLICY_NAMES
from backscratch.dyad.targets import TARGET_NAMES

Policy = Literal[POLICY_NAMES]  # type: ignore[valid-type]
"""An instrument policy's name (:data:`backscratch.dyad.policies.POLICIES`)."""


class Demander(Section):
    """The state that wants a concession (D)."""

    name: str = Field("Demander", description="Label of the demanding state in outputs.")
    value: NonNegative = Field(
        2.0,
        description="Value to D of one unit of concession [payoff units per unit of demand].",
        json_schema_extra={"symbol": "v"},
    )
    demand_rule: Literal[DEMAND_RULE_NAMES] = Field(  # type: ignore[valid-type]
        "learning",
        description=(
            "How D sizes each demand: `fixed` always demands `demand`; `learning` scales the "
            "demand with the public belief that the target is pliable (see "
            "`backscratch.dyad.policies`) [choice]."
        ),
    )
    demand: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description=(
            "Demand made of a target believed surely pliable (mu = 1) [units of concession]. "
            "The fixed rule always demands this much."
        ),
        json_schema_extra={"symbol": "x"},
    )
    demand_floor: Probability = Field(
        0.3,
        description=(
            "Fraction of `demand` that the learning rule still asks of a target believed "
            "surely resolute (mu = 0) [fraction, 0-1]."
        ),
    )


class Target(Section):
    """The state asked to concede (T), whose resolve is private."""

    name: str = Field("Target", description="Label of the target state in outputs.")
    strategy: Literal[TARGET_NAMES] = Field(  # type: ignore[valid-type]
        "forward_looking",
        description=(
            "Target strategy (see `backscratch.dyad.targets`): `forward_looking` solves "
            "the reputation game by dynamic programming over the public belief; `myopic` "
            "weighs this period only; `always_comply` / `always_resist` are rule-based "
            "[choice]."
        ),
    )
    resolute: Literal["commitment", "strategic"] = Field(
        "commitment",
        description=(
            "What the resolute type is: `commitment`, the Kreps & Wilson (1982) / Milgrom & "
            'Roberts (1982) commitment ("tough") type, which complies when this period\'s '
            "terms pay; `strategic`, forward-looking like the pliable type (its reply weighs "
            "the reputation it protects too), both types' replies a joint fixed point in "
            "every period (docs/model.md, The target's equilibrium). Read with "
            "`target.strategy: forward_looking` [choice]."
        ),
    )
    prior_pliable: Probability = Field(
        0.5,
        description=(
            "Prior probability mu_0 that the target is the pliable type [probability]. "
            "Kreps & Wilson (1982); Milgrom & Roberts (1982)."
        ),
        json_schema_extra={"symbol": "μ₀"},
    )
    cost: NonNegative = Field(
        0.4,
        description=(
            "Material cost to the target of complying, common to both types [payoff units "
            "per unit of demand]."
        ),
        json_schema_extra={"symbol": "c"},
    )
    resolve_pliable: NonNegative = Field(
        0.0,
        description=(
            "Pliable type's extra cost of complying *under a threat* — the cost of being "
            "seen to bow to coercion [payoff units per unit of demand]. Sechser (2010): "
            "reputation costs of compliance with compellent threats."
        ),
    )
    resolve_resolute: NonNegative = Field(
        0.8,
        description=(
            "Resolute type's extra cost of complying under a threat, its private resolve "
            "[payoff units per unit of demand]. Must be at least `resolve_pliable`. With "
            "`cost_resolve_link` = 0 a paid concession without a threat carries no such "
            "cost, so the two types face the same offer (Walt 2013: a price, not weakness)."
        ),
    )
    cost_resolve_link: Probability = Field(
        0.0,
        description=(
            "Share kappa of each type's resolve that is also a private cost of complying "
            "without a threat: complying with an offer costs cost + kappa * resolve. 0: the "
            "types differ only in how they take threats (a paid yes reveals nothing by the "
            "payoffs); above 0 the cost of complying is correlated with resolve, so a paid "
            "yes reveals type too — the ratchet effect of Freixas, Guesnerie & Tirole (1985) "
            "and Laffont & Tirole (1988) [share]."
        ),
    )
    noise: Annotated[float, Field(gt=0.0)] = Field(
        0.08,
        description=(
            "Scale of the target's private per-period logistic payoff shock [payoff units]. "
            "It purifies the types' mixed strategies (Harsanyi 1973), so that beliefs move "
            "gradually; as it goes to 0 play approaches the pure separating/pooling outcome."
        ),
        json_schema_extra={"symbol": "s"},
    )

    @model_validator(mode="after")
    def _ordered_resolve(self) -> Target:
        if self.resolve_resolute < self.resolve_pliable:
            raise ValueError(
                f"resolve_resolute ({self.resolve_resolute}) must be >= resolve_pliable "
                f"({self.resolve_pliable}): the resolute type is the one that finds giving in "
                "to threats costlier"
            )
        return self


class Threat(Section):
    """Blackmail: "I will do Z, which hurts you, unless you do Y" (Oye 1979)."""

    punishment: NonNegative = Field(
        1.0,
        description=(
            "Harm done to the target if a threat is carried out, as a lump sum: P = "
            "punishment + punishment_per_unit * x for a demand x [payoff units]."
        ),
        json_schema_extra={"symbol": "P"},
    )
    punishment_per_unit: NonNegative = Field(
        0.0,
        description=(
            "Harm per unit of the demand backed, so that the threat scales with what it "
            "demands as an offer's reward does (0: a lump sum only) [payoff units per unit "
            "of demand]."
        ),
    )
    credibility: Probability = Field(
        0.6,
        description=(
            "Probability q that D carries out the threat when the target resists; otherwise D "
            "backs down [probability]. Schelling (1966); Sechser (2010)."
        ),
        json_schema_extra={"symbol": "q"},
    )
    execution_cost: NonNegative = Field(
        0.3,
        description=(
            "Cost to D of carrying out a threat, per unit of punishment inflicted (k: D loses "
            "k*P) [payoff units per unit of punishment]. Drezner (1998): sanctions hurt the "
            "sender too."
        ),
        json_schema_extra={"symbol": "k"},
    )


class Offer(Section):
    """Backscratching: "I will do X, which you want, if you do Y" (Oye 1979)."""

    price: NonNegative = Field(
        1.3,
        description=(
            "Reward R paid to the target per unit of concession when it complies [payoff "
            "units per unit of demand]."
        ),
        json_schema_extra={"symbol": "R"},
    )
    reliability: Probability = Field(
        0.9,
        description=(
            "Probability rho that a promised reward is actually delivered after the target "
            "complies (the promiser's commitment problem; a guarantor raises it) "
            "[probability]. Oye (1979); Walt (2013) on the 2010 Tehran Declaration."
        ),
        json_schema_extra={"symbol": "ρ"},
    )


ENTRY_RULES = ("rule", "best_response")
"""What an entrant expects of the target (``third_parties.entry``)."""

ENTRANT_INSTRUMENTS = ("threat", "offer", "choose")
"""What entrants attach to their demand (``third_parties.instrument``)."""


ENCOUNTER_COUNT_MAX = 100
"""Most third parties with ``third_parties.update_belief``: the target's programme sums over
every count of met and refused encounters, about ``count**2 / 2`` terms a belief."""


class ThirdParties(Section):
    """Other states that watch the target and may come with demands of their own, backed by
    threats or offers (``docs/model.md``, Third parties)."""

    count: Annotated[int, Field(ge=0, le=100_000)] = Field(
        0,
        description=(
            "Number M of potential third-party demanders watching the public history "
            "[count]. Each period each enters with a threat demand of its own with the entry "
            "probability below. Oye (1985): the number of players."
        ),
        json_schema_extra={"symbol": "M"},
    )
    entry_cost: NonNegative = Field(
        0.5,
        description=(
            "Cost to a third party of entering (making a demand) [payoff units]. A third "
            "party enters when its expected gain, mu * value * x(mu) - (1 - mu) * "
            "credibility * execution_cost * punishment - entry_cost, is positive (up to the "
            "entry noise): the chain-store logic of Kreps & Wilson (1982) and Milgrom & "
            "Roberts (1982), entry rising in the belief that the target is pliable."
        ),
    )
    noise: Annotated[float, Field(gt=0.0)] = Field(
        0.05,
        description=(
            "Scale of the logistic noise in third parties' entry decisions [payoff units]."
        ),
    )
    entry: Literal[ENTRY_RULES] = Field(  # type: ignore[valid-type]
        "rule",
        description=(
            "What an entrant expects of the target: `rule` that the pliable type gives in "
            "and the resolute type resists (the gain above); `best_response` each type's "
            "actual reply to its demand (the logit reply the target gives entrants), so "
            "entrants best-respond to equilibrium play: gain = sum over types of P(type) * "
            "(p_type * win - (1 - p_type) * loss) - entry_cost [choice]."
        ),
    )
    instrument: Literal[ENTRANT_INSTRUMENTS] = Field(  # type: ignore[valid-type]
        "threat",
        description=(
            "What entrants attach to their demand: `threat` (the scenario's punishment and "
            "credibility; win v*x, loss credibility * execution_cost * P if resisted) or "
            "`offer` (the scenario's `offer.price` and `offer.reliability`; win (v - "
            "reliability * price) * x, nothing lost if refused), or `choose`: each period "
            "whichever of the two has the larger expected gain at the public belief "
            "[choice]."
        ),
    )
    update_belief: bool = Field(
        False,
        description=(
            "Whether the public learns from the target's encounters with third parties: "
            "entrants then come after the demander's exchange, on the belief it left, and "
            "each demand the target meets or refuses updates the belief by Bayes' rule "
            "given both types' replies (the target answers entrants with its myopic logit "
            "reply; its programme with the demander counts what the encounters will "
            "reveal; so do the strategic resolute type's and, in the demander's-choice "
            "game, D's values). Off: entrants come first and their encounters reveal "
            "nothing. At most 100 third parties with it [choice]."
        ),
    )


HEDGING_MODES = ("rule", "choice")
"""How the target's capacity is set (``hedging.mode``)."""

CHOICE_ONLY = ("capacity_levels", "capacity_cost", "deterrence", "demand_rollback",
               "demand_freeze", "demand_cap", "latency_max", "investment_observed",
               "capacity_noise")  # fmt: skip
"""``hedging`` fields read only when the target chooses its capacity (``mode: choice``)."""

CHOOSING_TARGETS = ("forward_looking", "myopic")
"""Target strategies that can choose their capacity (``hedging.mode: choice``)."""

RULE_ONLY = ("initial_capacity", "base", "threat_sensitivity", "relationship_sensitivity")
"""``hedging`` fields read only by the behavioural rule (``mode: rule``)."""


class Hedging(Section):
    """The target's latent capability (e.g. enrichment): a deterrent that threats feed (§4).

    Two stocks: capacity K (think centrifuges) and the latent capability L it produces (think
    enriched material; breakout time shrinks as L grows). With ``mode: rule`` each period
    ``K <- max(0, K + base + threat_sensitivity * threat - relationship_sensitivity *
    relationship)`` and ``L <- max(0, L + productivity * K - rollback * honoured)``. With
    ``mode: choice`` the target chooses K each period in its dynamic programme, and L blunts
    the punishments it suffers (docs/model.md, Hedging and latency).
    """

    mode: Literal[HEDGING_MODES] = Field(  # type: ignore[valid-type]
        "rule",
        description=(
            "How capacity is set: `rule` by the behavioural rule of `base`, "
            "`threat_sensitivity` and `relationship_sensitivity` (the target's compliance "
            "does not see latency); `choice` by the target, each period, among "
            "`capacity_levels`, in the same dynamic programme as its compliance: latency "
            "blunts punishment (`deterrence`), capacity costs it `capacity_cost`, and a "
            "demand may be about the programme: a rollback (`demand_rollback`), a freeze "
            "(`demand_freeze`) or a cap (`demand_cap`) [choice]."
        ),
    )
    capacity_levels: Annotated[list[NonNegative], Field(min_length=1, max_length=64)] = Field(
        default_factory=lambda: [0.0, 0.25, 0.5, 0.75, 1.0],
        description=(
            "`mode: choice`: the capacity levels the target chooses among each period "
            "[capacity units]."
        ),
    )
    capacity_cost: NonNegative = Field(
        0.1,
        description=(
            "`mode: choice`: the target's cost of running one unit of capacity for a period "
            "[payoff units per capacity unit per period]."
        ),
    )
    deterrence: NonNegative = Field(
        0.0,
        description=(
            "`mode: choice`: how latency blunts punishment: a carried-out threat (the "
            "demander's or a third party's) harms a target holding latency L by "
            "P * exp(-deterrence * L) [per latency unit]. Latency as a deterrent: Debs & "
            "Monteiro (2014); Bas & Coe (2016)."
        ),
    )
    demand_rollback: NonNegative = Field(
        0.0,
        description=(
            "`mode: choice`: latency the target gives up when it complies with a demand: "
            "the demand is about the programme itself, a rollback of this much (0: it is "
            "not) [latency units per compliance]."
        ),
    )
    demand_freeze: bool = Field(
        False,
        description=(
            "`mode: choice`: a demand is also a freeze: in a period it complies, the target's "
            "latency may not grow (capacity it runs then produces nothing) [choice]."
        ),
    )
    demand_cap: NonNegative | None = Field(
        None,
        description=(
            "`mode: choice`: a demand is also a cap: in a period it complies, the target's "
            "latency ends at most this high, above it brought down to it (null: no cap) "
            "[latency units]."
        ),
    )
    investment_observed: bool = Field(
        False,
        description=(
            "`mode: choice`: whether observers read the target's type from the capacity it "
            "runs. On: each type runs a level by a logit choice (scale `capacity_noise`) on the "
            "belief as it stands, not manipulating what its level reveals, and the public "
            "belief is updated by Bayes' rule on the level seen; each type's value counts "
            "the belief its level will leave. Off: each type runs its best level and the "
            "belief ignores it (docs/model.md, Hedging and latency) [choice]."
        ),
    )
    capacity_noise: Annotated[float, Field(gt=0.0)] = Field(
        0.005,
        description=(
            "`investment_observed`: scale of the private logistic shock to each capacity "
            "level's payoff, which makes every level's posterior defined (at 0 a level no "
            "type runs would leave none) [payoff units]."
        ),
    )
    latency_max: Annotated[float, Field(gt=0.0)] = Field(
        2.0,
        description=(
            "`mode: choice`: top of the latency grid on which the target's programme is "
            "solved (`solver.latency_grid` points from 0); latency above it is valued as "
            "this much [latency units]."
        ),
    )

    initial: NonNegative = Field(
        0.0, description="Latent-capability stock L_0 at the start [latency units]."
    )
    initial_capacity: NonNegative = Field(
        0.0, description="Capacity K_0 at the start [capacity units]."
    )
    base: float = Field(
        0.0,
        description=(
            "Change in capacity per period with no threat and no relationship; negative: "
            "capacity decays or is dismantled [capacity units per period]."
        ),
    )
    threat_sensitivity: NonNegative = Field(
        0.0,
        description=(
            "Extra capacity built per unit of expected punishment faced this period (from "
            "the demander and every entered third party) [capacity units per payoff unit]. "
            "Narang (2017); Walt (2013): threats raise the value of a latent deterrent."
        ),
    )
    relationship_sensitivity: NonNegative = Field(
        0.0,
        description=(
            "Capacity forgone per unit of expected reward on offer this period "
            "[capacity units per payoff unit]: the value of the relationship."
        ),
    )
    productivity: NonNegative = Field(
        1.0,
        description=(
            "Latent capability produced per unit of capacity per period [latency units per "
            "capacity unit per period]."
        ),
    )
    rollback: NonNegative = Field(
        0.0,
        description=(
            "Latency given up for each honoured exchange (complied, reward delivered) "
            "[latency units per exchange]: rollback for relief, e.g. LEU shipped out in the "
            "2009 fuel-swap proposal."
        ),
    )
    threshold: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description=(
            "Threshold L* whose first crossing is recorded per run (think breakout "
            "capability) [latency units]."
        ),
        json_schema_extra={"symbol": "L*"},
    )
    cost_to_demander: NonNegative = Field(
        0.0,
        description="Demander's loss per unit of latency per period [payoff units per latency unit].",
    )


class Domestic(Section):
    """The demander's domestic politics (``docs/model.md``, Domestic politics)."""

    hawk_bias: NonNegative = Field(
        0.0,
        description=(
            "Hawk bias eta: weight in the leader's objective on toughness, the value to D of "
            "the demands backed by a threat minus the rewards paid [weight, payoff units per "
            "payoff unit]: both in payoff units, so eta* does not depend on the unit of "
            "concession. 0 is a unitary rational state; Walt (2013): 'the funhouse world of "
            "official Washington'."
        ),
        json_schema_extra={"symbol": "η"},
    )
    audience_cost: NonNegative = Field(
        0.0,
        description=(
            "Cost to the leader of backing down from a threat that was resisted [payoff "
            "units per back-down]. Fearon (1994); Tomz (2007)."
        ),
    )
    promise_cost: NonNegative = Field(
        0.0,
        description=(
            "Cost to the leader of backing down from a promise: a reward not delivered after "
            "the target complied [payoff units per broken promise]. The audience cost of "
            "reneging on an exchange, as `audience_cost` is of an empty threat."
        ),
    )


class Mediation(Section):
    """A guarantor who holds the goods raises the reliability of an exchange (``docs/model.md``, Mediation)."""

    guarantor: bool = Field(
        False,
        description=(
            "Whether a guarantor holds the goods in every period (a schedule can switch it "
            "per period) [true/false]. The 2010 Tehran Declaration: LEU deposited in Turkey."
        ),
    )
    reliability: Probability = Field(
        0.98,
        description=(
            "Reliability of a promised reward when a guarantor holds it (used instead of "
            "`offer.reliability` when higher) [probability]."
        ),
    )


class Calendar(Section):
    """Dates of the periods, for scheduled policies and dated outputs."""

    start: str = Field("2000-01", description="Month of period 0, as YYYY-MM [date].")
    months_per_period: Annotated[int, Field(ge=1, le=120)] = Field(
        1, description="Length of a period [months]."
    )

    @field_validator("start")
    @classmethod
    def _valid_start(cls, value: str) -> str:
        month_index(value, "the value")  # the error's location names calendar.start
        return value

    def period_of(self, date: str) -> int:
        """Index of the period containing month ``date`` (negative: before the start)."""
        return (month_index(date) - month_index(self.start)) // self.months_per_period

    def dates(self, horizon: int) -> list[str]:
        """``YYYY-MM`` of the first month of each of ``horizon`` periods."""
        m0 = month_index(self.start)
        out = []
        for t in range(horizon):
            m = m0 + t * self.months_per_period
            out.append(f"{m // 12:04d}-{m % 12 + 1:02d}")
        return out


class DemanderEntry(Section):
    """One of several demanders acting in the same schedule entry, with its own instrument
    and terms: they make one demand together (the target concedes to all or to none), one
    threatening and one offering at most; their instruments and terms become the entry's
    (a threat and an offer together: ``mixed``)."""

    actor: str = Field(description="Who acts, e.g. `US` or `EU3` [text].")
    instrument: Literal["threat", "offer"] = Field(
        description="What it attaches to the joint demand: a threat or an offer [choice]."
    )
    credibility: Probability | None = Field(
        None, description="With a threat: its credibility q (default: the entry's) [probability]."
    )
    punishment: NonNegative | None = Field(
        None,
        description="With a threat: its lump-sum punishment P (default: the entry's) "
        "[payoff units].",
    )
    price: NonNegative | None = Field(
        None,
        description="With an offer: its reward R per unit of concession (default: the entry's) "
        "[payoff units per unit of concession].",
    )
    reliability: Probability | None = Field(
        None,
        description="With an offer: the probability it delivers (default: the entry's) "
        "[probability].",
    )

    @model_validator(mode="after")
    def _terms_of_its_instrument(self) -> DemanderEntry:
        other = ("price", "reliability") if self.instrument == "threat" else (
            "credibility", "punishment")  # fmt: skip
        for name in other:
            if getattr(self, name) is not None:
                article = "an" if self.instrument == "offer" else "a"
                raise ValueError(
                    f"demander {self.actor}: {name} is not a term of {article} {self.instrument}"
                )
        return self


DEMANDER_TERMS = {"threat": ("credibility", "punishment"), "offer": ("price", "reliability")}
"""The entry terms each instrument of a :class:`DemanderEntry` sets."""


class ScheduleEntry(Section):
    """From ``date`` on (until the next entry), the demander uses ``policy``, on the terms the
    entry sets (each unset term is the scenario's: an entry's terms end with it)."""

    date: str = Field(description="First month the entry applies, as YYYY-MM [date].")
    policy: Policy = Field(description="Instrument policy from that month on [choice].")
    guarantor: bool | None = Field(
        None,
        description=(
            "Whether a guarantor holds the goods from that month on (default: "
            "`mediation.guarantor`) [true/false]."
        ),
    )
    credibility: Probability | None = Field(
        None,
        description=(
            "Probability q that a resisted threat is carried out, from that month until the "
            "next entry (default: `threat.credibility`), e.g. after a change of government "
            "[probability]."
        ),
    )
    punishment: NonNegative | None = Field(
        None,
        description=(
            "Lump-sum harm P of a carried-out threat from that month until the next entry "
            "(default: `threat.punishment`; `threat.punishment_per_unit` still adds), e.g. a "
            "new round of sanctions [payoff units]."
        ),
    )
    price: NonNegative | None = Field(
        None,
        description=(
            "Reward R per unit of concession offered from that month until the next entry "
            "(default: `offer.price`) [payoff units per unit of concession]."
        ),
    )
    reliability: Probability | None = Field(
        None,
        description=(
            "Probability that D delivers a promised reward, from that month until the next "
            "entry (default: `offer.reliability`; a guarantor still raises it to "
            "`mediation.reliability`) [probability]."
        ),
    )
    ship_out: NonNegative = Field(
        0.0,
        description=(
            "Latency shipped out or diluted in the entry's first period (the stock falls by "
            "this much, not below 0), e.g. the 2009 fuel swap's ~1.2 t of LEU [latency units]."
        ),
    )
    dismantle: NonNegative = Field(
        0.0,
        description=(
            "Capacity dismantled in the entry's first period (not below 0), e.g. centrifuges "
            "removed [capacity units]."
        ),
    )
    cap: NonNegative | None = Field(
        None,
        description=(
            "A cap on the latency stock while the entry holds: anything above it is shipped "
            "out or diluted each period until the next entry (null: no cap) [latency units]."
        ),
    )
    strike: bool = Field(
        False,
        description=(
            "A threat carried out in the entry's first period whatever the target does: it "
            "suffers the punishment in force and D pays its execution cost [true/false]."
        ),
    )
    strike_destroys: Probability = Field(
        0.0,
        description=(
            "With `strike`: the share of the target's capacity the strike destroys "
            "[share of capacity]."
        ),
    )
    demanders: Annotated[list[DemanderEntry], Field(max_length=2)] = Field(
        default_factory=list,
        description=(
            "Several demanders in the same period, each with its own instrument and terms "
            "(at most one threat and one offer; they make one demand together): the entry's "
            "`policy` and terms follow from them, e.g. the US threatening while the EU3 offer "
            "(`mixed`) [list of {actor, instrument, credibility, punishment, price, "
            "reliability}]."
        ),
    )
    note: str = Field("", description="What happened, with its source.")

    @model_validator(mode="before")
    @classmethod
    def _from_demanders(cls, data: Any) -> Any:
        """``policy`` and the terms from ``demanders`` (checked against any set beside)."""
        if not isinstance(data, dict) or not data.get("demanders"):
            return data
        raw = data["demanders"]
        if not isinstance(raw, list):
            return data  # the field's own validation says what is wrong
        parsed = [d if isinstance(d, DemanderEntry) else DemanderEntry.model_validate(d)
                  for d in raw]  # fmt: skip
        by = {k: [d for d in parsed if d.instrument == k] for k in DEMANDER_TERMS}
        for kind, ds in by.items():
            if len(ds) > 1:
                who = ", ".join(d.actor for d in ds)
                raise ValueError(f"demanders: {who} each attach a {kind}; one entry takes one")
        policy = ("mixed" if by["threat"] and by["offer"]
                  else "blackmail" if by["threat"] else "backscratching")  # fmt: skip
        if data.get("policy", policy) != policy:
            raise ValueError(f"policy: '{data['policy']}' but the demanders make it '{policy}'")
        out = {**data, "policy": policy}
        for d in parsed:
            for name in DEMANDER_TERMS[d.instrument]:
                value = getattr(d, name)
                if value is None:
                    continue
                if out.get(name) is not None and out[name] != value:
                    raise ValueError(f"{name}: set on the entry and on demander {d.actor}")
                out[name] = value
        return out

    @model_validator(mode="after")
    def _valid_date(self) -> ScheduleEntry:
        month_index(self.date, "date")
        if self.strike_destroys > 0 and not self.strike:
            raise ValueError("strike_destroys needs strike: true")
        return self


def _date_of(entry: Any) -> str:
    """The date of a schedule entry given as a mapping or an entry."""
    if isinstance(entry, ScheduleEntry):
        return entry.date
    return str(entry.get("date", "")) if isinstance(entry, dict) else ""


def month_index(text: str, field: str = "date") -> int:
    """Months since year 0 of a ``YYYY-MM`` string; ``ValueError`` naming ``field`` if malformed."""
    month = _month(str(text))
    if month is None:
        raise ValueError(f"{field} '{text}' is not a month of the form YYYY-MM")
    return month


@lru_cache(maxsize=4096)
def _month(text: str) -> int | None:
    """:func:`month_index` of ``text``, ``None`` if malformed (a scenario's few hundred dates
    are parsed again at every validation of a fit's trial: once each is enough)."""
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        return None
    return int(parts[0]) * 12 + int(parts[1]) - 1


def _check_schedule(entries: list[ScheduleEntry], where: str, calendar: Calendar) -> None:
    for i, e in enumerate(entries):  # a one-off event dated before period 0 never happens
        if (e.ship_out or e.dismantle or e.strike) and calendar.period_of(e.date) < 0:
            raise ValueError(
                f"{where}[{i}].date '{e.date}' is before calendar.start '{calendar.start}': "
                "its event (ship_out, dismantle or strike) would never happen"
            )
    for i in range(1, len(entries)):
        if month_index(entries[i].date) <= month_index(entries[i - 1].date):
            raise ValueError(
                f"{where}[{i}].date '{entries[i].date}' is not after "
                f"{where}[{i - 1}].date '{entries[i - 1].date}': dates must increase"
            )


SELECTIONS = ("continuation", "lowest", "highest")
"""Equilibrium selection rules (see ``solver.selection``)."""


class Solver(Section):
    """Numerical settings of the target's dynamic programme."""

    belief_grid: Annotated[int, Field(ge=3, le=10001)] = Field(
        201,
        description=(
            "Number of points of the public-belief grid on which the target's value "
            "functions are solved (linear interpolation between points) [count]."
        ),
    )
    selection: Literal[SELECTIONS] = Field(  # type: ignore[valid-type]
        "continuation",
        description=(
            "Which stable equilibrium of a period the pliable type plays where there are "
            "several (docs/model.md, The target's equilibrium): `continuation` the one "
            "nearest the equilibrium at the next lower grid belief, followed from the unique "
            "one at belief 0 (ties to the lower); `lowest` / `highest` the one with the "
            "lowest / highest compliance. Every result reports how often there are several "
            "[choice]."
        ),
    )
    resolution: Annotated[int, Field(ge=16, le=1 << 20)] = Field(
        4096,
        description=(
            "Resolution N of the search for each period's equilibria: intervals of the "
            "pliable type's compliance probability are halved until narrower than 1 / N "
            "unless bounds rule a root out, so a stable equilibrium is missed only if an "
            "unstable one lies within 1 / N of it [count]."
        ),
    )
    stationary: bool = Field(
        False,
        description=(
            "Solve the target's programme as if the relationship never ended, by value "
            "iteration (one period repeated, its value the next one's continuation, until it "
            "changes by no more than 1e-10) and play that compliance in every period: no "
            "end-of-horizon effects; false: backward induction over `horizon` [yes/no]."
        ),
    )
    latency_grid: Annotated[int, Field(ge=2, le=201)] = Field(
        21,
        description=(
            "`hedging.mode: choice`: number of points of the latency grid on [0, "
            "`hedging.latency_max`] on which the target's programme is solved (linear "
            "interpolation between points) [count]."
        ),
    )


class Phase(Section):
    """A named span of months of a case, over which `backscratch validate` compares the
    direction of the simulated and the observed metric."""

    name: str = Field(description="What happened in the phase, e.g. `sanctions` [text].")
    start: str = Field(description="First month of the phase, as YYYY-MM [date].")
    end: str = Field(description="Last month of the phase, as YYYY-MM [date].")

    @model_validator(mode="after")
    def _valid_span(self) -> Phase:
        if month_index(self.end, "end") < month_index(self.start, "start"):
            raise ValueError(f"end '{self.end}' is before start '{self.start}'")
        return self


CASE_DATA = ("none", "iran", "north_korea", "libya")
"""Built-in case timelines a scenario's validation can read (``backscratch.data.timeline``)."""


class Validation(Section):
    """How `backscratch validate` tests a dated scenario against history
    (docs/model.md, Validation): the observed series, the model quantity it measures, the
    last month the fit may see, and the phases. Not used by run/compare/sweep."""

    data: Literal[CASE_DATA] = Field(  # type: ignore[valid-type]
        "none",
        description=(
            "Built-in case timeline holding the observed series (`validate --observed` "
            "gives a CSV instead; `none`: only that) [choice]."
        ),
    )
    metric: str = Field("", description="Name of the observed series in the timeline [text].")
    quantity: Literal["latency", "capacity"] = Field(
        "latency",
        description="The model's stock the series measures: latency L or capacity K [choice].",
    )
    transform: Literal["level", "growth", "decline"] = Field(
        "level",
        description=(
            "How the model's mean stock is compared with the series: `level` as it is; "
            "`growth` minus its value before `origin` (a series counting from a date); "
            "`decline` its fall from its running peak (a series of what was removed) [choice]."
        ),
    )
    origin: str | None = Field(
        None,
        description=(
            "With `transform: growth`: the month the observed series counts from (it is 0 at "
            "the end of the month before, by definition) [date YYYY-MM]."
        ),
    )
    scale: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description=(
            "Model units per observed unit, e.g. 0.001 for kg observed and tonnes modelled "
            "[model units per observed unit]."
        ),
    )
    calibrated_until: str | None = Field(
        None,
        description=(
            "Last month of the fit: `validate` fits `free` on the observations up to it and "
            "tests the scenario on those after it (null: no split; validate refuses) "
            "[date YYYY-MM]."
        ),
    )
    free: Annotated[list[str], Field(max_length=4)] = Field(
        default_factory=lambda: ["hedging.threat_sensitivity", "hedging.relationship_sensitivity"],
        description=(
            "Fields fitted to the in-sample observations (`hedging.*` fields with search "
            "bounds; empty: no fit, the scenario as written) [list of field names]."
        ),
    )
    phases: Annotated[list[Phase], Field(max_length=50)] = Field(
        default_factory=list,
        description="Named spans of months compared by direction [list of phases].",
    )
    flat_tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.05,
        description=(
            "A change over a phase smaller than this share of the observed series' range "
            "counts as flat [share]."
        ),
    )
    timing_tolerance: Annotated[int, Field(ge=0, le=1200)] = Field(
        12,
        description=(
            "Months by which the model's first reaching `hedging.threshold` may miss the "
            "observed series' after `calibrated_until` [months]."
        ),
    )

    @model_validator(mode="after")
    def _valid_dates(self) -> Validation:
        for name in ("origin", "calibrated_until"):
            value = getattr(self, name)
            if value is not None:
                month_index(value, name)
        if self.transform == "growth" and self.origin is None:
            raise ValueError("transform 'growth' needs an origin month")
        return self


Factor = Annotated[float, Field(gt=0.0, le=100.0)]
"""A positive multiplier of a scenario value."""


class Strategic(Section):
    """What D may choose in ``backscratch equilibrium`` (docs/model.md, "The demander's
    choice"): each period, as a Markov strategy of the public belief about the target, an
    instrument, a demand and (with an offer) a price; whether to carry out a resisted
    threat is its sequentially rational choice, so ``threat.credibility`` is not used
    there. Not used by ``run``/``compare``/``sweep`` (fixed policies)."""

    instruments: Annotated[list[Policy], Field(min_length=1, max_length=4)] = Field(
        default_factory=lambda: ["none", "blackmail", "backscratching", "mixed"],
        description=(
            "Instruments D may choose among each period (`none` = make no demand) [list of "
            "choices]. Oye (1979)."
        ),
    )
    demand_factors: Annotated[list[Factor], Field(min_length=1, max_length=8)] = Field(
        default_factory=lambda: [0.5, 1.0, 1.5],
        description="Demands D may make, as multiples of `demander.demand` [list of factors].",
    )
    price_factors: Annotated[list[Factor], Field(min_length=1, max_length=8)] = Field(
        default_factory=lambda: [0.5, 1.0, 1.5],
        description=(
            "Rewards per unit D may offer, as multiples of `offer.price` [list of factors]."
        ),
    )
    objective: Literal["nation", "leader"] = Field(
        "nation",
        description=(
            "Whose payoff D maximises: the `nation`'s material payoff, or its `leader`'s "
            "(plus hawk bias x toughness, minus audience costs of backing down from threats "
            "and promises, `domestic.*`) [choice]."
        ),
    )
    choice_noise: NonNegative = Field(
        0.0,
        description=(
            "Scale of logit noise in D's choices (its action; whether to carry out a "
            "threat) [payoff units]. 0: exact best replies, ties to the earlier action of "
            "the menu (instruments in the order listed, then demands, then prices) and to "
            "carrying out. McKelvey & Palfrey (1998)."
        ),
    )

    cost_types: Annotated[list[NonNegative], Field(max_length=2)] = Field(
        default_factory=list,
        description=(
            "D's private cost of carrying out a threat: two possible values of k, the lower "
            "first [payoff units per unit of punishment]. Empty: D's cost is "
            "`threat.execution_cost`, known to all. With two, the target and observers hold "
            "a public belief that D is the low-cost type, updated by Bayes' rule from the "
            "punishments it carries out and the threats it backs down from, so credibility "
            "is an equilibrium outcome. Needs `choice_noise` > 0. Fearon (1994); Sartori "
            "(2002); Sechser (2010)."
        ),
    )
    prior_low_cost: Probability = Field(
        0.5,
        description=(
            "Prior probability that D is the low-cost type of `cost_types` [probability]."
        ),
    )
    renege_costs: Annotated[list[NonNegative], Field(max_length=2)] = Field(
        default_factory=list,
        description=(
            "D's private cost of reneging on a promised reward once the target has "
            "complied: two possible values, the reliable type's (higher) first [payoff "
            "units]. Empty: a promised reward is delivered with probability "
            "`offer.reliability`, by no one's choice. With two, delivering is D's choice "
            "(it saves the price by reneging) and the target and observers hold a public "
            "belief that D is the reliable type, updated by Bayes' rule from the rewards it "
            "delivers and withholds; a guarantor (`mediation.guarantor`) delivers instead "
            "(at `mediation.reliability`), so nothing is learned. One private trait at a "
            "time: not with `cost_types`. Needs `choice_noise` > 0. Kreps & Wilson (1982); "
            "Oye (1992) on the precedent exchange sets."
        ),
    )
    prior_reliable: Probability = Field(
        0.5,
        description=(
            "Prior probability that D is the reliable type of `renege_costs` [probability]."
        ),
    )
    reputation_grid: Annotated[int, Field(ge=3, le=101)] = Field(
        11,
        description=(
            "Points of the grid on [0, 1] for the public belief about D's type (with two "
            "`cost_types` or `renege_costs`; values between points are interpolated) "
            "[count]."
        ),
    )
    stationary: bool = Field(
        False,
        description=(
            "Solve the stationary game, the relationship without a last period, by value "
            "iteration (one period repeated, its values the next one's continuation, until "
            "none changes by more than 1e-10; refused if that takes more than 2,000) and "
            "play its policy in every period; false: backward induction over `horizon` "
            "[yes/no]."
        ),
    )

    @model_validator(mode="after")
    def _distinct(self) -> Strategic:
        if len(set(self.instruments)) != len(self.instruments):
            raise ValueError("instruments: each instrument once")
        if len(self.cost_types) == 1:
            raise ValueError(
                "cost_types: give two costs (low, high), or none for a known threat.execution_cost"
            )
        if len(self.cost_types) == 2 and self.cost_types[0] >= self.cost_types[1]:
            raise ValueError("cost_types: the low cost first, and the two different")
        if len(self.renege_costs) == 1:
            raise ValueError(
                "renege_costs: give two costs (the reliable type's, higher, first), or none "
                "for rewards delivered with probability offer.reliability"
            )
        if len(self.renege_costs) == 2:
            if self.renege_costs[0] <= self.renege_costs[1]:
                raise ValueError(
                    "renege_costs: the reliable type's (higher) cost first, and the two different"
                )
            if self.cost_types:
                raise ValueError(
                    "renege_costs: one private trait of D at a time; not with cost_types"
                )
            if self.stationary:
                raise ValueError(
                    "stationary: not with renege_costs (value iteration of the reliability "
                    "game does not settle: its values still move by about 1 after 55 "
                    "iterations); solve over the horizon"
                )
        for name in ("cost_types", "renege_costs"):
            if len(getattr(self, name)) == 2 and self.choice_noise <= 0.0:
                raise ValueError(
                    f"choice_noise: must be > 0 with two {name} (a type of D mixes in "
                    "equilibrium; the logit smoothing is the solution concept)"
                )
        return self


class Scenario(ScenarioBase):
    """A complete, validated description of one experiment."""

    name: str = Field("custom", description="Short name of the scenario.")
    description: str = Field("", description="One-line description shown by `scenarios`.")
    model: Literal["dyad"] = Field("dyad", description="Which model the scenario is for.")
    policy: Policy = Field(
        "blackmail",
        description=(
            "Demander's instrument (see `backscratch.dyad.policies`): `blackmail` "
            "(threat), `backscratching` (offer), `mixed` (both: diplomacy backed by pressure) "
            "or `none` (no demand, the baseline) [choice]. Oye (1979, 1992)."
        ),
    )
    horizon: Annotated[int, Field(ge=1, le=100_000)] = Field(
        40, description="Number of periods H simulated and solved [periods]."
    )
    shadow: Probability = Field(
        0.9,
        description=(
            "Shadow of the future delta: probability that the relationship continues after "
            "each period, used as the per-period discount factor [probability]. Axelrod "
            "(1984); Oye (1985)."
        ),
        json_schema_extra={"symbol": "δ"},
    )
    runs: Annotated[int, Field(ge=1, le=100_000_000)] = Field(
        2000, description="Number of independent simulated runs [count]."
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="Root seed of `numpy.random.SeedSequence` for the runs [integer]."
    )
    demander: Demander = Field(default_factory=Demander, description="The demanding state.")
    target: Target = Field(default_factory=Target, description="The target state.")
    threat: Threat = Field(default_factory=Threat, description="The threat instrument.")
    offer: Offer = Field(default_factory=Offer, description="The offer instrument.")
    third_parties: ThirdParties = Field(
        default_factory=ThirdParties, description="Third-party demanders (contagion)."
    )
    hedging: Hedging = Field(default_factory=Hedging, description="The target's latency.")
    domestic: Domestic = Field(default_factory=Domestic, description="Domestic politics.")
    mediation: Mediation = Field(default_factory=Mediation, description="A guarantor.")
    calendar: Calendar = Field(default_factory=Calendar, description="Dates of periods.")
    schedule: list[ScheduleEntry] = Field(
        default_factory=list,
        description=(
            "Dated instrument changes, in increasing date order; before the first entry the "
            "demander uses `policy`. Empty: `policy` throughout [list of entries]."
        ),
    )
    counterfactuals: dict[str, list[ScheduleEntry]] = Field(
        default_factory=dict,
        description=(
            "Named alternative schedules, run on the same parameters and seeds by "
            "`compare --policies NAME,...`: each a full schedule, or a diff from a date, "
            "`{diverges: YYYY-MM, schedule: [...]}`: the scenario's own schedule before that "
            "month, these entries from it [mapping of name to schedule]."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _counterfactual_diffs(cls, data: Any) -> Any:
        """Counterfactuals written as diffs (``{diverges, schedule}``) made full schedules:
        the scenario's entries dated before ``diverges``, then the diff's own."""
        if not isinstance(data, dict) or not isinstance(data.get("counterfactuals"), dict):
            return data
        own = data.get("schedule") or []
        out = {}
        for name, cf in data["counterfactuals"].items():
            if not isinstance(cf, dict):
                out[name] = cf
                continue
            extra = sorted(set(cf) - {"diverges", "schedule"})
            if extra:
                raise ValueError(
                    f"counterfactuals.{name}.{extra[0]}: unknown field (a diff has diverges "
                    "and schedule)"
                )
            if "diverges" not in cf:
                raise ValueError(f"counterfactuals.{name}: a diff needs diverges: YYYY-MM")
            at = month_index(cf["diverges"], f"counterfactuals.{name}.diverges")
            kept = [e for e in own if month_index(_date_of(e), "schedule date") < at]
            entries = cf.get("schedule") or []
            if not isinstance(entries, list):
                raise ValueError(f"counterfactuals.{name}.schedule: expected a list of entries")
            for i, e in enumerate(entries):
                date = _date_of(e)
                if month_index(date, f"counterfactuals.{name}.schedule[{i}].date") < at:
                    raise ValueError(
                        f"counterfactuals.{name}.schedule[{i}].date '{date}' is before "
                        f"diverges '{cf['diverges']}'"
                    )
            out[name] = [*kept, *entries]
        return {**data, "counterfactuals": out}

    solver: Solver = Field(default_factory=Solver, description="Numerical settings.")
    validation: Validation = Field(
        default_factory=Validation,
        description="How `backscratch validate` tests the scenario against history.",
    )
    strategic: Strategic = Field(
        default_factory=Strategic,
        description="What D may choose in the equilibrium game (`backscratch equilibrium`).",
    )

    @model_validator(mode="after")
    def _schedules_in_order(self) -> Scenario:
        _check_schedule(self.schedule, "schedule", self.calendar)
        for name, entries in self.counterfactuals.items():
            _check_schedule(entries, f"counterfactuals.{name}", self.calendar)
        default = Hedging()
        unused = [k for k in CHOICE_ONLY if getattr(self.hedging, k) != getattr(default, k)]
        if self.hedging.capacity_noise != default.capacity_noise and not (
            self.hedging.investment_observed
        ):
            raise ValueError(
                "hedging.capacity_noise: read only with hedging.investment_observed: true"
            )
        if self.hedging.mode == "rule" and unused:
            raise ValueError(
                f"hedging.{unused[0]}: read only with hedging.mode: choice (the mode is rule)"
            )
        if self.third_parties.update_belief:
            if self.third_parties.count > ENCOUNTER_COUNT_MAX:
                raise ValueError(
                    f"third_parties.count: at most {ENCOUNTER_COUNT_MAX} when "
                    f"third_parties.update_belief is on, not {self.third_parties.count}"
                )
        if self.target.resolute == "strategic":
            unbuilt = {
                "hedging.mode: choice": self.hedging.mode == "choice",
                "solver.stationary": self.solver.stationary,
                f"target.strategy: {self.target.strategy}": self.target.strategy
                != "forward_looking",
            }
            clash = [k for k, v in unbuilt.items() if v]
            if clash:
                raise ValueError(
                    f"target.resolute: strategic is built for target.strategy: "
                    f"forward_looking over the horizon, not with {clash[0]}"
                )
        if self.solver.stationary and self.hedging.mode == "choice":
            raise ValueError("solver.stationary: not built for hedging.mode: choice yet")
        if self.hedging.mode == "choice" and self.target.strategy not in CHOOSING_TARGETS:
            raise ValueError(
                f"hedging.mode: choice needs a target that optimises "
                f"({' or '.join(CHOOSING_TARGETS)}), not target.strategy "
                f"{self.target.strategy}"
            )
        return self


SCALES = """\
**Payoff units.** Every payoff, cost, punishment and reward is in one unit, and a demand is
counted in *units of concession*: `demander.demand` = 1 is what D asks of a target it
believes surely pliable (a learning D asks less of one that looks resolute). At the
reference (`oye-dyad`) a unit conceded is worth `demander.value` = 2 to D and costs the target `target.cost` = 0.4, plus its resolve (0 for the pliable type, 0.8
for the resolute one) when it concedes under a threat. So **P = 1** (`threat.punishment`)
means a carried-out threat hurts the target 2.5 times the material cost of conceding one unit,
and, at credibility q = 0.6, resisting a threat costs 0.6 in expectation: for a demand of one
unit, more than the pliable type's cost of giving in (0.4) and less than the resolute type's
(1.2), so that, within the period, the threat splits the types. An offer of `offer.price` =
1.3 a unit, delivered with probability 0.9, pays 1.17 a unit in expectation, more than either
type's cost of complying without a threat (0.4, while `target.cost_resolve_link` = 0).
Reputation (the shadow of the future) then moves both away from these one-period
comparisons. The noises (`target.noise`, `third_parties.noise`, `strategic.choice_noise`)
are on the same scale: 0.08 is small next to these stakes.

**Time.** `horizon` counts periods and `shadow` (δ) is the probability, *per period*, that
the relationship goes on (also the per-period discount factor). `calendar.months_per_period`
only dates the periods: changing it does **not** rescale δ, the horizon or any per-period
rate (`hedging.*`). To keep the same shadow per month when a period is m months long, set
δ to δ_month^m: the Iran case's δ = 0.98 a month is 0.98^12 ≈ 0.78 a year; likewise a horizon
of 122 months is about 10 years of 12-month periods. Rates in `hedging` are per period.

**Latency** (`hedging`) has its own unit, chosen by the case (tonnes of LEU in
`iran-2003-2013`); `hedging.threshold` and `hedging.cost_to_demander` are in that unit."""
"""What the scales of the fields mean (part of ``docs/scenario-fields.md``)."""


def fields_markdown() -> str:
    """Every scenario field with its type, default and description, section by section with
    a YAML example of each and guidance on scales, as Markdown (``docs/scenario-fields.md``)."""
    from backscratch.core.schema import load_scenario, yaml_example

    reference = load_scenario("oye-dyad")
    iran = load_scenario("iran-2003-2013")
    examples = {"": ("oye-dyad", reference)}
    for name in ("hedging", "mediation", "calendar", "validation"):
        examples[name] = ("iran-2003-2013", iran)
    assert isinstance(iran, Scenario)
    schedule = {
        "schedule": [e.model_dump(mode="json", exclude_defaults=True) for e in iran.schedule[:2]],
        "counterfactuals": {
            k: [e.model_dump(mode="json", exclude_defaults=True) for e in v]
            for k, v in sorted(iran.counterfactuals.items(), key=lambda kv: len(kv[1]))[:1]
        },
    }
    lines = [
        "# Scenario fields",
        "",
        "Generated by `backscratch schema` from `src/backscratch/dyad/scenario.py`; do not edit by hand.",
        "A scenario is a YAML (or TOML) file with these fields; every field may be left out",
        "(it takes its default), and `extends: NAME` starts from another scenario.",
        "`backscratch new NAME` writes one with every field and its type as comments.",
        "",
        "## Scales",
        "",
        SCALES,
        "",
        *section_reference(Scenario, examples),
        "## `schedule` and `counterfactuals`",
        "",
        "Each entry of `schedule` (and of every counterfactual schedule) has:",
        "",
        *TABLE_HEAD,
        *field_rows(ScheduleEntry, "schedule[]."),
        *field_rows(DemanderEntry, "schedule[].demanders[]."),
        "",
        "Example (from the built-in `iran-2003-2013`, abridged):",
        "",
        *yaml_example(schedule),
    ]
    return "\n".join(lines) + "\n"


register(Scenario, default=True)
