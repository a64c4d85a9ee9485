"""Axelrod's tribute model: backscratch against the same rules as a plain Mesa 3 model.

    python benchmarks/tribute_vs_mesa.py [--quick] [--actors 1000] [--years 1000] [--runs 10]
                                         [--check-runs 100] [--seed 1993] [--rounds 5]

Needs the ``bench`` extra (``pip install -e '.[bench]'``). In one process it

1. **replays**: runs the Mesa model on backscratch's own initial wealth and activated actors
   for a few runs and requires identical fights, tributes and final commitments (wealth to
   1e-9): the two implementations follow the same rules;
2. **checks the distributions**: runs both on Axelrod's configuration (10 actors, 1,000
   years) with the same seeds, each drawing its own random numbers (Mesa: ``Model(seed=)``'s
   ``random``; backscratch: its per-run PCG64 streams), and compares per-run fights,
   tributes, top actor's share and total-wealth ratio with two-sample Kolmogorov–Smirnov
   tests (they must not differ at the 0.1% level after a Bonferroni correction);
3. **times** both on ``--actors`` x ``--years`` (default 1,000 x 1,000, 3 activations a
   year as in Axelrod, ring) over ``--runs`` runs with the same seeds and the same outputs
   (per-year fights and tributes, final wealth and commitments), and prints the seconds per
   run and the ratio. Goal: backscratch at least 20x faster at 1,000 x 1,000.

Timing: one call of each side is all ``--runs`` runs (backscratch: one ``TributeModel.run()``
of every run and the per-run statistics; Mesa: one model per run, stepped year by year, and
its statistics); both sides are called N = ``--rounds`` times in interleaved rounds (ours,
Mesa; Mesa, ours; ...) after an untimed warm-up of each (the numba cache loads once per
process), and the median of N of each is reported, per run. Imports are not counted.
``--quick`` (for a shared machine): replay 3 runs, distribution check on 40 runs of 300
years, timing at 300 actors x 300 years over 3 runs, N = 3.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import mesa
import numpy as np
from scipy import stats

import _bench
from backscratch.core.rng import RunStreams
from backscratch.core.schema import load_scenario
from backscratch.tribute.model import (
    TributeModel,
    draw_activations,
    initial_state,
)

GOAL = 20.0


class Nation(mesa.Agent):
    """One actor of the tribute model: wealth and a commitment (percent) to every actor."""

    def __init__(self, model: TributeMesa, position: int, wealth: float):
        super().__init__(model)
        self.position = position
        self.wealth = wealth
        self.commitment = [0] * model.n
        self.commitment[position] = 100

    def produce(self) -> None:
        self.wealth += self.model.income

    def alliance(self, target: int, offset: int):
        """Pascal ``Calc_Alliance``: reachable, W_att, W_def, attackers, defenders."""
        nations, n = self.model.nations, self.model.n
        me = self.position
        w_att, w_def = self.wealth, nations[target].wealth
        aid, helpers = [me], [target]
        to = -1 if offset < 0 else 1
        for dist in range(1, abs(offset)):
            o = nations[(me + to * dist) % n]
            if o.commitment[me] > o.commitment[target]:
                w_att += o.commitment[me] * o.wealth / 100
                aid.append(o.position)
            else:
                return False, w_att, w_def, aid, helpers
        for dist in range(1, n):
            o = nations[(target + to * dist) % n]
            if not o.commitment[me] < o.commitment[target]:
                break
            w_def += o.commitment[target] * o.wealth / 100
            helpers.append(o.position)
        for dist in range(1, n):
            o = nations[(me - to * dist) % n]
            if not o.commitment[me] > o.commitment[target]:
                break
            w_att += o.commitment[me] * o.wealth / 100
            aid.append(o.position)
        return True, w_att, w_def, aid, helpers

    def activate(self) -> None:
        """Demand (rule A2) of the best reachable target; it pays or fights (rule B4)."""
        model, nations, n = self.model, self.model.nations, self.model.n
        me = self.position
        best, choice = 0.0, None
        for direction in (-1, 1):
            for dist in range(1, n):
                j = (me + direction * dist) % n
                ok, w_att, w_def, _, _ = self.alliance(j, direction * dist)
                if ok:
                    vul = -1.0 if w_att == 0 else (w_att - w_def) / w_att
                    value = min(model.demand, nations[j].wealth) * vul
                    if value > best:
                        best, choice = value, (j, direction * dist)
                if nations[j].commitment[me] == 0:
                    break
        if choice is None:
            return
        j, offset = choice
        target = nations[j]
        _, w_att, w_def, aid, helpers = self.alliance(j, offset)
        model.demands += 1
        pay = min(model.demand, target.wealth)
        upper = 0.0 if w_def == 0 else model.destructiveness * w_att * (target.wealth / w_def)
        if min(upper, target.wealth) >= pay:
            self.wealth += pay
            target.wealth -= pay
            model.bump(me, j, model.step_size)
            model.bump(j, me, model.step_size)
            model.tributes += 1
            return
        by_att = min(model.destructiveness * w_att, w_def)
        by_def = min(model.destructiveness * w_def, w_att)
        for side, leader, total, damage in ((aid, me, w_att, by_def), (helpers, j, w_def, by_att)):
            if total > 0:
                for k in side:
                    o = nations[k]
                    o.wealth = max(
                        o.wealth - damage * o.commitment[leader] * (o.wealth / total) / 100, 0.0
                    )
        for side, other in ((aid, helpers), (helpers, aid)):
            for k in side:
                for m in side:
                    model.bump(k, m, model.step_size)
                for m in other:
                    model.bump(k, m, -model.step_size)
        model.fights += 1


class TributeMesa(mesa.Model):
    """Axelrod's tribute model on a ring, as a plain Mesa 3 model (one ``step()`` a year)."""

    def __init__(self, n=10, seed=None, activations=3, initial_wealth=None, replay=None):
        super().__init__(seed=seed)
        self.n, self.per_year, self.replay = n, activations, replay
        self.income, self.demand, self.destructiveness, self.step_size = 20.0, 250.0, 0.25, 10
        self.fights = self.tributes = self.demands = 0
        self.year = 0
        self.fights_by_year: list[int] = []
        self.nations = []
        for i in range(n):
            w = (
                initial_wealth[i]
                if initial_wealth is not None
                else 400 + self.random.uniform(-100, 100)
            )
            self.nations.append(Nation(self, i, float(w)))

    def bump(self, a: int, b: int, delta: int) -> None:
        c = self.nations[a].commitment
        c[b] = min(100, max(0, c[b] + delta))

    def step(self) -> None:
        before = self.fights
        for k in range(self.per_year):
            i = (
                self.replay[self.year, k]
                if self.replay is not None
                else self.random.randrange(self.n)
            )
            self.nations[i].activate()
        self.agents.do("produce")
        self.fights_by_year.append(self.fights - before)
        self.year += 1

    def statistics(self) -> dict[str, float]:
        w = np.array([a.wealth for a in self.nations])
        return {
            "fights": self.fights,
            "tributes": self.tributes,
            "top_share": w.max() / w.sum(),
            "relative_wealth": w.sum() / (self.initial_total + self.n * self.income * self.year),
        }


def run_mesa(n: int, years: int, seed: int, run: int) -> TributeMesa:
    model = TributeMesa(n, seed=seed * 100_003 + run)
    model.initial_total = sum(a.wealth for a in model.nations)
    for _ in range(years):
        model.step()
    return model


def backscratch_stats(res) -> dict[str, np.ndarray]:
    y = res.yearly()
    return {
        "fights": res.event("fights").sum(axis=0),
        "tributes": res.event("tributes").sum(axis=0),
        "top_share": y["top_share"][-1],
        "relative_wealth": y["relative_wealth"][-1],
    }


def scenario(actors: int, years: int, runs: int, seed: int):
    return load_scenario(
        "tribute",
        {
            "actors": actors,
            "years": years,
            "runs": runs,
            "seed": seed,
            "record.commitment_every": 0,
            "record.wealth_every": 0,
        },
    )


def replay(runs: int, years: int, seed: int) -> bool:
    sc = scenario(10, years, runs, seed)
    res = TributeModel(sc).run()
    streams = RunStreams(sc.seed, sc.runs)
    W0, _ = initial_state(sc, streams)
    acts = draw_activations(streams, years, 3, 10)
    ok = True
    for r in range(runs):
        m = TributeMesa(10, seed=0, initial_wealth=W0[r], replay=acts[:, :, r])
        for _ in range(years):
            m.step()
        w = np.array([a.wealth for a in m.nations])
        c = np.array([a.commitment for a in m.nations])
        same = (
            m.fights == res.event("fights")[:, r].sum()
            and m.tributes == res.event("tributes")[:, r].sum()
            and np.array_equal(c, res.commitment[-1, r])
            and np.allclose(w, res.wealth[-1, r], rtol=1e-9)
        )
        ok &= bool(same)
    print(f"replay: Mesa on backscratch's draws, {runs} runs x {years} years: "
          f"{'identical' if ok else 'DIFFERENT'}")  # fmt: skip
    return ok


def distributions(runs: int, years: int, seed: int) -> bool:
    res = TributeModel(scenario(10, years, runs, seed)).run()
    ours = backscratch_stats(res)
    theirs: dict[str, list[float]] = {k: [] for k in ours}
    for r in range(runs):
        s = run_mesa(10, years, seed, r).statistics()
        for k in theirs:
            theirs[k].append(s[k])
    alpha = 0.001 / len(ours)
    ok = True
    print(f"distributions: 10 actors x {years} years, {runs} runs each, own random numbers")
    print(f"  {'statistic':<16} {'backscratch':>12} {'mesa':>12} {'KS p':>8}")
    for k, a in ours.items():
        b = np.asarray(theirs[k])
        p = stats.ks_2samp(a, b).pvalue
        ok &= p > alpha
        print(f"  {k:<16} {a.mean():12.3f} {b.mean():12.3f} {p:8.3f}")
    print(f"  agree in distribution (every KS p > {alpha:.5f}): {ok}")
    return ok


def timing(actors: int, years: int, runs: int, seed: int, rounds: int) -> float:
    sc = scenario(actors, years, runs, seed)
    TributeModel(scenario(actors, 2, 1, seed)).run()  # warm-up: load the numba cache
    run_mesa(actors, 2, seed, 0).statistics()  # and Mesa's first model

    def ours():
        res = TributeModel(sc).run()
        backscratch_stats(res)
        return res.event("fights").sum(axis=0).mean()

    def theirs():
        fights = []
        for r in range(runs):
            m = run_mesa(actors, years, seed, r)
            m.statistics()
            fights.append(m.fights)
        return np.mean(fights)

    times, values = _bench.interleaved({"ours": ours, "mesa": theirs}, rounds)
    t_ours, t_mesa = _bench.median(times["ours"]), _bench.median(times["mesa"])
    ratio = t_mesa / t_ours
    print(
        f"timing: {actors} actors x {years} years x {runs} runs (3 activations a year, ring), "
        f"median of N = {rounds} interleaved rounds"
    )
    print(
        f"  backscratch  {t_ours / runs * 1e3:9.2f} ms per run  "
        f"(fights/run {values['ours'][-1]:.1f})"
    )
    print(
        f"  mesa {mesa.__version__:<7} {t_mesa / runs * 1e3:9.2f} ms per run  "
        f"(fights/run {values['mesa'][-1]:.1f})"
    )
    print(f"  ratio mesa / backscratch: {ratio:.1f}x (goal >= {GOAL:.0f}x at 1,000 x 1,000)")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for a shared machine")
    ap.add_argument("--actors", type=int, default=1000)
    ap.add_argument("--years", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--check-runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1993)
    ap.add_argument("--rounds", type=int, default=5, help="timing rounds (N)")
    a = ap.parse_args()
    if a.quick:
        a.actors, a.years, a.runs, a.check_runs, a.rounds = 300, 300, 3, 40, 3
    same = replay(3, 300 if a.quick else 1000, a.seed)
    agree = distributions(a.check_runs, 300 if a.quick else 1000, a.seed)
    ratio = timing(a.actors, a.years, a.runs, a.seed, a.rounds)
    print(f"summary: replay identical={same}, distributions agree={agree}, ratio={ratio:.1f}x")


if __name__ == "__main__":
    main()
