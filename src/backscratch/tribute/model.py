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

:class:`TributeModel` advances every run together, Mesa-style (``step()`` is one year), or,
in :meth:`TributeModel.run`, block of runs by block (only a block's commitments in memory);
the arrays live in :class:`TributeResult`. Commitment snapshots are kept as the entries that
changed since the previous one (:class:`backscratch.tribute.results.CommitmentLog`).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import networkx as nx
import numpy as np

from backscratch.core.errors import ScenarioError
from backscratch.core.rng import RunStreams
from backscratch.tribute import _kernels as K
from backscratch.tribute.results import CommitmentLog, TributeResult
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
    cluster_threshold: int = 50
    """Mutual commitment linking two actors (``commitment.cluster_threshold``)."""

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
            cluster_threshold=scenario.commitment.cluster_threshold,
        )


RECORD_BUDGET = 4 * 2**30
"""Largest memory (bytes) the stored records of one model may take (with one run's
commitments)."""

BLOCK_BUDGET = 512 * 2**20
"""Memory (bytes) the commitments of one block of runs may take in :meth:`TributeModel.run`
(a block has at least one run); results do not depend on it."""


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


class Draws(Protocol):
    """What :func:`initial_state` and :func:`draw_activations` draw from (a
    :class:`~backscratch.core.rng.RunStreams`)."""

    def uniform(self, count: int) -> np.ndarray: ...


class _RunDraws:
    """The streams of :class:`~backscratch.core.rng.RunStreams` (the same numbers), of any
    range of runs: run ``r`` draws from ``SeedSequence(seed).spawn(runs)[r]``, which is
    ``SeedSequence(seed, spawn_key=(r,))``."""

    def __init__(self, gens: list[np.random.Generator]):
        self._gens = gens

    @classmethod
    def of(cls, seed: int, runs: int) -> _RunDraws:
        return cls(
            [
                np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(r,))))
                for r in range(runs)
            ]
        )

    def sub(self, lo: int, hi: int) -> _RunDraws:
        """Runs ``lo..hi - 1`` (sharing their generators)."""
        return _RunDraws(self._gens[lo:hi])

    def uniform(self, count: int) -> np.ndarray:
        """The next ``count`` uniform [0, 1) draws of every run, shape ``(count, runs)``."""
        out = np.empty((count, len(self._gens)))
        for r, gen in enumerate(self._gens):
            out[:, r] = gen.random(count)
        return out


def _initial_wealth(scenario: TributeScenario, streams: Draws) -> np.ndarray:
    n, w = scenario.actors, scenario.wealth
    u = streams.uniform(n).T
    return np.ascontiguousarray(w.initial + w.spread * (2.0 * u - 1.0))


def initial_state(scenario: TributeScenario, streams: RunStreams | Draws) -> tuple[np.ndarray, ...]:
    """Initial wealth ``W[run, actor]`` (the first ``actors`` draws of each run) and
    commitments ``C[run, from, to]``."""
    wealth = _initial_wealth(scenario, streams)
    c = scenario.commitment
    log = CommitmentLog(wealth.shape[0], scenario.actors, c.initial)
    return wealth, log.initial_matrices(wealth.shape[0])


def draw_activations(
    streams: RunStreams | Draws, years: int, per_year: int, actors: int
) -> np.ndarray:
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


def _gib(b: float) -> str:
    return f"{b / 2**30:.1f} GiB"


# ------------------------------------------------------------------------------ model


class _Block:
    """Runs ``lo..hi - 1`` of a model: their wealth (a view of the model's ``W``),
    commitments, change tracking and random streams, at the end of year ``year``."""

    def __init__(self, model: TributeModel, lo: int, hi: int):
        sc = model.scenario
        self.lo, self.hi, self.year = lo, hi, 0
        self.W = model.W[lo:hi]
        self.C = model._log.initial_matrices(hi - lo)
        c = sc.commitment
        self.track = K.tracking_arrays(hi - lo, sc.actors, c.initial, c.cluster_threshold)
        self.streams = model.streams.sub(lo, hi)
        self.buffer = np.empty((0, sc.conflict.activations, hi - lo), dtype=np.int32)
        self.pos = 0


class TributeModel:
    """All runs of a tribute scenario, advanced together one year per :meth:`step`.

    ``graph``: any networkx graph whose node count equals ``scenario.actors`` (default: the
    scenario's ``network``). ``policy``: a variant overriding ``scenario.policy``.

    :meth:`run` on a fresh model simulates the runs in blocks (:data:`BLOCK_BUDGET`), each
    from the first year to the last, so that only one block's commitments are in memory;
    :meth:`step` (and reading :attr:`C` before the end) holds every run's. The results are the
    same bits either way.
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
        need = len(self.wealth_years) * runs * n * 8 + len(self.snapshot_years) * runs * 12
        need += years * runs * (K.N_EVENTS + K.N_STATS) * 8
        # one run's commitments, changed bits and list, links
        self._run_bytes = n * n + (n * n + 63) // 64 * 8 + min(n * n, K.CHANGED_LIST) * 8 + n * 8
        if need + self._run_bytes > RECORD_BUDGET:
            raise ScenarioError(
                f"{scenario.name}: runs {runs} x years {years} x actors {n}: "
                f"records would take {_gib(need + self._run_bytes)} "
                f"(limit {RECORD_BUDGET / 2**30:.0f}): "
                "lower runs, years or actors, or raise record.wealth_every and "
                "record.commitment_every (0 keeps only the first and last year)"
            )
        self._need = need
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
        self.streams = _RunDraws.of(scenario.seed, runs)
        self.W = _initial_wealth(scenario, self.streams)
        self.events = np.zeros((years, runs, K.N_EVENTS))
        self.stats = np.zeros((years + 1, runs, K.N_STATS))
        for r in range(runs):
            K.produce_and_measure(self.W[r].copy(), 0.0, rec.dominance_share, self.stats[0, r])
        self.wealth = np.empty((len(self.wealth_years), runs, n))
        self._log = CommitmentLog(runs, n, scenario.commitment.initial)
        self._clusters = np.zeros((3, len(self.snapshot_years), runs), dtype=np.int32)
        # the first year: wealth as drawn; commitments all commitment.initial, so either no
        # actor is linked or all are, one cluster of every actor
        self.wealth[0] = self.W
        if scenario.commitment.initial >= scenario.commitment.cluster_threshold:
            self._clusters[:, 0] = [[1], [n], [n]]
        self._wealth_index = {y: s for s, y in enumerate(self.wealth_years)}
        self._snapshot_index = {y: s for s, y in enumerate(self.snapshot_years)}
        self._stops = sorted(set(self.wealth_years))
        self.year = 0
        self._live: _Block | None = None
        self._final_C: np.ndarray | None = None

    # ------------------------------------------------------------------ state

    @property
    def C(self) -> np.ndarray:
        """Commitments ``[run, from, to]`` at the end of year :attr:`year` (read only: the
        model tracks its own changes). Before the end, reading it makes the model hold every
        run's commitments (as :meth:`step` does); after :meth:`run`, it is rebuilt from the
        last snapshot."""
        if self._live is None and self.year == self.scenario.years and self.year > 0:
            if self._final_C is None:
                self._final_C = self._log.snapshot(len(self.snapshot_years) - 1)
            return self._final_C
        return self._all_runs().C

    @property
    def _n_wealth(self) -> int:
        return sum(1 for y in self.wealth_years if y <= self.year)

    @property
    def _n_commitment(self) -> int:
        return sum(1 for y in self.snapshot_years if y <= self.year)

    @property
    def running(self) -> bool:
        """False once every year has been simulated."""
        return self.year < self.scenario.years

    # ------------------------------------------------------------------ simulation

    def _all_runs(self) -> _Block:
        """Every run as one block (what :meth:`step` advances), made on first use."""
        if self._live is None:
            runs = self.scenario.runs
            if self._need + runs * self._run_bytes > RECORD_BUDGET:
                raise ScenarioError(
                    f"{self.scenario.name}: step() holds every run's commitments "
                    f"({_gib(runs * self._run_bytes)} with the records; limit "
                    f"{RECORD_BUDGET / 2**30:.0f} GiB): use run(), which simulates the runs "
                    "in blocks, or lower runs or actors"
                )
            self._live = _Block(self, 0, runs)
        return self._live

    def _keep(self, b: _Block) -> None:
        """Store a block's wealth / commitment changes / clusters if this year (after the
        first, stored at the start) is one to keep."""
        year, lo, hi = b.year, b.lo, b.hi
        s = self._wealth_index.get(year)
        if s is not None:
            self.wealth[s, lo:hi] = b.W
        s = self._snapshot_index.get(year)
        if s is None:
            return
        bits, changed, count, links = b.track
        starts = np.zeros(hi - lo + 1, dtype=np.int64)
        np.cumsum(count, out=starts[1:])
        idx = np.empty(starts[-1], dtype=self._log.index_dtype)
        val = np.empty(starts[-1], dtype=np.int8)
        K.collect_changes(b.C, bits, changed, count, starts, idx, val)
        self._log.add(s, lo, starts, idx, val)
        if self._need + self._log.nbytes > RECORD_BUDGET:
            raise ScenarioError(
                f"{self.scenario.name}: the commitment snapshots would take more than "
                f"{_gib(RECORD_BUDGET - self._need)} (records limit "
                f"{RECORD_BUDGET / 2**30:.0f} GiB): raise record.commitment_every (0 "
                "keeps only the first and last year) or lower runs, years or actors"
            )
        cl = self._clusters[:, s, lo:hi]
        th = self.scenario.commitment.cluster_threshold
        K.linked_clusters(b.C, b.W, links, th, cl[0], cl[1], cl[2])

    def _refill(self, b: _Block) -> None:
        sc = self.scenario
        left = sc.years - b.year
        per_year = sc.conflict.activations
        per = max(per_year, 1) * (b.hi - b.lo)
        chunk = int(max(1, min(left, (1 << 23) // per)))
        b.buffer = draw_activations(b.streams, chunk, per_year, sc.actors)
        b.pos = 0

    def _advance_block(self, b: _Block, to_year: int) -> None:
        lo, hi = b.lo, b.hi
        while b.year < to_year:
            if b.pos >= b.buffer.shape[0]:
                self._refill(b)
            next_stop = next(y for y in self._stops if y > b.year)
            k = min(to_year - b.year, b.buffer.shape[0] - b.pos, next_stop - b.year)
            y = b.year
            K.advance(
                b.W,
                b.C,
                self.indptr,
                self.indices,
                b.buffer[b.pos : b.pos + k],
                self.rules,
                self.events[y : y + k, lo:hi],
                self.stats[y + 1 : y + 1 + k, lo:hi],
                b.track,
            )
            b.pos += k
            b.year += k
            self._keep(b)

    def _advance(self, years: int) -> None:
        if not self.running or years <= 0:
            return
        b = self._all_runs()
        self._advance_block(b, min(self.scenario.years, self.year + years))
        self.year = b.year

    def step(self) -> None:
        """Advance every run by one year."""
        self._advance(1)

    def run(self) -> TributeResult:
        """Advance to the last year and return the records."""
        sc = self.scenario
        if self._live is None and self.year == 0:
            per_block = max(1, min(sc.runs, BLOCK_BUDGET // self._run_bytes))
            for lo in range(0, sc.runs, per_block):
                b = _Block(self, lo, min(sc.runs, lo + per_block))
                self._advance_block(b, sc.years)
                self._log.merge(lo)
                del b
            self.year = sc.years
        else:
            self._advance(sc.years - self.year)
        return self.result()

    def result(self) -> TributeResult:
        """The records so far (arrays shared with the model, not copied)."""
        n_c = self._n_commitment
        return TributeResult(
            scenario=self.scenario,
            policy=self.policy,
            events=self.events,
            stats=self.stats,
            wealth_years=self.wealth_years[: self._n_wealth],
            wealth=self.wealth[: self._n_wealth],
            snapshot_years=self.snapshot_years[:n_c],
            commitment=self._log,
            years_done=self.year,
            _clusters=tuple(self._clusters[k, :n_c] for k in range(3)),
        )
