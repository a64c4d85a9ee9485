"""The tutorial: the Oye/Walt argument in five short steps, each backed by a live simulation.

Oye (1979, 1992) distinguishes *blackmail* (a threat: "I will hurt you unless you do Y") from
*backscratching* (an offer: "I will reward you if you do Y"); Walt (2013) applied it to the
US–Iran nuclear standoff. Each :class:`Step` below states one link of the argument, names
the one scenario field its slider moves, and computes (with :func:`core.simulate`, cached)
the data of its plot and a caption with the numbers just simulated. Plain Python: the page
draws what :meth:`Step.compute` returns, and the tests check that each mechanism shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from backscratch.core.schema import load_scenario
from backscratch.dashboard import core
from backscratch.dyad.scenario import Scenario

TUTORIAL_RUNS = 500
"""Runs per simulation in the tutorial: enough for stable means, quick to recompute."""


def base_scenario() -> Scenario:
    """The reference dyad ``oye-dyad`` with :data:`TUTORIAL_RUNS` runs."""
    return core.require_dyad(load_scenario("oye-dyad", {"runs": TUTORIAL_RUNS}), "oye-dyad")


@dataclass
class View:
    """What one step's plot shows.

    ``kind`` is ``"lines"`` (``x`` numbers, one line per key of ``ys``) or ``"bars"`` (``x``
    category labels, bars per key of ``ys``). ``threshold``: a dashed horizontal line;
    ``marker``: a dashed vertical line (the slider's value on the x axis).
    """

    kind: str
    x: list
    ys: dict[str, list[float]]
    x_label: str
    y_label: str
    caption: str
    threshold: float | None = None
    marker: float | None = None
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One link of the argument: title, text, the field its slider moves, and the plot."""

    key: str
    title: str
    text: str
    control: core.Control
    compute_view: Callable[[Scenario, float], View]

    def default(self, base: Scenario | None = None) -> float:
        """The slider's starting value: the base scenario's own value of the field."""
        return core.get_field(base or base_scenario(), self.control.field)

    def compute(self, value: float, base: Scenario | None = None) -> View:
        """Simulate the base scenario with the control's field set to ``value``."""
        base = base or base_scenario()
        v = round(value) if self.control.integer else float(value)
        return self.compute_view(base.with_updates(**{self.control.field: v}), v)


def _lines(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float)]


def _escalation(sc: Scenario, q: float) -> View:
    o = core.simulate(sc)
    pol = ("blackmail", "backscratching")
    after_c = {p: o.policies[p].summary["demand_growth_after_compliance"] for p in pol}
    after_r = {p: o.policies[p].summary["demand_growth_after_resistance"] for p in pol}
    return View(
        kind="bars",
        x=list(pol),
        ys={
            "after compliance": [after_c[p] for p in pol],
            "after resistance": [after_r[p] for p in pol],
        },
        x_label="instrument",
        y_label="Δ next demand (units of concession)",
        caption=(
            f"With a threat carried out with probability q = {q:g}, giving in raised the next "
            f"demand by {after_c['blackmail']:+.3f} on average; a paid concession changed it "
            f"by {after_c['backscratching']:+.3f}."
        ),
        numbers={
            "blackmail_after_compliance": after_c["blackmail"],
            "backscratching_after_compliance": after_c["backscratching"],
        },
    )


def _contagion(sc: Scenario, m: float) -> View:
    o = core.simulate(sc)
    pol = ("blackmail", "backscratching", "mixed")
    coop = {p: o.policies[p].summary["cooperation_rate"] for p in pol}
    entries = {p: o.policies[p].summary["entries_per_period"] for p in pol}
    return View(
        kind="lines",
        x=list(range(sc.horizon)),
        ys={p: _lines(o.policies[p].series["cooperation_rate"]) for p in pol},
        x_label="period",
        y_label="share of demands met",
        caption=(
            f"With M = {int(m)} third parties watching, threats drew {entries['blackmail']:.3f} "
            f"entries a period (mixed: {entries['mixed']:.3f}; offers: "
            f"{entries['backscratching']:.3f}), and the target met {coop['blackmail']:.0%} of "
            f"threatened demands, {coop['backscratching']:.0%} of paid ones."
        ),
        numbers={f"{p}_{k}": d[p] for p in pol for k, d in (("coop", coop), ("entries", entries))},
    )


def _price(sc: Scenario, price: float) -> View:
    o = core.simulate(sc)
    pol = ("blackmail", "backscratching", "mixed")
    jumps = {p: _lines(o.policies[p].series["belief_jump"]) for p in pol}
    mean = {p: o.policies[p].summary["belief_jump_after_compliance"] for p in pol}
    coop = o.policies["backscratching"].summary["cooperation_rate"]
    return View(
        kind="lines",
        x=list(range(sc.horizon)),
        ys=jumps,
        x_label="period of the concession",
        y_label="change of P(pliable) after a concession",
        threshold=0.0,
        caption=(
            f"Each concession made under threat raised the public belief that the target is "
            f"pliable by {mean['blackmail']:+.3f} on average; one paid at R = {price:g} changed "
            f"it by {mean['backscratching']:+.3f}. The price changes how often the target says "
            f"yes ({coop:.0%} of offers met), not what a yes reveals."
        ),
        numbers={f"{p}_jump": v for p, v in mean.items()},
    )


def _hedging(sc: Scenario, sensitivity: float) -> View:
    o = core.simulate(sc)
    pol = ("blackmail", "backscratching", "mixed")
    final = {p: o.policies[p].summary["final_latency"] for p in pol}
    crossed = {p: o.policies[p].summary["threshold_crossed_share"] for p in pol}
    L = sc.hedging.threshold
    return View(
        kind="lines",
        x=list(range(sc.horizon)),
        ys={p: _lines(o.policies[p].series["latency"]) for p in pol},
        x_label="period",
        y_label="latent capability L (latency units)",
        threshold=L,
        caption=(
            f"Building {sensitivity:g} capacity units per unit of expected punishment, the "
            f"target ended with L = {final['blackmail']:.2f} under threats "
            f"({crossed['blackmail']:.0%} of runs past L* = {L:g}), "
            f"{final['backscratching']:.2f} under offers and {final['mixed']:.2f} under both."
        ),
        numbers={f"{p}_final": v for p, v in final.items()},
    )


def lock_in_threshold(o: core.Outcome) -> float | None:
    """Smallest hawk bias at which the leader prefers blackmail to every other instrument
    simulated (or None): the page's η* (:attr:`backscratch.dashboard.core.Simulation.eta_star`)."""
    return o.simulation.eta_star


def _lock_in(sc: Scenario, eta: float) -> View:
    o = core.simulate(sc)
    pol = tuple(o.policies)
    star = lock_in_threshold(o)
    top = max(3.0, 1.5 * eta, 1.5 * (star or 0.0))
    etas = np.linspace(0.0, top, 31)
    best = o.preferred(eta)
    first = o.preferred(0.0)
    coop = {p: o.policies[p].summary["cooperation_rate"] for p in pol}
    flip = (
        f"Above η* = {star:.2f} the leader prefers threats to {first}"
        if star is not None
        else "The leader never prefers threats"
    )
    return View(
        kind="lines",
        x=_lines(etas),
        ys={p: _lines([o.policies[p].leader_payoff(e) for e in etas]) for p in pol},
        x_label="hawk bias η (weight on toughness, payoff units)",
        y_label="leader's payoff / run (payoff units)",
        marker=eta,
        caption=(
            f"{flip}, although cooperation then falls from {coop[first]:.0%} to "
            f"{coop['blackmail']:.0%}. At η = {eta:g} the leader picks {best}."
        ),
        numbers={
            "eta_star": star if star is not None else float("nan"),
            "preferred": pol.index(best),
        },
    )


STEPS: tuple[Step, ...] = (
    Step(
        "escalation",
        "1. Escalation: giving in to a threat invites the next demand",
        "Under blackmail a concession tells everyone the target may be the pliable type, so "
        "the demander asks for more next time. Resisting lowers the next demand. A paid "
        "concession changes nothing. Move the threat's credibility and watch the bars.",
        core.Control(
            "threat.credibility", "Credibility of the threat q (probability)", 0.0, 1.0, 0.05
        ),
        _escalation,
    ),
    Step(
        "contagion",
        "2. Contagion: others are watching",
        "Third parties watch the target and come with threats of their own when it looks "
        "pliable. A forward-looking target therefore resists threats more, the more states "
        "watch, and each resisted threat makes it look resolute. Offers make it look neither "
        "pliable nor resolute, so at the reference watchers come more often under offers than "
        "under threats: the model does not bear out the claim that paying invites no one. Add "
        "watchers and watch blackmail's cooperation fall.",
        core.Control("third_parties.count", "Third parties M (count)", 0, 10, 1, integer=True),
        _contagion,
    ),
    Step(
        "price",
        "3. A price, not weakness",
        "Accepting an offer that covers its cost says little about the target's resolve, so "
        "the public belief that it is pliable hardly moves; conceding to a threat raises it "
        "much more. "
        "The plot shows how much each concession moved the belief (dashed: no change). Change "
        "the reward: only how often the target concedes changes.",
        core.Control("offer.price", "Reward R (payoff units per unit of demand)", 0.0, 3.0, 0.05),
        _price,
    ),
    Step(
        "hedging",
        "4. Hedging: threats feed a latent deterrent",
        "Pressure makes a latent capability (think enrichment) more valuable, so the target "
        "builds capacity when threatened; honoured exchanges roll it back. The dashed line "
        "is the threshold L* (think breakout).",
        core.Control(
            "hedging.threat_sensitivity",
            "Capacity built per unit of expected punishment (capacity units per payoff unit)",
            0.0,
            0.2,
            0.01,
        ),
        _hedging,
    ),
    Step(
        "lock-in",
        "5. Lock-in: why leaders choose threats anyway",
        "A leader who values looking tough (hawk bias η) adds η × toughness (the value of "
        "the demands it backs with threats, minus the rewards it pays) to the national "
        "payoff, and pays an audience cost for empty threats and broken promises alike. Past "
        "a threshold η*, threats win inside the government although they lose abroad. The "
        "dashed line marks the chosen η.",
        core.Control("domestic.hawk_bias", "Hawk bias η (weight)", 0.0, 3.0, 0.05),
        _lock_in,
    ),
)
"""The five steps in order: escalation, contagion, price-not-weakness, hedging, lock-in."""
