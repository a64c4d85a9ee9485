"""The demander's-choice game's verbs: :func:`equilibrium` (solve and play) and
:func:`phase_map` (D's first move over two parameters)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from backscratch.core.backends import check_backend, run_tasks
from backscratch.core.errors import ScenarioError
from backscratch.core.results import Result
from backscratch.core.version import __version__
from backscratch.dyad.scenario import Scenario
from backscratch.game.model import GameModel, solve
from backscratch.game.results import Equilibrium, GameResult

if TYPE_CHECKING:
    import pyarrow as pa

MAX_CELLS = 10_000
"""Most cells a phase map may have (each is one solve of the game, about 0.7 s at the
reference)."""


def equilibrium(scenario: Scenario) -> GameResult:
    """Solve the demander's-choice game of ``scenario`` and play it for ``scenario.runs``
    runs (docs/model.md, "The demander's choice").

    Returns
    -------
    A :class:`~backscratch.game.results.GameResult`: the per-period records of equilibrium
    play, its summary, and the solved
    :class:`~backscratch.game.results.Equilibrium` (``.solution``) with D's policy by state.
    """
    return GameModel(scenario).run()


def first_move(scenario: Scenario, *, nation: bool = True) -> dict[str, Any]:
    """D's equilibrium first move and both sides' values at the scenario's initial state;
    with ``strategic.objective: leader`` (and ``nation``) also the nation's value under its
    own optimum and what the leader's choice costs the nation (:func:`with_nation`)."""
    row = _move(solve(scenario), scenario)
    if scenario.strategic.objective == "leader" and nation:
        return with_nation(row, _move(_nation(scenario), scenario))
    return row


def _move(s: Equilibrium, scenario: Scenario) -> dict[str, Any]:
    """:func:`first_move`'s row of the solved game ``s`` (without the nation's terms)."""
    mu = scenario.target.prior_pliable
    c = s.choice_at(0, mu)
    yes = None
    if c["comply_pliable"] is not None:
        yes = mu * c["comply_pliable"] + (1 - mu) * c["comply_resolute"]
    return {
        **{k: c[k] for k in ("instrument", "action", "demand", "price", "credibility")},
        "cooperation": yes,
        "demander_payoff": s.value_at(s.N[0], mu),
        "leader_payoff": s.value_at(s.V[0], mu),
        "target_payoff": s.value_at(s.W[0], mu),
    }


def with_nation(row: dict[str, Any], nation: dict[str, Any]) -> dict[str, Any]:
    """A leader's :func:`first_move` ``row`` with the nation's: ``nation`` is the first
    move of the same game solved for the nation (:data:`NATION`); adds ``nation_optimum``,
    ``nation_choice``, ``nation_action`` and ``lock_in_cost`` (the nation's optimum less
    what the leader's choice gives it)."""
    return {
        **row,
        "nation_optimum": nation["demander_payoff"],
        "nation_choice": nation["instrument"],
        "nation_action": nation["action"],
        "lock_in_cost": nation["demander_payoff"] - row["demander_payoff"],
    }


NOISE_FACTORS = (1.0, 0.5, 0.25, 0.125)
"""Multiples of the scenario's noise at which :func:`noise_limit` solves the game."""


def noise_limit(scenario: Scenario) -> list[dict[str, Any]]:
    """D's first move as the noise shrinks: :func:`first_move` with ``target.noise`` and
    ``strategic.choice_noise`` both multiplied by each of :data:`NOISE_FACTORS`, so a user
    sees whether the logit-smoothed answer has settled towards its noise -> 0 limit."""
    rows = []
    for f in NOISE_FACTORS:
        sc = scenario.with_updates(**{
            "target.noise": scenario.target.noise * f,
            "strategic.choice_noise": scenario.strategic.choice_noise * f,
        })  # fmt: skip
        rows.append({"noise": sc.target.noise, **first_move(sc)})
    return rows


def _nation(scenario: Scenario) -> Equilibrium:
    """The game solved for the nation's own objective (the leader's domestic terms do not
    enter it, so they are reset, and the solution is shared by every scenario that differs
    only in them)."""
    plain = scenario.with_updates(**NATION)
    return _solve_cached(plain.model_dump_json())


NATION = {
    "strategic.objective": "nation",
    "domestic.hawk_bias": 0.0,
    "domestic.audience_cost": 0.0,
    "domestic.promise_cost": 0.0,
}
"""What the nation's problem is: the leader's domestic terms play no part in it."""


@functools.lru_cache(maxsize=8)
def _solve_cached(text: str) -> Equilibrium:
    return solve(Scenario.model_validate_json(text))


@dataclass(repr=False)  # the one-line repr of every result
class PhaseMap(Result):
    """D's equilibrium first move over a grid of two scenario fields: ``rows`` holds one
    dict per cell (the two fields' values, then :func:`first_move`'s keys)."""

    scenario: Scenario
    keys: tuple[str, str]
    values: tuple[list[float], list[float]]
    rows: list[dict[str, Any]]

    def _headline(self) -> str:
        a, b = self.keys
        return f"{self.scenario.name}, {a} x {b}, {len(self.rows)} cells"

    def summary(self) -> dict[str, Any]:
        """How many cells D opens with each instrument."""
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r["instrument"]] = counts.get(r["instrument"], 0) + 1
        return {"cells": len(self.rows), "instrument_cells": counts}

    def grid(self, column: str) -> np.ndarray:
        """``column`` as an array ``[i, j]`` over the first key's ``i``-th and the
        second's ``j``-th value (instrument names as an object array)."""
        n1, n2 = len(self.values[0]), len(self.values[1])
        return np.array([r[column] for r in self.rows], dtype=object).reshape(n1, n2)

    def to_arrow(self) -> pa.Table:
        import pyarrow as pa

        return pa.Table.from_pylist(self.rows)


def write_equilibrium(
    result: GameResult, out: str | Path, payload: dict[str, Any], *, force: bool = False
) -> None:
    """Write equilibrium play under ``out``: ``periods.parquet`` (one row per run and period,
    :data:`~backscratch.game.results.COLUMNS`), ``scenario.yaml`` (as solved) and
    ``equilibrium.json`` (``payload``: the first move, policy, summary and diagnostics), then
    the seal ``contents.json`` (another kind of result there is refused unless ``force``)."""
    from backscratch.core import store
    from backscratch.core.schema import dump_yaml

    out = store.begin(out, "equilibrium", force=force)
    files = (
        store.write_parquet(result.to_arrow(), out / "periods.parquet"),
        store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
        store.write_json({"version": __version__, **payload}, out / "equilibrium.json"),
    )
    store.seal(out, "equilibrium", files)


def write_phase_map(result: PhaseMap, out: str | Path, *, force: bool = False) -> None:
    """Write a phase map under ``out``: ``phase_map.parquet`` (one row per cell),
    ``scenario.yaml`` (the base scenario) and ``phase_map.json`` (keys, values, cells), then
    the seal (as :func:`write_equilibrium`)."""
    from backscratch.core import store
    from backscratch.core.schema import dump_yaml

    out = store.begin(out, "phase-map", force=force)
    files = [
        store.write_parquet(result.to_arrow(), out / "phase_map.parquet"),
        store.write_text(dump_yaml(result.scenario), out / "scenario.yaml"),
    ]
    payload = {"version": __version__, "scenario": result.scenario.name,
               "keys": list(result.keys), "values": [list(v) for v in result.values],
               "cells": result.rows}  # fmt: skip
    files.append(store.write_json(payload, out / "phase_map.json"))
    extra = [out / "map.json", *sorted((out / "cells").glob("cell-*.json"))]
    store.seal(out, "phase-map", [*files, *(f for f in extra if f.is_file())])


def map_cell(args: tuple[int, Scenario, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """Cell ``i`` of a phase map, ``(i, scenario, updates)``: the updates and D's
    :func:`first_move` under them."""
    i, scenario, updates = args
    return i, {**updates, **first_move(scenario.with_updates(**updates))}


def phase_map(
    scenario: Scenario,
    *,
    axes: Mapping[str, Sequence[float]],
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    out: str | Path | None = None,
) -> PhaseMap:
    """D's equilibrium first move at every combination of two scenario fields.

    Parameters
    ----------
    scenario
        A dyad scenario.
    axes
        Exactly two dotted fields and their values, e.g. ``{"threat.punishment": [0.5, 1,
        2], "shadow": [0.5, 0.9]}``; each value is validated as the field requires before
        any cell is solved.
    backend, workers, scheduler
        Where the cells are solved, as for sweeps (:mod:`backscratch.core.backends`); each
        cell is deterministic, so the map is the same on every backend and worker count.
    progress
        Called as ``progress(done, total)`` after each cell.
    out
        A folder that makes the map resumable: each finished cell is written to
        ``out/cells/`` as it arrives (with ``out/map.json``, what the map is), and a map
        started again with the same scenario and axes solves only the cells not there yet.
        A folder holding a different map is refused.
    """
    if len(axes) != 2:
        raise ScenarioError.bad("axes", f"a phase map takes two fields, not {len(axes)}")
    (k1, v1), (k2, v2) = axes.items()
    if not v1 or not v2:
        raise ScenarioError.bad("axes", "each field needs at least one value")
    if len(v1) * len(v2) > MAX_CELLS:
        raise ScenarioError.bad(
            "axes", f"{len(v1)} x {len(v2)} cells is more than the limit of {MAX_CELLS}"
        )
    check_backend(backend, workers, scheduler)
    cells = [{k1: a, k2: b} for a in v1 for b in v2]
    for c in cells:  # every value checked before any work
        scenario.with_updates(**c)
    done: dict[int, dict[str, Any]] = {}
    folder = None if out is None else _map_folder(Path(out), scenario, (k1, k2), (v1, v2))
    if folder is not None:
        done = _finished_cells(folder, len(cells))
    jobs = [(i, scenario, c) for i, c in enumerate(cells) if i not in done]
    if progress is not None:
        progress(len(done), len(cells))
    for i, row in run_tasks(map_cell, jobs, backend, workers, scheduler):
        done[i] = row
        if folder is not None:
            from backscratch.core import store

            store.write_json({"cell": i, "row": row}, folder / "cells" / f"cell-{i:05d}.json")
        if progress is not None:
            progress(len(done), len(cells))
    return PhaseMap(scenario, (k1, k2), (list(v1), list(v2)), [done[i] for i in range(len(cells))])


def _map_folder(out: Path, scenario: Scenario, keys: tuple, values: tuple) -> Path:
    """``out`` ready to hold a map's finished cells: its ``map.json`` written, or checked
    to describe the same map (scenario, axes, version)."""
    from backscratch.core import store

    spec = {"version": __version__, "scenario": scenario.model_dump(mode="json"),
            "keys": list(keys), "values": [list(v) for v in values]}  # fmt: skip
    path = out / "map.json"
    if path.exists():
        try:
            same = json.loads(path.read_text("utf-8")) == json.loads(json.dumps(spec))
        except (OSError, ValueError):
            same = False
        if not same:
            raise ScenarioError.bad(
                "out", "holds a different phase map (scenario, axes or version differ); use "
                "another folder", f"'{out}'",
            )  # fmt: skip
    else:
        store.write_json(spec, path)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    return out


def _finished_cells(folder: Path, n: int) -> dict[int, dict[str, Any]]:
    """The cells already solved in ``folder/cells`` (a file that does not read back whole
    is solved again)."""
    done: dict[int, dict[str, Any]] = {}
    for path in sorted((folder / "cells").glob("cell-*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
            i, row = int(data["cell"]), dict(data["row"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if 0 <= i < n and path.name == f"cell-{i:05d}.json":
            done[i] = row
    for tmp in (folder / "cells").glob(".*.part"):
        tmp.unlink(missing_ok=True)
    return done
