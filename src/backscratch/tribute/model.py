"""Axelrod's tribute model ("Building New Political Actors", 1995; Pascal ``Tribute40``, 1993).

Actors sit on a ring (or any graph). Each year ``activations`` actors are drawn at random; the
active actor ``i`` may demand tribute of one actor it can reach; the target pays or fights;
then every actor produces ``income``. Commitments, in percent, grow with tribute and fighting
side by side and shrink with fighting on opposite sides, and they decide who joins whom in a
fight. The rules, with the source of each (A: Axelrod 1995, ch. 6 of *The Complexity of
Cooperation*; P: the Pascal program version 4.0, procedure named):

1. **Start** (P ``Initialize_pop``). Wealth ``W_i = initial + U(-spread, spread)`` (400 ± 100);
   commitment ``c_ii = 100``, ``c_ij = initial`` (0) for ``i != j``.
2. **Activation** (P ``Select_Active_Actor``). ``activations`` times a year one actor is drawn
   uniformly at random, with replacement (so an actor can be active twice in a year).
3. **Alliances** (P ``Calc_Alliance``; A "contiguous alliances"). If ``i`` demands of ``j``,
   actor ``o`` backs ``i`` if ``c_oi > c_oj`` and is connected to ``i`` through actors that
   back ``i``; it helps ``j`` if ``c_oj > c_oi`` and is connected to ``j`` through helpers
   (equal commitments: neither). On the ring this is the Pascal walk: the actors between
   ``i`` and ``j`` must all back ``i`` (else ``j`` is out of reach), the chain beyond ``j``
   helps ``j`` up to the first actor that does not, the chain behind ``i`` backs ``i`` up to
   the first actor that does not. A side's strength is its leader's wealth plus
   ``c_o,leader / 100 * W_o`` of each member's (P: ``loyalty_pc[other, attacker] * w[other]
   / 100``).
4. **Target** (rule A2, P ``Make_Demand``/``Calc_Demand_Value``). The candidates are searched
   from ``i`` outward (on the ring: all the way to the left, then to the right); the search
   goes past a candidate only if it has some commitment to ``i`` (it stops at the first actor
   with zero commitment). ``i`` demands of the reachable candidate maximising
   ``min(demand, W_j) * (W_att - W_def) / W_att`` if that is positive (the first of equals,
   strictly greater replaces); otherwise it does nothing.
5. **Response** (rule B4, P ``Make_Response_Decision``). ``j`` pays iff
   ``min(d * W_att * W_j / W_def, W_j) >= min(demand, W_j)``: the damage it would suffer
   itself is at least the tribute (helpers' damage is not counted).
6. **Tribute** (P ``Make_Payment``). ``j`` pays ``min(demand, W_j)`` to ``i``; ``c_ij`` and
   ``c_ji`` rise by ``step`` (A: protection and subservience).
7. **Fight** (P ``Conduct_Fight``). The attackers lose ``min(d * W_def, W_att)``, the
   defenders ``min(d * W_att, W_def)``, each member in proportion to its contribution to its
   side's strength (``c_o,leader * W_o / 100``; commitments as before the fight). Then the
   commitment of each participant to each on its side rises by ``step`` and to each on the
   other side falls by ``step`` (A: friendship, hostility). All commitments stay in [0, 100].
8. **Production** (P ``Produce_Wealth``): after the year's activations, every actor gains
   ``income``; an isolated actor's wealth is its initial wealth plus the same income.

Readings taken where the text leaves room (also in ``docs/tribute.md``):

* Rules follow the Pascal code where the paper is terse: who backs whom is decided by the
  strict comparison ``c_oi > c_oj``; the demand search passes a candidate only if
  ``c_ji > 0`` (commitment *of the candidate to the demander*); ties in A2 go to the first
  candidate in search order; B4 pays on equality (``>=``).
* "Contiguous" on any graph: connected through backers (on the ring, identical to the
  Pascal walk). Candidates on a graph are searched depth-first in neighbour order.
* Wealth is floored at 0 after a fight. In exact arithmetic a loss never exceeds the wealth;
  the floor only absorbs rounding (the Pascal program has no such floor).
* ``W_att = 0`` gives vulnerability -1 and ``W_def = 0`` a fight cost of 0 (P's guards).

The **backscratching variant** (this project's extension, after Oye 1979): instead of
demanding, an active actor with at least ``offer.price`` may offer a reachable actor ``j``
that payment for alignment. It values the offer at the support it buys,
``min(step, 100 - c_ji) / 100 * W_j``, minus the price, and offers where this is largest and
positive; the target always accepts (the payment is a gain, alignment costs nothing now);
both commitments rise by ``step``, as with tribute. ``backscratching`` allows offers only,
``mixed`` lets the actor take whichever of its best demand and best offer is worth more
(both valued in wealth units), ``none`` leaves actors isolated.

:class:`TributeModel` advances every run together, Mesa-style (``step()`` is one year);
the arrays live in :class:`TributeResult`.
"""

from __future__ import annotations

from typing import NamedTuple

import networkx as nx
import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.core.rng import RunStreams
from backscratch.tribute import _kernels as K
from backscratch.tribute.results import TributeResult
from backscratch.tribute.scenario import TRIBUTE_POLICIES, TributeScenario

POLICY_CODES = {
    "none": K.NONE,
    "blackmail": K.BLACKMAIL,
    "backscratching": K.BACKSCRATCHING,
    "mixed": K.MIXED,
}
"""The kernel's code of each variant of :data:`backscratch.tribute.scenario.TRIBUTE_POLICIES`."""
assert set(POLICY_CODES) == set(TRIBUTE_POLICIES)


class Rules(NamedTuple):
    """The numbers of Axelrod's rules under one variant: what the kernels read (by field)."""

    contiguity: bool
    policy: int
    """The variant's kernel code (:data:`POLICY_CODES`)."""
    demand: float
    destructiveness: float
    step: int
    price: float
    income: float
    dominance: float

    @classmethod
    def from_scenario(cls, scenario: TributeScenario, policy: str) -> Rules:
        """The rules of ``scenario`` under the variant ``policy``."""
        c = scenario.conflict
        return cls(
            contiguity=c.contiguity,
            policy=POLICY_CODES[policy],
            demand=c.demand,
            destructiveness=c.destructiveness,
            step=scenario.commitment.step,
            price=scenario.offer.price,
            income=scenario.wealth.income,
            dominance=scenario.record.dominance_share,
        )


RECORD_BUDGET = 4 * 2**30
"""Largest memory (bytes) the stored records of one model may take."""


# ------------------------------------------------------------------------------ network


def ring_csr(n: int, closed: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency of a ring (``closed``) or a line; each actor lists its left neighbour
    first, as Axelrod's search looks left first."""
    indptr = [0]
    indices: list[int] = []
    for i in range(n):
        nb = []
        if closed or i > 0:
            nb.append((i - 1) % n)
        if (closed or i < n - 1) and (i + 1) % n not in nb:
            nb.append((i + 1) % n)
        nb = [v for v in nb if v != i]
        indices.extend(nb)
        indptr.append(len(indices))
    return np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64)


def graph_csr(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray, list]:
    """CSR adjacency of any networkx graph: actors are the nodes in ``graph.nodes`` order,
    each listing its neighbours in that order (self-loops dropped). Returns the labels too."""
    if graph.is_directed():
        graph = graph.to_undirected()
    labels = list(graph.nodes)
    index = {v: k for k, v in enumerate(labels)}
    indptr = [0]
    indices: list[int] = []
    for v in labels:
        nb = sorted({index[u] for u in graph.neighbors(v) if u != v})
        indices.extend(nb)
        indptr.append(len(indices))
    return np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64), labels


def network_for(scenario: TributeScenario) -> tuple[np.ndarray, np.ndarray]:
    """The CSR adjacency that ``scenario.network`` names."""
    n, net = scenario.actors, scenario.network
    if net.kind in ("ring", "line"):
        return ring_csr(n, closed=net.kind == "ring")
    if net.kind == "torus":
        side = round(n**0.5)
        g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side, periodic=True))
    elif net.kind == "small_world":
        g = nx.watts_strogatz_graph(n, net.neighbours, net.rewiring, seed=net.seed)
    else:  # complete
        g = nx.complete_graph(n)
    indptr, indices, _ = graph_csr(g)
    return indptr, indices


def initial_state(scenario: TributeScenario, streams: RunStreams) -> tuple[np.ndarray, ...]:
    """Initial wealth ``W[run, actor]`` (the first ``actors`` draws of each run) and
    commitments ``C[run, from, to]``."""
    n, w = scenario.actors, scenario.wealth
    u = streams.uniform(n).T
    wealth = w.initial + w.spread * (2.0 * u - 1.0)
    commitment = np.full((scenario.runs, n, n), scenario.commitment.initial, dtype=np.int8)
    idx = np.arange(n)
    commitment[:, idx, idx] = 100
    return np.ascontiguousarray(wealth), commitment


def draw_activations(streams: RunStreams, years: int, per_year: int, actors: int) -> np.ndarray:
    """The actors activated in the next ``years`` years, ``acts[year, k, run]`` (int32): one
    uniform draw per activation, ``floor(u * actors)``."""
    u = streams.uniform(years * per_year)
    acts = np.minimum((u * actors).astype(np.int32), actors - 1)
    return np.ascontiguousarray(acts.reshape(years, per_year, u.shape[1]))


def snapshot_years(years: int, every: int) -> list[int]:
    """Years at whose end a matrix is kept: 0, every, 2 every, ..., and the last (``every``
    0: the first and last only)."""
    if every <= 0:
        return sorted({0, years})
    return sorted({*range(0, years + 1, every), years})


# ------------------------------------------------------------------------------ model


class TributeModel:
    """All runs of a tribute scenario, advanced together one year per :meth:`step`.

    ``graph``: any networkx graph whose node count equals ``scenario.actors`` (default: the
    scenario's ``network``). ``policy``: a variant overriding ``scenario.policy``.
    """

    def __init__(
        self,
        scenario: TributeScenario,
        policy: str | None = None,
        *,
        graph: nx.Graph | None = None,
    ):
        self.scenario = scenario
        self.policy = policy or scenario.policy
        if self.policy not in POLICY_CODES:
            raise ScenarioError.bad(
                "policy",
                f"unknown tribute variant '{self.policy}' (known: {', '.join(TRIBUTE_POLICIES)})",
            )
        n, runs, years = scenario.actors, scenario.runs, scenario.years
        rec = scenario.record
        self.snapshot_years = snapshot_years(years, rec.commitment_every)
        self.wealth_years = sorted(
            set(snapshot_years(years, rec.wealth_every)) | set(self.snapshot_years)
        )
        need = len(self.wealth_years) * runs * n * 8 + len(self.snapshot_years) * runs * n * n
        need += years * runs * (K.N_EVENTS + K.N_STATS) * 8
        if need > RECORD_BUDGET:
            raise ScenarioError(
                f"{scenario.name}: runs {runs} x years {years} x actors {n}: "
                f"records would take {need / 2**30:.1f} GiB (limit {RECORD_BUDGET / 2**30:.0f}): "
                "lower runs, years or actors, or raise record.wealth_every and "
                "record.commitment_every (0 keeps only the first and last year)"
            )
        if graph is not None:
            if graph.number_of_nodes() != n:
                raise ScenarioError(
                    f"graph: {graph.number_of_nodes()} nodes, but the scenario has actors={n}"
                )
            self.indptr, self.indices, self.labels = graph_csr(graph)
        else:
            self.indptr, self.indices = network_for(scenario)
            self.labels = list(range(n))
        self.rules = Rules.from_scenario(scenario, self.policy)
        self.streams = RunStreams(scenario.seed, runs)
        W0, C0 = initial_state(scenario, self.streams)
        self.W = W0
        self.C = C0
        self.events = np.zeros((years, runs, K.N_EVENTS))
        self.stats = np.zeros((years + 1, runs, K.N_STATS))
        for r in range(runs):
            K.produce_and_measure(W0[r].copy(), 0.0, rec.dominance_share, self.stats[0, r])
        self.wealth = np.empty((len(self.wealth_years), runs, n))
        self.commitment = np.empty((len(self.snapshot_years), runs, n, n), dtype=np.int8)
        self._stops = sorted(set(self.wealth_years))
        self._n_wealth = 0
        self._n_commitment = 0
        self.year = 0
        self._keep()
        self._per_year = scenario.conflict.activations
        self._buffer = np.empty((0, self._per_year, runs), dtype=np.int32)
        self._buf_pos = 0

    def _keep(self) -> None:
        """Store wealth / commitments if this year is one to keep."""
        year = self.year
        if self._n_wealth < len(self.wealth_years) and self.wealth_years[self._n_wealth] == year:
            self.wealth[self._n_wealth] = self.W
            self._n_wealth += 1
        if (
            self._n_commitment < len(self.snapshot_years)
            and self.snapshot_years[self._n_commitment] == year
        ):
            self.commitment[self._n_commitment] = self.C
            self._n_commitment += 1

    @property
    def running(self) -> bool:
        """False once every year has been simulated."""
        return self.year < self.scenario.years

    def _refill(self) -> None:
        sc = self.scenario
        left = sc.years - self.year
        per = max(self._per_year, 1) * sc.runs
        chunk = int(max(1, min(left, (1 << 23) // per)))
        self._buffer = draw_activations(self.streams, chunk, self._per_year, sc.actors)
        self._buf_pos = 0

    def _advance(self, years: int) -> None:
        done = 0
        while done < years and self.running:
            if self._buf_pos >= self._buffer.shape[0]:
                self._refill()
            next_stop = next(y for y in self._stops if y > self.year)
            k = min(years - done, self._buffer.shape[0] - self._buf_pos, next_stop - self.year)
            acts = self._buffer[self._buf_pos : self._buf_pos + k]
            K.advance(
                self.W,
                self.C,
                self.indptr,
                self.indices,
                acts,
                self.rules,
                self.events[self.year : self.year + k],
                self.stats[self.year + 1 : self.year + 1 + k],
            )
            self._buf_pos += k
            self.year += k
            done += k
            self._keep()

    def step(self) -> None:
        """Advance every run by one year."""
        self._advance(1)

    def run(self) -> TributeResult:
        """Advance to the last year and return the records."""
        self._advance(self.scenario.years - self.year)
        return self.result()

    def result(self) -> TributeResult:
        """The records so far (arrays shared with the model, not copied)."""
        return TributeResult(
            scenario=self.scenario,
            policy=self.policy,
            events=self.events,
            stats=self.stats,
            wealth_years=self.wealth_years[: self._n_wealth],
            wealth=self.wealth[: self._n_wealth],
            snapshot_years=self.snapshot_years[: self._n_commitment],
            commitment=self.commitment[: self._n_commitment],
            years_done=self.year,
        )
