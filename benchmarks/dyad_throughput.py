"""Run-periods per second of the dyad engine on `oye-dyad` at 10^5 runs x 100 periods.

    python benchmarks/dyad_throughput.py [--quick] [--runs 100000] [--horizon 100] [--repeat 5]

End to end is what ``bs.run`` does: solving the target's programme, drawing random numbers,
simulating, collecting every per-period record, and the result's ``summary()``. The script
prints

* the **cold** first run: the first end-to-end run in this process (imports excluded), which
  also loads the JIT cache and touches the record memory for the first time: what a user's
  first ``bs.run`` in a session pays;
* then N = ``--repeat`` warm runs of backscratch and of the peer in interleaved rounds
  (ours, peer; peer, ours; ...), the median of N of each: end to end (``summary()``
  included), and for backscratch the simulation steps alone and ``summary()`` alone;
* the ratio of the two medians. The peer, measured in the same run, is the same step
  written with numpy array operations, which is what the engine would be without numba (no
  agent-based library models this game; a Mesa agent loop would be slower still); it runs
  the same model code around that step, ``summary()`` included.

The numpy step must reproduce the numba records exactly, and the script says whether it
did. The goal is >= 10^7 run-periods/s on one core (end to end, warm). ``--quick``: 20,000
runs, N = 3.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

import _bench
from backscratch.core.schema import load_scenario
from backscratch.dyad import _kernels as kernels
from backscratch.dyad.model import DyadModel

GOAL = 1e7


def our_run(scenario) -> dict[str, float]:
    """One end-to-end run of backscratch: seconds of each part and in total."""
    t0 = time.perf_counter()
    model = DyadModel(scenario)
    t1 = time.perf_counter()
    result = model.run()
    t2 = time.perf_counter()
    result.summary()
    t3 = time.perf_counter()
    return {"total": t3 - t0, "setup": t1 - t0, "steps": t2 - t1, "summary": t3 - t2}


def numpy_binomial(n, p, u):
    """Vectorised ``backscratch.dyad._kernels.binomial_draw`` (same operations)."""
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), u.shape).copy()
    p = np.broadcast_to(np.asarray(p, dtype=float), u.shape)
    flip = p > 0.5
    pp = np.where(flip, 1.0 - p, p)
    uu = np.where(flip, 1.0 - u, u)
    q = 1.0 - pp
    with np.errstate(divide="ignore", invalid="ignore"):
        pk = q**n
        cdf = pk.copy()
        k = np.zeros_like(n)
        active = (n > 0) & (pp > 0.0)
        while True:
            go = active & (uu >= cdf) & (k < n)
            if not go.any():
                break
            pk = np.where(go, pk * ((n - k) / (k + 1) * pp / q), pk)
            k = np.where(go, k + 1, k)
            cdf = np.where(go, cdf + pk, cdf)
    k = np.where(n <= 0, 0, np.where(p <= 0.0, 0, np.where(p >= 1.0, n, k)))
    return np.where(flip & (p < 1.0), n - k, k)


def numpy_advance(
    t, belief, capacity, latency, pliable, u, p_t, threat, offer, reliability, params, rec
):
    """The peer: ``backscratch.dyad._kernels.advance`` as numpy array operations, on the same
    typed inputs (``params``: :class:`backscratch.dyad.params.Params`; ``rec``: the records)."""
    value, punishment, credibility = params.value, params.punishment, params.credibility
    exec_cost, price, n_third = params.execution_cost, params.price, params.third_parties
    entry_cost, entry_noise, noise = params.entry_cost, params.entry_noise, params.noise
    h_base, h_threat = params.hedging_base, params.threat_sensitivity
    h_rel, productivity = params.relationship_sensitivity, params.productivity
    rollback, latency_cost = params.rollback, params.latency_cost
    demand_a, demand_b = params.demand_a, params.demand_b
    costs = (params.cost_threat_pliable, params.cost_threat_resolute, params.cost)
    r_belief, r_demand, r_response = rec.belief, rec.demand, rec.response
    r_punished, r_backed, r_transfer = rec.punished, rec.backed_down, rec.transfer
    r_pay_d, r_pay_t, r_entries = rec.payoff_demander, rec.payoff_target, rec.entries
    r_e_complied, r_pay_3 = rec.entrant_complied, rec.payoff_third_parties
    r_capacity, r_latency = rec.capacity, rec.latency
    mu = belief.copy()
    x = demand_a + demand_b * mu
    c_threat = np.where(pliable, costs[0], costs[1])
    pay_d = np.zeros_like(mu)
    pay_t = np.zeros_like(mu)
    pay_3 = np.zeros_like(mu)
    entries = np.zeros(mu.shape, dtype=np.int64)
    e_complied = np.zeros_like(entries)
    if int(n_third) > 0:
        e = kernels.entry_probability(
            mu, x, value, punishment, credibility, exec_cost, entry_cost, entry_noise
        )
        entries = numpy_binomial(int(n_third), e, u[3])
        p_e = 0.5 * (1.0 + np.tanh(0.5 * (credibility * punishment - c_threat * x) / noise))
        e_complied = numpy_binomial(entries, p_e, u[4])
        e_punished = numpy_binomial(entries - e_complied, credibility, u[5])
        pay_t = pay_t - (c_threat * x * e_complied + punishment * e_punished)
        pay_3 = pay_3 + (value * x * e_complied - exec_cost * punishment * e_punished)
    r_belief[t] = mu
    honoured = np.zeros(mu.shape, dtype=bool)
    if threat or offer:
        last = p_t.shape[1] - 1
        pos = mu * last
        j = np.minimum(pos.astype(np.int64), last - 1)
        w = pos - j
        p_pl = p_t[0, j] * (1.0 - w) + p_t[0, j + 1] * w
        p_re = p_t[1, j] * (1.0 - w) + p_t[1, j + 1] * w
        cost = c_threat if threat else np.full_like(mu, costs[2])
        complied = u[0] < np.where(pliable, p_pl, p_re)
        honoured = complied & offer & (u[2] < reliability)
        punished = ~complied & threat & (u[1] < credibility)
        transfer = np.where(honoured, price * x, 0.0)
        pay_d = pay_d + np.where(complied, value * x, 0.0)
        pay_t = pay_t - np.where(complied, cost * x, 0.0)
        pay_d = pay_d - transfer
        pay_t = pay_t + transfer
        pay_t = pay_t - np.where(punished, punishment, 0.0)
        pay_d = pay_d - np.where(punished, exec_cost * punishment, 0.0)
        r_demand[t] = x
        r_response[t] = complied.astype(np.int8)
        r_punished[t] = punished
        r_backed[t] = ~complied & threat & ~punished
        r_transfer[t] = transfer
        belief[:] = kernels.posterior(mu, p_pl, p_re, complied)
    else:
        for r in (r_demand, r_punished, r_backed, r_transfer):
            r[t] = 0
        r_response[t] = kernels.NO_DEMAND
    faced = credibility * punishment * ((1.0 if threat else 0.0) + entries)
    relation = reliability * price * x if offer else np.zeros_like(mu)
    cap = np.maximum(0.0, capacity + h_base + h_threat * faced - h_rel * relation)
    capacity[:] = cap
    stock = np.maximum(
        0.0,
        np.where(honoured, latency + productivity * cap - rollback, latency + productivity * cap),
    )
    latency[:] = stock
    pay_d = pay_d - latency_cost * stock
    r_capacity[t] = cap
    r_latency[t] = stock
    r_entries[t] = entries
    r_e_complied[t] = e_complied
    r_pay_d[t] = pay_d
    r_pay_t[t] = pay_t
    r_pay_3[t] = pay_3


def peer_run(scenario, summary: bool = True):
    """One end-to-end run of the numpy peer on ``scenario``; return (seconds, records)."""
    fast = kernels.advance
    kernels.advance = numpy_advance
    try:
        t0 = time.perf_counter()
        result = DyadModel(scenario).run()
        if summary:
            result.summary()
        return time.perf_counter() - t0, result.records
    finally:
        kernels.advance = fast


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="20,000 runs, N = 3")
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--horizon", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5, help="warm rounds (N)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.repeat = 20_000, 3
    sc = load_scenario("oye-dyad", {"runs": args.runs, "horizon": args.horizon})
    work = args.runs * args.horizon
    cold = our_run(sc)  # the first run in this process: JIT cache load, first touch
    parts: list[dict[str, float]] = []

    def ours() -> None:
        parts.append(our_run(sc))

    times, _ = _bench.interleaved({"ours": ours, "peer": lambda: peer_run(sc)}, args.repeat)
    total = _bench.median(p["total"] for p in parts)
    step = _bench.median(p["steps"] for p in parts)
    summ = _bench.median(p["summary"] for p in parts)
    peer = _bench.median(times["peer"])
    check = sc.with_updates(runs=min(args.runs, 20_000))
    mine = DyadModel(check).run().records
    theirs = peer_run(check, summary=False)[1]
    same = all(np.array_equal(mine[k], theirs[k]) for k in mine)
    worst = max(float(np.max(np.abs(mine[k].astype(float) - theirs[k]))) for k in mine)
    n = args.repeat
    print(f"oye-dyad, {args.runs:,} runs x {args.horizon} periods = {work:,} run-periods, 1 core")
    print(
        f"  backscratch, cold first run, e2e:     {work / cold['total']:14,.0f} run-periods/s"
        f"  ({cold['total']:.2f} s, summary() {cold['summary']:.2f} s)"
    )
    print(f"  warm, median of N = {n} interleaved rounds:")
    print(
        f"  backscratch (numba), end to end:      {work / total:14,.0f} run-periods/s"
        f"  ({total:.2f} s)"
    )
    print(f"  backscratch, simulation steps:        {work / step:14,.0f} run-periods/s")
    print(f"  backscratch, summary() alone:         {summ:14.2f} s")
    print(
        f"  peer (numpy array step), end to end:  {work / peer:14,.0f} run-periods/s"
        f"  ({peer:.2f} s)"
    )
    print(f"  ratio backscratch / peer (e2e):       {peer / total:14,.2f}x")
    print(f"  ratio to the goal of 1e7/s (e2e):     {work / total / GOAL:14,.2f}x")
    print(f"  peer reproduces the records bit for bit: {same} (largest difference {worst:.2g})")


if __name__ == "__main__":
    main()
