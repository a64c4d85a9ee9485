"""Results folders of the dyad on disk: what ``run`` and ``compare`` write, and reading back.

========  ===============================================================================
kind      files
========  ===============================================================================
run       ``summary.json`` (with ``policy``), ``scenario.yaml``, ``periods.parquet``
          (``backscratch run --out DIR``; :func:`write_run`)
compare   ``compare.json``, ``scenario.yaml``, ``periods.parquet`` with every policy
          (``backscratch compare --out DIR``; :func:`write_compare`)
sweep     ``manifest.json``, ``parts/`` and ``done/`` (:mod:`backscratch.dyad.sweep`)
demo      ``reference.json`` and ``summary.json`` (:mod:`backscratch.studies.demo`)
========  ===============================================================================

Every kind but a sweep is sealed by ``contents.json`` (kind, version, each file's SHA-256;
:func:`backscratch.core.store.seal`), written last; :func:`kind` trusts a folder only when
its seal checks out. :func:`load_run` and :func:`load_compare` read a folder back into the result objects that
wrote it (:class:`~backscratch.dyad.results.DyadResult`,
:class:`~backscratch.dyad.results.Comparison`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from backscratch.core import store
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import ScenarioBase, dump_yaml, load_scenario
from backscratch.core.version import __version__
from backscratch.dyad.results import COLUMNS, Comparison, DyadResult
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.stage import plan_for

KINDS = ("run", "compare", "sweep", "demo")


def kind(folder: str | Path) -> str:
    """Which verb wrote ``folder`` (one of :data:`KINDS`), after checking it is whole: a
    sweep by its manifest, every other folder by its seal (:func:`backscratch.core.store.verify`:
    every file there, unchanged, nothing mixed in); a one-line error otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: no such folder")
    if (folder / "manifest.json").is_file():
        return "sweep"
    if (folder / store.CONTENTS).exists() or any((folder / m).exists() for m in store.MARKERS):
        held = store.verify(folder)["kind"]
        if held not in KINDS:
            raise ScenarioError(
                f"{folder}: holds a {held} result, which this command does not read"
            )
        return held
    raise ScenarioError(
        f"{folder}: not a results folder (expected summary.json from a run, compare.json "
        "from a comparison, manifest.json from a sweep or reference.json from the demo)"
    )


def read_json(path: str | Path) -> dict[str, Any]:
    """A JSON object from ``path``, with a one-line error if it is unreadable."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"{path}: unreadable JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a JSON object")
    return data


def read_scenario(folder: str | Path) -> ScenarioBase:
    """The ``scenario.yaml`` of a run or compare folder (of any model)."""
    path = Path(folder) / "scenario.yaml"
    if not path.is_file():
        raise ScenarioError(f"{folder}: no scenario.yaml")
    return load_scenario(path)


def write_run(result: DyadResult, out: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Write a run's per-period records, resolved scenario and summary under ``out``.

    Files: ``periods.parquet`` (one row per run and period, see
    :data:`backscratch.dyad.results.COLUMNS`), ``scenario.yaml`` (the scenario exactly as
    run, overrides applied) and ``summary.json``, then the seal ``contents.json``
    (:func:`backscratch.core.store.seal`). A folder holding another kind of result is
    refused unless ``force``.
    """
    out = store.begin(out, "run", force=force)
    summary = {
        "scenario": result.scenario.name,
        "policy": result.policy,
        "runs": result.scenario.runs,
        "seed": result.scenario.seed,
        "version": __version__,
        "summary": result.summary(),
    }
    paths = {
        "periods": store.write_parquet(result.to_arrow(), out / "periods.parquet"),
        "scenario": store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
        "summary": store.write_json(summary, out / "summary.json"),
    }
    store.seal(out, "run", paths.values())
    return paths


STREAM_ROWS = 1 << 20
"""Rows (runs × periods) :func:`stream_run` simulates at a time, about a million: the block
of runs is the largest multiple of the random block within it (at least one)."""
ROW_GROUP = 1024 * 1024
"""Rows per Parquet row group: pyarrow's default for a whole table, so a streamed file has
the same bytes as one written at once."""


class StreamedRun:
    """What :func:`stream_run` (or :func:`stream_compare`, for each policy) computed: the
    scenario, the instrument plan, the summary and the leader's line (from the chunk sums: the
    same as the in-memory result's) and the target's equilibrium diagnostics; no per-period
    records (they are in the folder's ``periods.parquet``)."""

    def __init__(self, scenario: Scenario, plan, chunks: list[dict[str, float]], equilibrium: dict):
        from backscratch.dyad.results import leader_line_from, summary_from

        self.scenario = scenario
        self.plan = plan
        self._summary = summary_from(chunks, scenario.domestic.hawk_bias)
        self._line = leader_line_from(chunks)
        self._equilibrium = equilibrium

    @property
    def policy(self) -> str:
        return self.plan.name

    def summary(self) -> dict[str, Any]:
        return dict(self._summary)

    def leader_line(self) -> tuple[float, float]:
        """The leader's mean payoff as a line in the hawk bias: (at eta = 0, slope)."""
        return self._line

    def diagnostics(self) -> dict[str, Any]:
        return dict(self._equilibrium)


def _block_of(scenario: Scenario, block: int | None) -> int:
    from backscratch.core import rng

    if block is None:
        block = max(1, STREAM_ROWS // (scenario.horizon * rng.BLOCK)) * rng.BLOCK
    if block <= 0 or block % rng.BLOCK:
        raise ValueError(f"block must be a positive multiple of {rng.BLOCK}, got {block}")
    return block


class _PolicyStream:
    """One policy simulated ``block`` runs at a time: :meth:`tables` yields each block's
    per-period table (``plain``: ``date`` and ``policy`` as plain strings, as a comparison's
    file has them) and keeps its chunk sums; :meth:`result` sums them up afterwards."""

    def __init__(
        self,
        scenario: Scenario,
        policy: str | None,
        block: int,
        plain: bool = False,
        compliance: np.ndarray | None = None,
    ):
        from backscratch.dyad.model import DyadModel

        self.scenario, self.policy, self.block, self.plain = scenario, policy, block, plain
        if compliance is not None:  # solved already: no solve, no diagnostics
            self.compliance, self.plan = compliance, plan_for(scenario, policy)
            self.equilibrium: dict[str, Any] = {}
        else:
            first = DyadModel(scenario.with_updates(runs=min(block, scenario.runs)), policy)
            self.compliance, self.plan = first.compliance, first.plan
            self.equilibrium = dict(first.equilibrium or {})
        self.chunks: list[dict[str, float]] = []

    def blocks(self, progress=None) -> Iterator[tuple[Any, int]]:
        """Each block's result and its first run, its chunk sums kept."""
        from backscratch.dyad.model import DyadModel

        sc, n = self.scenario, self.scenario.runs
        for start in range(0, n, self.block):
            m = min(self.block, n - start)
            model = DyadModel(sc.with_updates(runs=m), self.policy, compliance=self.compliance,
                              first_run=start)  # fmt: skip
            result = model.run()
            self.chunks.extend(result.partials())
            yield result, start
            if progress:
                progress(m)

    def tables(self, progress=None) -> Iterator[pa.Table]:
        for result, start in self.blocks(progress):
            part = result.to_arrow(first_run=start)
            yield plain_strings(part) if self.plain else part

    def result(self) -> StreamedRun:
        return StreamedRun(self.scenario, self.plan, self.chunks, self.equilibrium)


def stream_summary(
    scenario: Scenario,
    *,
    policy: str | None = None,
    block: int | None = None,
    compliance: np.ndarray | None = None,
) -> StreamedRun:
    """A run's summary without its records: ``block`` runs at a time simulated and reduced
    to the sums :func:`~backscratch.dyad.results.summary_from` needs (what ``backscratch
    run`` without ``--out`` prints): memory bounded by the block, as :func:`stream_run`'s,
    and nothing written. ``compliance``: the target's table if already solved (then no
    equilibrium diagnostics)."""
    stream = _PolicyStream(scenario, policy, _block_of(scenario, block), compliance=compliance)
    for _ in stream.blocks():
        pass
    return stream.result()


def plain_strings(table: pa.Table) -> pa.Table:
    """``table`` with ``date`` and ``policy`` as plain strings (not dictionaries): one type
    for every policy's rows of a comparison's file."""
    for name in ("date", "policy"):
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, table[name].cast(pa.string()))
    return table


def _write_streamed(path: Path, tables: Iterable[pa.Table]) -> Path:
    """Write ``tables`` (in order, as they are produced) to one Parquet file at ``path``,
    atomically, in row groups of :data:`ROW_GROUP` rows whatever the tables' sizes: the same
    bytes as the concatenated table written at once. One thread compresses and writes the
    row groups (pyarrow releases the GIL) while the caller produces the next table; one batch
    is in flight at a time, so memory stays bounded and the groups reach the file in order."""
    pending: list[pa.Table] = []
    held = 0

    def full_groups(final: bool) -> list[pa.Table]:
        nonlocal pending, held
        buffered = pa.concat_tables(pending) if pending else None
        pending = []
        if buffered is None:
            return []
        rows = buffered.num_rows
        cut = rows if final else rows - rows % ROW_GROUP
        groups = [
            buffered.slice(off, min(ROW_GROUP, cut - off)) for off in range(0, cut, ROW_GROUP)
        ]
        if cut < rows:
            pending = [buffered.slice(cut)]
        held = rows - cut
        return groups

    def write(tmp):
        nonlocal held
        writer = None
        inflight: Future | None = None

        def put(groups: list[pa.Table]) -> None:
            nonlocal inflight
            if inflight is not None:
                inflight.result()
            inflight = pool.submit(_write_groups, writer, groups)

        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                for part in tables:
                    if writer is None:
                        options = store.parquet_options(part.schema)
                        writer = pq.ParquetWriter(tmp, part.schema, **options)
                    pending.append(part)
                    if held + part.num_rows >= ROW_GROUP:
                        put(full_groups(final=False))
                    else:
                        held += part.num_rows
                if writer is not None:
                    put(full_groups(final=True))
                    inflight.result()  # put() just set it
            finally:
                if inflight is not None:
                    wait([inflight])  # the file is closed only once nothing writes to it
                if writer is not None:
                    writer.close()

    return store.write_with(path, write)


def _write_groups(writer, groups: list[pa.Table]) -> None:
    for group in groups:
        writer.write_table(group, row_group_size=ROW_GROUP)


def _counter(progress, total: int):
    done = 0

    def step(m: int) -> None:
        nonlocal done
        done += m
        progress(done, total)

    return step if progress else None


def stream_run(
    scenario: Scenario,
    out: str | Path,
    *,
    policy: str | None = None,
    block: int | None = None,
    force: bool = False,
    progress: Any = None,
) -> StreamedRun:
    """:func:`write_run` without holding every run in memory: the target's programme is
    solved once, then ``block`` runs at a time are simulated, appended to
    ``periods.parquet`` and reduced to the sums :func:`~backscratch.dyad.results.summary_from`
    needs. Memory is bounded by the block, not by runs × periods, and the folder's files
    equal :func:`write_run`'s byte for byte (``tests/test_streaming.py``). ``block``
    (a multiple of the random block; default from :data:`STREAM_ROWS`);
    ``progress(done, total)`` after each block."""
    from backscratch.dyad.model import check_disk

    block = _block_of(scenario, block)
    check_disk(scenario, COLUMNS, out)
    out = store.begin(out, "run", force=force)
    stream = _PolicyStream(scenario, policy, block)
    path = _write_streamed(
        out / "periods.parquet", stream.tables(_counter(progress, scenario.runs))
    )
    result = stream.result()
    summary_doc = {
        "scenario": scenario.name,
        "policy": result.policy,
        "runs": scenario.runs,
        "seed": scenario.seed,
        "version": __version__,
        "summary": result.summary(),
    }
    paths = {
        "periods": path,
        "scenario": store.write_text(dump_yaml(scenario), out / "scenario.yaml"),
        "summary": store.write_json(summary_doc, out / "summary.json"),
    }
    store.seal(out, "run", paths.values())
    return result


def stream_compare(
    scenario: Scenario,
    out: str | Path,
    *,
    policies: Sequence[str],
    etas: Any = None,
    block: int | None = None,
    force: bool = False,
    progress: Any = None,
) -> Comparison:
    """The first half of :func:`write_compare` without holding every run in memory: each
    policy in turn simulated ``block`` runs at a time (the common random numbers of
    :func:`~backscratch.dyad.api.compare`) and appended to the folder's ``periods.parquet``.
    Returns a :class:`~backscratch.dyad.results.Comparison` of :class:`StreamedRun` results
    (summaries, leader lines and equilibrium diagnostics; no records, so no
    :meth:`~backscratch.dyad.results.Comparison.contrast`); :func:`finish_compare` then writes
    ``compare.json`` (with what else the caller computed) and seals the folder, the same
    bytes as :func:`write_compare` (``tests/test_streaming.py``)."""
    from backscratch.dyad.model import check_disk

    block = _block_of(scenario, block)
    check_disk(scenario, COLUMNS, out, policies=len(policies))
    out = store.begin(out, "compare", force=force)
    streams = [_PolicyStream(scenario, p, block, plain=True) for p in policies]
    step = _counter(progress, scenario.runs * len(policies))
    tables = (t for s in streams for t in s.tables(step))
    _write_streamed(out / "periods.parquet", tables)
    store.write_text(dump_yaml(scenario), out / "scenario.yaml")
    results: dict[str, Any] = {p: s.result() for p, s in zip(policies, streams, strict=True)}
    return Comparison(scenario, results, etas=etas)


def write_compare(
    comparison: Comparison,
    out: str | Path,
    *,
    diagnostics: dict[str, Any] | None = None,
    force: bool = False,
) -> dict[str, Path]:
    """Write a comparison under ``out``: ``compare.json`` (scenario, runs, seed, version,
    every policy's summary, the hawk-bias analysis and, if given, each policy's equilibrium
    ``diagnostics`` and the comparison's ``threat_frontier``), ``scenario.yaml (as run) and ``periods.parquet`` (one row per policy,
    run and period; the columns of :func:`write_run`'s file), then the seal (as
    :func:`write_run`, ``force`` too)."""
    out = store.begin(out, "compare", force=force)
    store.write_parquet(comparison.to_arrow(), out / "periods.parquet")
    store.write_text(dump_yaml(comparison.scenario), out / "scenario.yaml")
    return finish_compare(comparison, out, diagnostics=diagnostics)


def finish_compare(
    comparison: Comparison, out: str | Path, *, diagnostics: dict[str, Any] | None = None
) -> dict[str, Path]:
    """Write ``compare.json`` beside the ``periods.parquet`` and ``scenario.yaml`` already
    in ``out`` (by :func:`write_compare` or :func:`stream_compare`), then the seal."""
    out = Path(out)
    s = comparison.summary()
    data = {
        "scenario": s["scenario"],
        "runs": s["runs"],
        "seed": s["seed"],
        "version": __version__,
        "policies": s["policies"],
        "domestic": comparison.domestic(),
    }
    if diagnostics is not None:
        data["diagnostics"] = diagnostics
    if comparison.frontier is not None:
        data["threat_frontier"] = comparison.frontier
    paths = {
        "periods": out / "periods.parquet",
        "scenario": out / "scenario.yaml",
        "compare": store.write_json(data, out / "compare.json"),
    }
    store.seal(out, "compare", paths.values())
    return paths


def _dyad_scenario(folder: Path) -> Scenario:
    scenario = read_scenario(folder)
    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            f"{folder}: holds results of the '{scenario.model}' model, not the dyad's"
        )
    return scenario


def _results(folder: Path, scenario: Scenario) -> dict[str, DyadResult]:
    """Every policy's result in a folder's ``periods.parquet``, in the order written."""
    path = folder / "periods.parquet"
    if not path.is_file():
        raise ScenarioError(f"{folder}: no periods.parquet")
    names = ["run", "period", "policy", "pliable", *(c.name for c in COLUMNS)]
    try:
        table = pq.read_table(path, columns=names)
    except (OSError, pa.ArrowException) as exc:
        raise ScenarioError(f"{path}: unreadable Parquet ({exc})") from None
    policy_col = table["policy"].cast(pa.string())
    own = plan_for(scenario)
    out: dict[str, DyadResult] = {}
    for policy in dict.fromkeys(policy_col.to_pylist()):
        sub = table.filter(pc.equal(policy_col, policy)).sort_by(
            [("run", "ascending"), ("period", "ascending")]
        )
        horizon = int(pc.max(sub["period"]).as_py()) + 1
        runs = sub.num_rows // horizon
        if horizon != scenario.horizon or runs != scenario.runs:
            raise ScenarioError(
                f"{path}: holds {runs} runs x {horizon} periods of '{policy}', but "
                f"scenario.yaml says {scenario.runs} x {scenario.horizon}"
            )
        records = {c.name: sub[c.name].to_numpy().reshape(runs, horizon).T.copy() for c in COLUMNS}
        pliable = sub["pliable"].to_numpy().reshape(runs, horizon)[:, 0].copy()
        plan = own if policy == own.name else plan_for(scenario, policy)
        out[policy] = DyadResult(scenario, plan, records, pliable)
    return out


def load_run(folder: str | Path) -> DyadResult:
    """The :class:`DyadResult` a ``run --out`` folder holds."""
    folder = Path(folder)
    scenario = _dyad_scenario(folder)
    meta = read_json(folder / "summary.json")
    results = _results(folder, scenario)
    policy = meta.get("policy")
    if policy not in results:
        raise ScenarioError(f"{folder}: periods.parquet holds no rows of policy '{policy}'")
    return results[policy]


def load_compare(folder: str | Path) -> Comparison:
    """The :class:`Comparison` a ``compare --out`` folder holds (with the hawk-bias values
    its ``compare.json`` was written with)."""
    folder = Path(folder)
    scenario = _dyad_scenario(folder)
    meta = read_json(folder / "compare.json")
    sweep = (meta.get("domestic") or {}).get("sweep")
    etas = [row["eta"] for row in sweep] if isinstance(sweep, list) else None
    frontier = meta.get("threat_frontier")
    return Comparison(scenario, _results(folder, scenario), etas=etas, frontier=frontier)
