"""The iterated coercion game as a tournament: demander strategies against target strategies.

The stage game is the dyad's (:class:`backscratch.dyad.params.Params`, from a scenario). Each
round the demander asks for ``demander.demand`` units of concession and attaches a threat
(punishment ``P`` × the strategy's pressure, carried out with probability ``q`` if the target
resists, costing the demander ``k`` per unit of punishment), an offer (reward ``R`` per unit,
delivered with probability ``rho`` if the target complies; a guarantor raises ``rho``), both,
or nothing. The target is privately pliable (probability ``target.prior_pliable``) or
resolute; complying costs it ``c`` per unit plus its type's resolve cost under a threat.
Payoffs per round (demander, target):

* complied: ``v·x − R·x·delivered``, ``−(c + r·threat)·x + R·x·delivered``;
* resisted a threat that is carried out: ``−k·P·pressure``, ``−P·pressure``; else 0, 0.

Third parties, hedging and beliefs are left out: the tournament asks which rules elicit
cooperation from which rules, as Axelrod's did. Each pair plays ``repetitions`` matches
(runs, vectorised) of ``turns`` rounds; a match's score is the mean payoff per round. All
pairs use the same random numbers (common random numbers: the target's type, whether threats
are carried out and offers delivered, and the strategies' own draws depend on the seed and the
run only), so differences between strategies are not sampling noise between pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result, html_table, mean_ci
from backscratch.core.rng import Streams
from backscratch.dyad.params import Params
from backscratch.dyad.scenario import Scenario
from backscratch.tournaments.coercion_strategies import (
    DEMANDERS,
    TARGETS,
    CoercionDemander,
    CoercionTarget,
)

DRAWS_PER_ROUND = 4
"""Uniforms per run and round: demander's choice, target's choice, execution, delivery."""


@dataclass
class History:
    """Arrays ``[round, run]`` of a match; rounds ``[0, t)`` have been played."""

    turns: int
    runs: int
    t: int = 0
    threat: np.ndarray = field(init=False)
    offer: np.ndarray = field(init=False)
    pressure: np.ndarray = field(init=False)
    complied: np.ndarray = field(init=False)
    punished: np.ndarray = field(init=False)
    delivered: np.ndarray = field(init=False)
    payoff_demander: np.ndarray = field(init=False)
    payoff_target: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.turns, self.runs)
        for name in ("threat", "offer", "complied", "punished", "delivered"):
            setattr(self, name, np.zeros(shape, dtype=bool))
        for name in ("pressure", "payoff_demander", "payoff_target"):
            setattr(self, name, np.zeros(shape))


def play(
    demander: CoercionDemander, target: CoercionTarget, terms: Params, turns: int, runs: int, seed
) -> History:
    """``runs`` matches of ``turns`` rounds between two strategies (vectorised over runs)."""
    streams = Streams(seed, runs)
    pliable = streams.draw(1)[0] < terms.prior_pliable
    resolve = np.where(pliable, terms.resolve_pliable, terms.resolve_resolute)
    h = History(turns, runs)
    x = terms.demand
    for t in range(turns):
        u = streams.draw(DRAWS_PER_ROUND)
        threat, offer, pressure = demander.move(h, terms, u[0])
        threat = np.asarray(threat, dtype=bool)
        offer = np.asarray(offer, dtype=bool)
        pressure = np.asarray(pressure, dtype=float)
        comply = np.asarray(
            target.respond(h, terms, threat, offer, pressure, resolve, u[1]), dtype=bool
        )
        punished = threat & ~comply & (u[2] < terms.credibility)
        delivered = offer & comply & (u[3] < terms.reliability)
        reward = terms.price * x * delivered
        harm = terms.punishment_at(x) * pressure * punished
        h.payoff_demander[t] = np.where(comply, terms.value * x, 0.0) - reward
        h.payoff_demander[t] -= terms.execution_cost * harm
        own = resolve * np.where(threat, 1.0, terms.cost_resolve_link)  # resolve's cost
        h.payoff_target[t] = np.where(comply, -(terms.cost + own) * x, 0.0) + reward
        h.payoff_target[t] -= harm
        h.threat[t], h.offer[t], h.pressure[t] = threat, offer, pressure
        h.complied[t], h.punished[t], h.delivered[t] = comply, punished, delivered
        h.t = t + 1
    return h


def _resolve_names(names, registry: dict, option: str) -> list[str]:
    if names is None or names == "all" or names == ["all"]:
        return list(registry)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise ScenarioError.bad(option, "give at least one strategy")
    for n in names:
        if n not in registry:
            raise ScenarioError.bad(
                option, f"unknown strategy '{n}' (known: {', '.join(registry)})"
            )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ScenarioError.bad(option, f"{', '.join(dup)} given more than once")
    return names


@dataclass(eq=False, repr=False)
class CoercionTournamentResult(Result):
    """Per-run scores of every (demander, target) pair: arrays ``[d, t, run]``."""

    scenario: str
    demanders: list[str]
    targets: list[str]
    turns: int
    repetitions: int
    seed: int
    demander_payoffs: np.ndarray
    target_payoffs: np.ndarray
    cooperation: np.ndarray
    threats: np.ndarray
    offers: np.ndarray
    punishments: np.ndarray
    transfers: np.ndarray

    @property
    def payoff_matrix(self) -> np.ndarray:
        """Demanders' mean payoff per round against each target (rows demanders)."""
        return self.demander_payoffs.mean(axis=2)

    @property
    def target_payoff_matrix(self) -> np.ndarray:
        """Targets' mean payoff per round against each demander (rows targets)."""
        return self.target_payoffs.mean(axis=2).T

    @property
    def cooperation_matrix(self) -> np.ndarray:
        """Share of demands complied with, per (demander, target)."""
        return self.cooperation.mean(axis=2)

    def demander_scores(self) -> np.ndarray:
        """``[d, run]``: a demander's mean payoff per round over all targets, per run."""
        return self.demander_payoffs.mean(axis=1)

    def target_scores(self) -> np.ndarray:
        """``[t, run]``: a target's mean payoff per round over all demanders, per run."""
        return self.target_payoffs.mean(axis=0)

    def _ranking(self, names: list[str], scores: np.ndarray, salt: int) -> dict:
        ci = mean_ci(scores)
        order = sorted(range(len(names)), key=lambda i: -ci[i, 0])
        # rank intervals: rank by the mean over a bootstrap resample of the runs
        rng = np.random.default_rng([self.seed, salt])
        R = scores.shape[1]
        boots = 500 if R > 1 else 0
        ranks = np.zeros((boots, len(names)), dtype=int)
        for b in range(boots):
            means = scores[:, rng.integers(0, R, R)].mean(axis=1)
            ranks[b, np.argsort(-means, kind="stable")] = np.arange(1, len(names) + 1)

        def num(x):
            return float(x) if np.isfinite(x) else None

        table = {
            names[i]: {
                "rank": pos + 1,
                "mean": float(ci[i, 0]),
                "ci95": [num(ci[i, 1]), num(ci[i, 2])],
                "rank_ci95": (
                    [int(np.percentile(ranks[:, i], 2.5)), int(np.percentile(ranks[:, i], 97.5))]
                    if boots
                    else None
                ),
            }
            for pos, i in enumerate(order)
        }
        return {"ranking": [names[i] for i in order], "scores": table}

    def _headline(self) -> str:
        ranking = self._ranking(self.demanders, self.demander_scores(), 1)["ranking"]
        return (
            f"coercion on {self.scenario}: {len(self.demanders)} demanders × "
            f"{len(self.targets)} targets, {self.turns} rounds × {self.repetitions} runs, seed "
            f"{self.seed}; best demander {ranking[0]}"
        )

    def _repr_html_(self) -> str:
        rows = [[d, *self.payoff_matrix[i].tolist()] for i, d in enumerate(self.demanders)]
        head = ["demander payoff / round", *self.targets]
        return f"<div><p><b>{self._headline()}</b></p>{html_table(head, rows)}</div>"

    def summary(self) -> dict:
        """The ``backscratch tournament --game coercion --format json`` contract."""
        dem = self._ranking(self.demanders, self.demander_scores(), 1)
        tar = self._ranking(self.targets, self.target_scores(), 2)
        return {
            "game": "coercion",
            "scenario": self.scenario,
            "players": list(self.demanders),
            "opponents": list(self.targets),
            "payoff_matrix": self.payoff_matrix.tolist(),
            "ranking": dem["ranking"],
            "scores": dem["scores"],
            "cooperation_matrix": self.cooperation_matrix.tolist(),
            "targets": {
                "players": list(self.targets),
                "payoff_matrix": self.target_payoff_matrix.tolist(),
                "ranking": tar["ranking"],
                "scores": tar["scores"],
            },
            "turns": self.turns,
            "repetitions": self.repetitions,
            "seed": self.seed,
        }

    def to_arrow(self) -> pa.Table:
        """One row per (demander, target, run): mean payoffs per round and counts."""
        D, T, R = self.demander_payoffs.shape
        d, t, r = np.meshgrid(np.arange(D), np.arange(T), np.arange(R), indexing="ij")
        return pa.table(
            {
                "demander": np.array(self.demanders, dtype=object)[d.ravel()].tolist(),
                "target": np.array(self.targets, dtype=object)[t.ravel()].tolist(),
                "run": r.ravel(),
                "demander_payoff": self.demander_payoffs.ravel(),
                "target_payoff": self.target_payoffs.ravel(),
                "cooperation": self.cooperation.ravel(),
                "threats": self.threats.ravel(),
                "offers": self.offers.ravel(),
                "punishments": self.punishments.ravel(),
                "transfers": self.transfers.ravel(),
            }
        )


def tournament(
    scenario: Scenario,
    *,
    demanders=None,
    targets=None,
    turns: int | None = None,
    repetitions: int = 100,
    seed: int | None = None,
) -> CoercionTournamentResult:
    """Every demander against every target, ``repetitions`` runs of ``turns`` rounds each
    (default: the scenario's horizon and seed). Strategies by name, or ``None``/``"all"``."""
    dnames = _resolve_names(demanders, DEMANDERS, "demanders")
    tnames = _resolve_names(targets, TARGETS, "targets")
    turns = scenario.horizon if turns is None else int(turns)
    seed = scenario.seed if seed is None else int(seed)
    if turns < 1:
        raise ScenarioError.bad("turns", f"{turns} must be at least 1")
    if int(repetitions) < 1:
        raise ScenarioError.bad("repetitions", f"{repetitions} must be at least 1")
    terms = Params.from_scenario(scenario)
    # with mediation.guarantor a guarantor holds the goods in every round
    terms = terms._replace(reliability=terms.reliability_with(terms.guarantor))
    R = int(repetitions)
    shape = (len(dnames), len(tnames), R)
    arrays = {k: np.zeros(shape) for k in ("dp", "tp", "coop", "thr", "off", "pun", "tr")}
    for i, dn in enumerate(dnames):
        for j, tn in enumerate(tnames):
            h = play(DEMANDERS[dn](), TARGETS[tn](), terms, turns, R, seed)
            arrays["dp"][i, j] = h.payoff_demander.mean(axis=0)
            arrays["tp"][i, j] = h.payoff_target.mean(axis=0)
            arrays["coop"][i, j] = h.complied.mean(axis=0)
            arrays["thr"][i, j] = h.threat.sum(axis=0)
            arrays["off"][i, j] = h.offer.sum(axis=0)
            arrays["pun"][i, j] = h.punished.sum(axis=0)
            arrays["tr"][i, j] = (terms.price * terms.demand * h.delivered).sum(axis=0)
    return CoercionTournamentResult(
        scenario.name,
        dnames,
        tnames,
        turns,
        R,
        seed,
        arrays["dp"],
        arrays["tp"],
        arrays["coop"],
        arrays["thr"],
        arrays["off"],
        arrays["pun"],
        arrays["tr"],
    )
