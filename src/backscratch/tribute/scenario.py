"""The tribute model's scenario schema (Axelrod 1995/1997, "Building New Political Actors").

A tribute scenario is a YAML/TOML mapping with ``model: tribute``, which
:func:`backscratch.core.schema.load_scenario` validates with this schema. Every constant of
Axelrod's rules is a field below, with its unit and its source: the paper (Axelrod 1995, in *The Complexity of Cooperation*, 1997, ch. 6) and the
original Pascal program, version 4.0 of 1993 (``Tribute40``; its constant names are quoted as
``Pascal: NAME``). ``backscratch schema --model tribute`` prints this documentation
(``docs/tribute-fields.md`` is that output).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from backscratch.core.schema import ScenarioBase, Section, register, section_reference

TRIBUTE_POLICIES = ("blackmail", "backscratching", "mixed", "none")
"""Variants: Axelrod's original (demands only), offers only, both, and isolated actors."""

NETWORKS = ("ring", "line", "torus", "small_world", "complete")


class Wealth(Section):
    """Actors' wealth: initial endowment and production."""

    initial: Annotated[float, Field(ge=0.0)] = Field(
        400.0,
        description=(
            "Centre of the initial wealth distribution [wealth units]. Axelrod (1995): 400; "
            "Pascal: W_base."
        ),
    )
    spread: Annotated[float, Field(ge=0.0)] = Field(
        100.0,
        description=(
            "Half-width of the uniform initial wealth: each actor starts with initial + "
            "U(-spread, spread) [wealth units]. Axelrod (1995): 400 +/- 100 (Pascal: "
            "W_base + random/327.67)."
        ),
    )
    income: Annotated[float, Field(ge=0.0)] = Field(
        20.0,
        description=(
            "Wealth each actor produces per year, added after the year's activations "
            "[wealth units per actor per year]. Axelrod (1995): 20; Pascal: Productivity."
        ),
    )

    @model_validator(mode="after")
    def _non_negative_start(self) -> Wealth:
        if self.spread > self.initial:
            raise ValueError(
                f"spread ({self.spread}) must not exceed initial ({self.initial}): wealth "
                "cannot start negative"
            )
        return self


class Conflict(Section):
    """Demands, payments and fights (Axelrod's rules A2 and B4)."""

    activations: Annotated[int, Field(ge=0, le=10_000_000)] = Field(
        3,
        description=(
            "Activations per year: each time one actor, drawn uniformly at random (with "
            "replacement), may make a demand [count per year]. Axelrod (1995): 3 for 10 "
            "actors (Pascal: Demand_phase_max, 'usually 3 when imax=10'); scale it with "
            "`actors` to keep the pace per actor."
        ),
    )
    demand: Annotated[float, Field(gt=0.0)] = Field(
        250.0,
        description=(
            "Tribute demanded; the target pays min(demand, its wealth) [wealth units]. "
            "Axelrod (1995): 250; Pascal: Standard_Demand."
        ),
    )
    destructiveness: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.25,
        description=(
            "Share of the opposing side's (commitment-weighted) wealth that each side loses "
            "in a fight, at most its own [fraction, 0-1]. Axelrod (1995): 0.25; Pascal: "
            "Destructiveness."
        ),
    )
    contiguity: bool = Field(
        True,
        description=(
            "Whether alliances must be contiguous on the network and targets reachable "
            "through backers [true/false]. Axelrod (1995): true; Pascal: contiguity (false "
            "lets every actor back the side it is more committed to)."
        ),
    )


class Commitment(Section):
    """Commitments (Pascal: loyalty_pc) of each actor to each other, in percent."""

    step: Annotated[int, Field(ge=1, le=100)] = Field(
        10,
        description=(
            "Change of commitment, in percentage points within [0, 100], when tribute is "
            "paid (payer and receiver, both ways), when two actors fight on the same side "
            "(+) or on opposite sides (-) [percentage points]. Axelrod (1995): 10; Pascal: "
            "loyalty_pc_increment."
        ),
    )
    initial: Annotated[int, Field(ge=0, le=100)] = Field(
        0,
        description=(
            "Initial commitment of each actor to every other actor (to itself: always 100) "
            "[percent]. Axelrod (1995): 0 (Pascal: init_loyalty = 0)."
        ),
    )
    cluster_threshold: Annotated[int, Field(ge=1, le=100)] = Field(
        50,
        description=(
            "Mutual commitment (both ways) at or above which two actors are linked; a "
            "cluster is a connected group of two or more linked actors (this project's "
            "operational reading of Axelrod's 'clusters of actors with high mutual "
            "commitment') [percent]."
        ),
    )


class Offer(Section):
    """The backscratching variant: payment for alignment (this project's extension)."""

    price: Annotated[float, Field(gt=0.0)] = Field(
        50.0,
        description=(
            "Payment an active actor offers a reachable actor for alignment: if accepted, "
            "both commitments rise by `commitment.step`, as with tribute. The offerer offers "
            "only if it has at least this much, and only where the support bought, "
            "min(step, 100 - c_ji)/100 * W_j, exceeds the price; the target always accepts "
            "[wealth units]. Oye (1979): backscratching; not in Axelrod (1995)."
        ),
    )


class Network(Section):
    """Who neighbours whom. Axelrod (1995): 10 actors on a ring (Pascal: imax, mod imax)."""

    kind: Literal["ring", "line", "torus", "small_world", "complete"] = Field(
        "ring",
        description=(
            "Network of actors: `ring` (Axelrod), `line` (a ring cut between the last and "
            "first actor), `torus` (a square grid with wrap-around, `actors` must be a "
            "square), `small_world` (Watts-Strogatz rewired ring, networkx), `complete`. "
            "Any networkx graph can be passed from Python [choice]."
        ),
    )
    neighbours: Annotated[int, Field(ge=2, le=1000)] = Field(
        2,
        description=(
            "small_world only: each actor's ring neighbours before rewiring (even) [count]. "
            "Watts & Strogatz (1998)."
        ),
    )
    rewiring: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.1,
        description=(
            "small_world only: probability of rewiring each ring edge [probability]. Watts & "
            "Strogatz (1998)."
        ),
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="small_world only: seed of the rewiring [integer]."
    )


class Record(Section):
    """What is kept of each run besides the yearly wealth and event counts."""

    wealth_every: Annotated[int, Field(ge=0)] = Field(
        1,
        description=(
            "Years between stored wealth vectors (every actor's wealth); 0 keeps only the "
            "initial and final ones (and those of commitment years). The yearly totals, top "
            "share and major actors are kept every year regardless [years]. A vector takes "
            "runs * actors * 8 bytes."
        ),
    )
    commitment_every: Annotated[int, Field(ge=0)] = Field(
        1,
        description=(
            "Years between stored commitment matrices (and cluster counts, computed from "
            "them); 0 keeps only the initial and final ones [years]. A matrix takes "
            "runs * actors^2 bytes."
        ),
    )
    dominance_share: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        0.1,
        description=(
            "Share of total wealth above which an actor counts as a major actor in the "
            "'actors holding more than 10% of wealth' statistic [fraction, 0-1]."
        ),
    )


class TributeScenario(ScenarioBase):
    """A complete, validated tribute-model experiment."""

    name: str = Field("custom", description="Short name of the scenario.")
    description: str = Field("", description="One-line description shown by `scenarios`.")
    model: Literal["tribute"] = Field("tribute", description="Which model the scenario is for.")
    policy: Literal[TRIBUTE_POLICIES] = Field(  # type: ignore[valid-type]
        "blackmail",
        description=(
            "Variant: `blackmail` is Axelrod's original (demand tribute or else); "
            "`backscratching` lets actors only offer payment for alignment; `mixed` lets each "
            "active actor do whichever of the two it values more; `none` is isolated actors "
            "(production only, the baseline) [choice]. Oye (1979)."
        ),
    )
    actors: Annotated[int, Field(ge=2, le=100_000)] = Field(
        10, description="Number of actors N [count]. Axelrod (1995): 10 (Pascal: imax)."
    )
    years: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        1000,
        description=(
            "Years simulated per run [years]. Axelrod (1995): 1000 (Pascal: Year_max, often "
            "100 or 1000)."
        ),
    )
    runs: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        200, description="Number of independent simulated runs [count]."
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="Root seed of `numpy.random.SeedSequence` for the runs [integer]."
    )
    wealth: Wealth = Field(default_factory=Wealth, description="Wealth and production.")
    conflict: Conflict = Field(default_factory=Conflict, description="Demands and fights.")
    commitment: Commitment = Field(default_factory=Commitment, description="Commitments.")
    offer: Offer = Field(default_factory=Offer, description="The backscratching variant.")
    network: Network = Field(default_factory=Network, description="Who neighbours whom.")
    record: Record = Field(default_factory=Record, description="What is stored.")

    @model_validator(mode="after")
    def _network_fits(self) -> TributeScenario:
        if self.network.kind == "torus":
            side = round(self.actors**0.5)
            if side * side != self.actors or side < 3:
                raise ValueError(
                    f"network.kind torus needs a square number of actors >= 9, not {self.actors}"
                )
        if self.network.kind == "small_world" and (
            self.network.neighbours % 2 or self.network.neighbours >= self.actors
        ):
            raise ValueError(
                f"network.neighbours ({self.network.neighbours}) must be even and below "
                f"actors ({self.actors})"
            )
        return self


SCALES = """\
**Wealth units.** Wealth, income, tribute, offers and the wealth destroyed in fights are in
one unit. Axelrod's (1995) values set the scale: an actor starts with about 400
(`wealth.initial` ± `wealth.spread`), produces 20 a year (`wealth.income`) and is asked for
250 (`conflict.demand`), so one demand takes about 12 years of an actor's income, and a fight
costs each side a quarter (`conflict.destructiveness`) of the other side's wealth. An offer of
`offer.price` = 50 is two and a half years of income.

**Time.** `years` counts years; there are `conflict.activations` demands (or offers) a year,
and income is added once a year. Commitments move in steps of `commitment.step` percentage
points per event, not per year."""
"""What the scales of the tribute fields mean (part of ``docs/tribute-fields.md``)."""


def fields_markdown() -> str:
    """Every tribute-scenario field with its type, default and description, section by
    section with a YAML example of each and guidance on scales, as Markdown
    (``docs/tribute-fields.md``)."""
    from backscratch.core.schema import load_scenario

    lines = [
        "# Tribute scenario fields",
        "",
        "Generated by `backscratch schema --model tribute` from "
        "`src/backscratch/tribute/scenario.py`; do not edit by hand. See "
        "[tribute.md](tribute.md) for the rules.",
        "",
        "## Scales",
        "",
        SCALES,
        "",
        *section_reference(TributeScenario, {"": ("tribute", load_scenario("tribute"))}),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


register(TributeScenario)
