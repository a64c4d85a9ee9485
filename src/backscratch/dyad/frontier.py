"""The threat frontier: how far a comparison is from flipping.

Blackmail and backscratching are on different scales — a threat's harm is a lump sum (plus,
with ``threat.punishment_per_unit``, a part per unit of demand), an offer's reward is paid
per unit. So a comparison at one punishment says little by itself. The frontier is the
punishment, at the scenario's credibility and everything else as given, at which blackmail
matches backscratching: on cooperation, and on the demander's payoff. Both policies are
re-solved and re-simulated at each punishment tried (third parties' threats feel the
punishment under either instrument), on the scenario's seeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from backscratch.core.results import Result
from backscratch.dyad.model import DyadModel
from backscratch.dyad.scenario import Scenario

FRONTIER_METRICS = ("cooperation_rate", "demander_payoff")
"""What the frontier matches blackmail and backscratching on."""

MAX_FACTOR = 64.0
"""The search doubles (or halves) the punishment up to this factor from the scenario's."""

RTOL = 0.02
"""Bisection stops when the bracketing factors are within 2% of each other."""


@dataclass(repr=False)
class ThreatFrontier(Result):
    """For each metric of :data:`FRONTIER_METRICS`: the factor ``f`` by which the
    scenario's punishment (lump sum and per-unit part alike) must be multiplied for
    blackmail to match backscratching, or ``None`` if no factor in ``[1/MAX_FACTOR,
    MAX_FACTOR]`` does (``above`` then says on which side blackmail stays).

    The search starts at the scenario's punishment, doubles (or halves) it until the sign
    of ``blackmail − backscratching`` changes, then bisects in the log of the factor to
    :data:`RTOL`: it finds the crossing nearest the scenario's punishment on that doubling
    scan. Blackmail's outcomes need not be monotone in the punishment, so a crossing further
    out may exist; the ``evaluated`` points show what was tried.
    """

    scenario: Scenario
    factors: dict[str, float | None]
    gaps_at_one: dict[str, float]
    evaluated: dict[float, dict[str, float]] = field(repr=False)
    """Every factor tried: ``{factor: {metric: blackmail − backscratching}}``."""

    def _headline(self) -> str:
        parts = []
        for m in FRONTIER_METRICS:
            f = self.factors[m]
            parts.append(f"{m} at ×{f:.2f}" if f is not None else f"{m}: none")
        th = self.scenario.threat
        return (
            f"{self.scenario.name}, blackmail matches backscratching (punishment × factor, "
            f"credibility {th.credibility:g}): " + ", ".join(parts)
        )

    def _summary_rows(self) -> list[tuple[str, Any]]:
        return [(m, self.factors[m]) for m in FRONTIER_METRICS]

    def to_arrow(self) -> pa.Table:
        """One row per punishment factor tried: the factor, the punishment (lump sum and
        per unit) and blackmail's lead over backscratching on each metric."""
        th = self.scenario.threat
        f = list(self.evaluated)
        return pa.table(
            {
                "factor": f,
                "punishment": [x * th.punishment for x in f],
                "punishment_per_unit": [x * th.punishment_per_unit for x in f],
                **{f"{m}_gap": [self.evaluated[x][m] for x in f] for m in FRONTIER_METRICS},
            }
        )

    def summary(self) -> dict[str, Any]:
        """``{metric: {"factor", "punishment", "punishment_per_unit", "blackmail_ahead"}}``:
        the frontier and, at the scenario's punishment, whether blackmail is ahead."""
        th = self.scenario.threat
        out: dict[str, Any] = {}
        for m in FRONTIER_METRICS:
            f = self.factors[m]
            out[m] = {
                "factor": f,
                "punishment": None if f is None else f * th.punishment,
                "punishment_per_unit": None if f is None else f * th.punishment_per_unit,
                "blackmail_ahead": self.gaps_at_one[m] >= 0.0,
            }
        return out

    def sentence(self, metric: str) -> str:
        """One line: where blackmail matches backscratching on ``metric``."""
        th = self.scenario.threat
        f = self.factors[metric]
        ahead = self.gaps_at_one[metric] >= 0.0
        what = "cooperation" if metric == "cooperation_rate" else "the demander's payoff"
        if f is None:
            side = "ahead of" if ahead else "behind"
            return (
                f"on {what}, blackmail stays {side} backscratching for every punishment from "
                f"1/{MAX_FACTOR:g} to {MAX_FACTOR:g} times the scenario's"
            )
        per_unit = f" + {f * th.punishment_per_unit:.3g} per unit" if th.punishment_per_unit else ""
        return (
            f"on {what}, blackmail matches backscratching at punishment "
            f"{f * th.punishment:.3g}{per_unit} ({f:.2f}× the scenario's; "
            f"credibility {th.credibility:g})"
        )


FRONTIER_HEADER = ["on", "blackmail at the scenario's", "matches at punishment", "× scenario's"]
"""The columns of :func:`frontier_rows`."""


def frontier_rows(summary: dict[str, Any]) -> list[list[str]]:
    """A frontier's :meth:`ThreatFrontier.summary` as table rows (:data:`FRONTIER_HEADER`):
    what the command line and the report show."""
    from backscratch.dyad.results import select

    rows = []
    for m in select(FRONTIER_METRICS):
        row = summary[m.name]
        f = row["factor"]
        if f is None:
            at = f"none within ×1/{MAX_FACTOR:g} to ×{MAX_FACTOR:g}"
        else:
            at = f"{row['punishment']:.3g}"
            if row["punishment_per_unit"]:
                at += f" + {row['punishment_per_unit']:.3g} per unit"
        ahead = "ahead" if row["blackmail_ahead"] else "behind"
        rows.append([m.label, ahead, at, "" if f is None else f"{f:.2f}"])
    return rows


def threat_frontier(scenario: Scenario) -> ThreatFrontier:
    """The :class:`ThreatFrontier` of ``scenario`` (needs both blackmail and backscratching
    to be meaningful; costs a few dozen solves and simulations)."""
    evaluated: dict[float, dict[str, float]] = {}

    def gaps(factor: float) -> dict[str, float]:
        if factor not in evaluated:
            th = scenario.threat
            sc = scenario.with_updates(
                **{
                    "threat.punishment": th.punishment * factor,
                    "threat.punishment_per_unit": th.punishment_per_unit * factor,
                }
            )
            bm = DyadModel(sc, "blackmail").run().summary()
            bs = DyadModel(sc, "backscratching").run().summary()
            evaluated[factor] = {m: bm[m] - bs[m] for m in FRONTIER_METRICS}
        return evaluated[factor]

    at_one = gaps(1.0)
    factors: dict[str, float | None] = {}
    for m in FRONTIER_METRICS:
        ahead = at_one[m] >= 0.0
        step = 0.5 if ahead else 2.0  # move the punishment toward the flip
        near, far = 1.0, 1.0
        found = False
        while (far * step >= 1.0 / MAX_FACTOR) and (far * step <= MAX_FACTOR):
            near, far = far, far * step
            if (gaps(far)[m] >= 0.0) != ahead:
                found = True
                break
        if not found:
            factors[m] = None
            continue
        lo, hi = min(near, far), max(near, far)  # the sign changes between lo and hi
        lo_ahead = gaps(lo)[m] >= 0.0
        while hi / lo > 1.0 + RTOL:
            mid = (lo * hi) ** 0.5
            if (gaps(mid)[m] >= 0.0) == lo_ahead:
                lo = mid
            else:
                hi = mid
        factors[m] = (lo * hi) ** 0.5
    return ThreatFrontier(scenario, factors, at_one, dict(sorted(evaluated.items())))
