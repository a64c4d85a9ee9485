"""The dashboard's logic in plain Python: controls, uploads, cached simulation, plot data.

Nothing here imports Panel, so every rule the page follows is tested without a browser.

* :data:`CONTROLS` — the sliders and the scenario fields they set (dotted paths, as ``--set``).
* :func:`parse_upload` — an uploaded ``.yaml``/``.yml``/``.toml`` file to a validated
  :class:`~backscratch.dyad.scenario.Scenario`, or a one-line :class:`ScenarioError` (too large,
  not UTF-8, malformed, unknown field, value out of range, too heavy for the page).
* :func:`simulate` — blackmail, backscratching and mixed on the same seeds, advanced period by
  period with a progress callback, reduced to per-period means and summaries, and cached by
  scenario (its seed included).
* :func:`series`, :func:`summary_rows`, :func:`results_json` — what the plots, the table and
  the download show.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from backscratch import __version__
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import (  # read_mapping: the loader's reading, its one-line errors
    builtin_names,
    dump_yaml,
    get_field,
    load_scenario,
    read_mapping,
    validate,
)
from backscratch.dyad import api as dyad_api
from backscratch.dyad.policies import POLICY_NAMES
from backscratch.dyad.results import DyadResult, lock_in, select
from backscratch.dyad.scenario import Scenario

POLICIES = tuple(p for p in POLICY_NAMES if p != "none")
"""The three instruments shown side by side, always on the same random numbers."""

MAX_UPLOAD_BYTES = 1_000_000
"""Uploaded scenario files larger than this (1 MB) are rejected, counted as they stream."""

MAX_UPLOAD_VALUES = 10_000
"""Most values an uploaded file may stand for (aliases expanded), a tenth of what a file
on disk may (:data:`backscratch.core.schema.MAX_VALUES`): reading an upload holds up the
page for every client, and at this size it takes well under 0.1 s whatever the file."""

MAX_RUN_PERIODS = 2_000_000
"""Largest runs × horizon the page simulates (per policy: about 200 MB of records at most)."""

MAX_HORIZON = 5_000
"""Longest horizon the page draws (periods)."""

MIN_RUNS = 10
UPLOAD_SUFFIXES = (".yaml", ".yml", ".toml")


@dataclass(frozen=True)
class Control:
    """One slider: the scenario field it sets (dotted path), its label and its range."""

    field: str
    label: str
    start: float
    end: float
    step: float
    integer: bool = False


CONTROLS: tuple[Control, ...] = (
    Control("shadow", "Shadow of the future δ (probability)", 0.0, 0.99, 0.01),
    Control("third_parties.count", "Third parties M (count)", 0, 10, 1, integer=True),
    Control("threat.punishment", "Punishment P (payoff units)", 0.0, 5.0, 0.1),
    Control("threat.credibility", "Credibility of the threat q (probability)", 0.0, 1.0, 0.05),
    Control("offer.price", "Reward R (payoff units per unit of demand)", 0.0, 3.0, 0.05),
    Control("offer.reliability", "Reliability of the reward ρ (probability)", 0.0, 1.0, 0.05),
    Control("domestic.hawk_bias", "Hawk bias η (weight)", 0.0, 3.0, 0.05),
)
"""The key parameters of the model, in the order the page shows them."""

CONTROL_FIELDS = tuple(c.field for c in CONTROLS)


@lru_cache(maxsize=1)
def dyad_scenarios() -> tuple[str, ...]:
    """Names of the built-in scenarios of the dyad model (the one the dashboard shows)."""
    return tuple(n for n in builtin_names() if _is_dyad(load_scenario(n)))


def _is_dyad(scenario) -> bool:
    return isinstance(scenario, Scenario) and scenario.model == "dyad"


def require_dyad(scenario, source: str) -> Scenario:
    """``scenario`` if it is a dyad scenario, else a one-line :class:`ScenarioError`."""
    if not _is_dyad(scenario):
        model = getattr(scenario, "model", "?")
        raise ScenarioError(
            f"{source}: model: the dashboard shows the dyad model only (got '{model}')"
        )
    return scenario


def control_values(scenario: Scenario) -> dict[str, float]:
    """The scenario's values of every control's field."""
    return {c.field: get_field(scenario, c.field) for c in CONTROLS}


def slider_range(control: Control, value: float) -> tuple[float, float]:
    """The slider's (start, end), widened so that the scenario's own value fits."""
    return min(control.start, value), max(control.end, value)


def max_runs(horizon: int) -> int:
    """Most runs the page simulates at this horizon (:data:`MAX_RUN_PERIODS`)."""
    return MAX_RUN_PERIODS // max(horizon, 1)


def check_limits(scenario: Scenario, source: str = "scenario") -> None:
    """Raise a one-line :class:`ScenarioError` if the page cannot simulate ``scenario``."""
    if scenario.horizon > MAX_HORIZON:
        raise ScenarioError(
            f"{source}: horizon: {scenario.horizon} periods is too long for the dashboard "
            f"(at most {MAX_HORIZON}); use `backscratch run` instead"
        )
    if scenario.runs * scenario.horizon > MAX_RUN_PERIODS:
        raise ScenarioError(
            f"{source}: runs: {scenario.runs} runs × {scenario.horizon} periods exceeds the "
            f"dashboard's {MAX_RUN_PERIODS:,} run-periods (at most {max_runs(scenario.horizon)} "
            "runs at this horizon)"
        )


def fit_runs(scenario: Scenario) -> Scenario:
    """``scenario`` with its runs lowered to what the page simulates, if they exceed it."""
    limit = max_runs(scenario.horizon)
    return scenario if scenario.runs <= limit else scenario.with_updates(runs=limit)


def parse_upload(data: bytes | None, filename: str | None) -> Scenario:
    """Validate an uploaded scenario file; a one-line :class:`ScenarioError` names the problem.

    Rejected: an empty file, one larger than :data:`MAX_UPLOAD_BYTES`, a name not ending in
    ``.yaml``/``.yml``/``.toml``, text that is not UTF-8, malformed YAML/TOML, unknown
    fields (with the nearest known name), values out of range, and a horizon too long for the
    page. Runs beyond the page's limit are lowered (see :func:`fit_runs`), not rejected.
    """
    name = Path(filename or "upload").name or "upload"
    if not data:
        raise ScenarioError(f"{name}: the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
            f"{name}: the file is {len(data):,} bytes; scenario files are limited to 1 MB "
            f"({MAX_UPLOAD_BYTES:,} bytes)"
        )
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ScenarioError(f"{name}: expected a .yaml, .yml or .toml scenario file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: not a text file (not UTF-8)") from None
    fmt = "toml" if suffix == ".toml" else "yaml"
    mapping = read_mapping(text, fmt, name, max_values=MAX_UPLOAD_VALUES)
    mapping.setdefault("name", Path(name).stem)
    scenario = require_dyad(validate(mapping, source=name), name)
    if scenario.horizon > MAX_HORIZON:
        check_limits(scenario, name)
    return fit_runs(scenario)


def apply_controls(
    scenario: Scenario,
    values: dict[str, float],
    runs: int | None = None,
    seed: int | None = None,
) -> Scenario:
    """``scenario`` with the controls' values (and runs, seed) set, validated and in limits."""
    updates: dict = {}
    for c in CONTROLS:
        if c.field in values:
            v = values[c.field]
            updates[c.field] = round(v) if c.integer else float(v)
    if runs is not None:
        updates["runs"] = int(runs)
    if seed is not None:
        updates["seed"] = int(seed)
    unknown = set(values) - set(CONTROL_FIELDS)
    if unknown:
        raise ScenarioError(f"{sorted(unknown)[0]}: not a dashboard control")
    sc = scenario.with_updates(**updates)
    check_limits(sc, sc.name)
    return sc


# ------------------------------------------------------------------------- simulation


@dataclass
class PolicyRun:
    """One policy's results, reduced to what the page shows: the per-period series of
    :meth:`~backscratch.dyad.results.DyadResult.per_period` (arrays of length horizon), the
    summary and the leader's payoff as a line in the hawk bias."""

    policy: str
    series: dict[str, np.ndarray]
    summary: dict[str, float]
    line: tuple[float, float]
    """The leader's mean payoff at eta = 0, and its slope in eta (the toughness)."""

    @classmethod
    def of(cls, result: DyadResult) -> PolicyRun:
        """The reduction of a full result (its per-period records are not kept)."""
        return cls(result.policy, result.per_period(), result.summary(), result.leader_line())

    def leader_payoff(self, eta: float) -> float:
        """The leader's mean discounted payoff at hawk bias ``eta`` (linear in eta)."""
        return self.line[0] + eta * self.line[1]


def lock_in_of(runs: dict[str, PolicyRun]) -> dict:
    """The hawk-bias analysis (:func:`backscratch.dyad.results.lock_in`) of reduced runs."""
    lines = {p: r.line for p, r in runs.items()}
    return lock_in(lines, {p: r.summary["cooperation_rate"] for p, r in runs.items()}, [0.0])


@dataclass
class Simulation:
    """The three policies on one scenario (cached; independent of the hawk bias)."""

    policies: dict[str, PolicyRun]
    eta_star: float | None
    """Smallest hawk bias at which the leader prefers blackmail to every other policy simulated
    (or None)."""


@dataclass
class Outcome:
    """A scenario as set on the page and its simulation."""

    scenario: Scenario
    simulation: Simulation
    cached: bool = False

    @property
    def eta(self) -> float:
        return self.scenario.domestic.hawk_bias

    @property
    def policies(self) -> dict[str, PolicyRun]:
        return self.simulation.policies

    def preferred(self, eta: float | None = None) -> str:
        """The policy the leader prefers at hawk bias ``eta`` (default: the scenario's)."""
        eta = self.eta if eta is None else eta
        return max(self.policies, key=lambda p: self.policies[p].leader_payoff(eta))


def cache_key(scenario: Scenario) -> str:
    """Identity of a simulation: every field of the scenario (its seed and runs included)
    except the hawk bias, which changes only the leader's payoff, not play."""
    data = scenario.model_dump()
    data["domestic"] = {**data["domestic"], "hawk_bias": 0.0}
    blob = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class _Cache:
    size: int = 32
    entries: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    def get(self, key: str) -> Simulation | None:
        with self.lock:
            sim = self.entries.get(key)
            if sim is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return sim

    def put(self, key: str, sim: Simulation) -> None:
        with self.lock:
            self.entries[key] = sim
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.hits = self.misses = 0


CACHE = _Cache()
"""Simulations by :func:`cache_key` (least recently used dropped beyond 32), shared by every
browser session of one server."""


def simulate(scenario: Scenario, progress: Callable[[float], None] | None = None) -> Outcome:
    """Blackmail, backscratching and mixed on ``scenario`` (common random numbers), reduced.

    Each policy's model is advanced one period at a time so that ``progress(fraction)`` can
    report how far the work is (about 20 calls per policy). Results come from the cache when
    the same scenario and seed were simulated before.
    """
    check_limits(scenario, scenario.name)
    key = cache_key(scenario)
    sim = CACHE.get(key)
    if sim is not None:
        if progress:
            progress(1.0)
        return Outcome(scenario, sim, cached=True)
    n = len(POLICIES)
    every = max(1, scenario.horizon // 20)
    runs: dict[str, PolicyRun] = {}
    for i, policy in enumerate(POLICIES):

        def step(t: int, horizon: int, i: int = i) -> None:
            if progress and (t % every == 0 or t == horizon):
                progress((i + STEP_SHARE * t / horizon) / n)

        runs[policy] = PolicyRun.of(dyad_api.run(scenario, policy=policy, progress=step))
        if progress:
            progress((i + 1) / n)
    sim = Simulation(runs, lock_in_of(runs)["eta_star"])
    CACHE.put(key, sim)
    return Outcome(scenario, sim)


STEP_SHARE = 0.8
"""Share of a policy's progress given to playing its periods; the rest is the reduction."""


# --------------------------------------------------------------------- what is shown

SERIES = {
    "cooperation_rate": "share of demands met",
    "demand": "mean demand (units of concession)",
    "entries": "third-party entries per period (count)",
    "latency": "latent capability L (latency units)",
    "belief": "public belief P(pliable)",
    "belief_jump": "change of P(pliable) after a concession (probability)",
    "payoff_demander": "demander's discounted payoff to date (payoff units)",
    "payoff_target": "target's discounted payoff to date (payoff units)",
}
"""Per-period series a plot can show, with their axis labels (units in brackets)."""


def series(outcome: Outcome, name: str) -> dict[str, np.ndarray]:
    """Columns for one plot: ``period`` and one column per policy (latency adds
    ``POLICY_lo`` / ``POLICY_hi``, its 10–90% band across runs)."""
    if name not in SERIES:
        raise ScenarioError(f"series '{name}': unknown (known: {', '.join(SERIES)})")
    H = outcome.scenario.horizon
    cols: dict[str, np.ndarray] = {"period": np.arange(H)}
    for p, run in outcome.policies.items():
        cols[p] = np.asarray(run.series[name], dtype=float)
        if name == "latency":
            cols[f"{p}_lo"] = run.series["latency_lo"]
            cols[f"{p}_hi"] = run.series["latency_hi"]
    return cols


def period_rows(outcome: Outcome, period: int) -> list[list]:
    """The explore view's readout of one period (0-based, as the plots' x axis): one row per
    series of :data:`SERIES` (its label), one column per policy, the mean over runs in that
    period (the value each plot shows at that x)."""
    H = outcome.scenario.horizon
    if not 0 <= period < H:
        raise ScenarioError(f"period {period}: not in 0..{H - 1}")
    return [
        [label, *(float(np.asarray(run.series[key])[period]) for run in outcome.policies.values())]
        for key, label in SERIES.items()
    ]


ROWS = select(
    (
        "cooperation_rate",
        "demand_growth_after_compliance",
        "demand_growth_after_resistance",
        "entries_per_period",
        "punishments_per_period",
        "final_latency",
        "threshold_crossed_share",
        "demander_payoff",
        "target_payoff",
    )
)
"""Rows of the side-by-side table (declared metrics: their titles label the rows)."""


def summary_rows(outcome: Outcome) -> list[list]:
    """The side-by-side table: one row per metric, one column per policy; the last row is
    the leader's payoff at the current hawk bias."""
    pol = outcome.policies
    rows: list[list] = [[m.title, *(pol[p].summary[m.name] for p in pol)] for m in ROWS]
    rows.append(
        [
            f"leader payoff / run at η = {outcome.eta:g}",
            *(pol[p].leader_payoff(outcome.eta) for p in pol),
        ]
    )
    return rows


def headline(outcome: Outcome) -> str:
    """One sentence on the leader's choice at the current hawk bias."""
    star = outcome.simulation.eta_star
    best = outcome.preferred()
    coop = outcome.policies[best].summary["cooperation_rate"]
    flip = (
        f"blackmail is preferred from η* = {star:.2f}"
        if star is not None
        else "blackmail is never preferred at any η ≥ 0"
    )
    return (
        f"At hawk bias η = {outcome.eta:g} the leader prefers {best} (cooperation "
        f"{coop:.2f}); {flip}."
    )


def _jsonable(values: np.ndarray) -> list:
    return [None if not math.isfinite(v) else round(float(v), 6) for v in np.asarray(values)]


def results_json(outcome: Outcome) -> dict:
    """Everything the page shows, as JSON-ready data (the results download)."""
    sc = outcome.scenario
    pol = outcome.policies
    return {
        "version": __version__,
        "scenario": sc.name,
        "runs": sc.runs,
        "seed": sc.seed,
        "horizon": sc.horizon,
        "hawk_bias": outcome.eta,
        "eta_star": outcome.simulation.eta_star,
        "preferred": outcome.preferred(),
        "policies": {
            p: {**r.summary, "leader_payoff_at_eta": r.leader_payoff(outcome.eta)}
            for p, r in pol.items()
        },
        "series": {p: {name: _jsonable(r.series[name]) for name in SERIES} for p, r in pol.items()},
    }


def download_files(outcome: Outcome) -> dict[str, bytes]:
    """The two downloads: the scenario as run (YAML) and the results (JSON)."""
    stem = outcome.scenario.name or "scenario"
    return {
        f"{stem}.yaml": dump_yaml(outcome.scenario).encode("utf-8"),
        f"{stem}-results.json": (json.dumps(results_json(outcome), indent=1) + "\n").encode(),
    }
