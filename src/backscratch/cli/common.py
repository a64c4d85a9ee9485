"""What every command shares: the typer app, the console, option types and scenario loading."""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from backscratch.core.errors import ScenarioError
from backscratch.core.listing import console, version_line

app = typer.Typer(
    name="backscratch",
    help="Coercion versus inducement between states: blackmail vs backscratching.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


out = console()
"""Tables are laid out 120 columns wide when written to a file or pipe."""


def _version(value: bool) -> None:
    if value:
        print(version_line())
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Coercion versus inducement between states: blackmail vs backscratching."""


class Format(StrEnum):
    table = "table"
    json = "json"


ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Built-in scenario name (see `backscratch scenarios`) or a .yaml/.toml file."
    ),
]


ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace another kind of result already in --out (default: refuse)."
    ),
]

KeepPeriodsOpt = Annotated[
    bool,
    typer.Option(
        "--keep-periods",
        help="With --out: hold every run's per-period records in memory and write them at "
        "once (the same files; memory grows with runs x periods) instead of streaming them "
        "block by block.",
    ),
]

RunsOpt = Annotated[
    int | None, typer.Option("--runs", help="Number of runs (overrides the scenario).")
]


SeedOpt = Annotated[int | None, typer.Option("--seed", help="Root seed (overrides the scenario).")]


SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a field, e.g. --set shadow=0.9 --set threat.credibility=1."
    ),
]


BackendOpt = Annotated[str, typer.Option("--backend", help="serial, local or dask.")]

WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Processes (local) or workers (dask), 1 to 256.")
]

SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Address of an existing dask scheduler.")
]


MAX_LIST = 10_000
"""Most values an option's list or range may hold (checked before any work)."""


def parse_values(text: str, option: str, minimum: float | None = None) -> list[float]:
    """``a:b:n`` (n evenly spaced values from a to b) or a comma-separated list of numbers,
    each finite (and at least ``minimum`` if given), at most :data:`MAX_LIST` of them; a
    one-line error naming ``option`` otherwise."""
    import math

    import numpy as np

    try:
        if ":" in text:
            a, b, n = text.split(":")
            count = int(n)
            if count < 1:
                raise ValueError
            values = np.linspace(float(a), float(b), min(count, MAX_LIST + 1)).tolist()
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ScenarioError(
            f"{option} '{text}': expected start:stop:count (e.g. 0:2:11) or a list (e.g. 0,0.5,1)"
        ) from None
    if len(values) > MAX_LIST:
        raise ScenarioError(f"{option} '{text}': more than {MAX_LIST:,} values")
    for v in values:
        if not math.isfinite(v):
            raise ScenarioError(f"{option} '{text}': every value must be a finite number")
        if minimum is not None and v < minimum:
            raise ScenarioError(f"{option} '{text}': every value must be at least {minimum:g}")
    return values


FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_figure_path(path: Path | None, option: str = "--plot") -> None:
    """Refuse, before any work, a figure file name without a figure suffix, one that is a
    folder, or one under a file (one line naming the option)."""
    check_file_path(path, option, FIGURE_SUFFIXES)


def check_file_path(path: Path | None, option: str, suffixes: tuple[str, ...]) -> None:
    """Refuse, before any work, an output file name without one of ``suffixes``, one that is
    a folder, or one under a file (one line naming the option)."""
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise ScenarioError(f"{option} '{path}': the file name must end in {', '.join(suffixes)}")
    if path.is_dir():
        raise ScenarioError(f"{option} '{path}': is a folder, not a file")
    _check_parents(path, option)


def _check_parents(path: Path, option: str) -> None:
    """A one-line error naming ``option`` if a folder above ``path`` exists as a file."""
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise ScenarioError(f"{option} '{path}': '{parent}' is a file, not a folder")


def policy_names(text: str, option: str = "--policies") -> list[str]:
    """The comma-separated policies of ``text``; an empty list is refused (one line)."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    if not names:
        raise ScenarioError(f"{option} '{text}': give at least one policy, e.g. blackmail")
    return names


def check_out_dir(path: Path | None, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that exists as something other than a
    folder or lies under a file (one line naming the option)."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise ScenarioError(f"{option} '{path}': exists and is not a folder")
    _check_parents(path, option)


def claim_out(path: Path | None, kind: str, force: bool) -> None:
    """Make ``--out`` ready for a ``kind`` result before the work starts: refused if it holds
    another kind of result unless ``--force`` (:func:`backscratch.core.store.begin`)."""
    if path is not None:
        from backscratch.core import store

        store.begin(path, kind, force=force)


def scenario_from(
    spec: str,
    runs: int | None,
    seed: int | None,
    sets: list[str] | None,
    command: str,
    models: tuple[str, ...] = ("dyad",),
):
    """Load a scenario with the command line's overrides; a one-line error if ``command``
    does not handle its model (only ``run`` and ``compare`` take the tribute model)."""
    from backscratch.core.schema import load_scenario, parse_assignments

    overrides = parse_assignments(sets)
    if runs is not None:
        overrides["runs"] = runs
    if seed is not None:
        overrides["seed"] = seed
    try:
        scenario = load_scenario(spec, overrides)
    except ScenarioError as exc:  # --runs / --seed out of range: name the option typed
        for name, given in (("runs", runs), ("seed", seed)):
            head = f"{spec}: {name}: "
            if given is not None and str(exc).startswith(head):
                raise ScenarioError(f"--{name} {given}: {str(exc)[len(head) :]}") from None
        raise
    return require_model(scenario, spec, command, models)


def require_model(scenario, spec: str, command: str, models: tuple[str, ...] = ("dyad",)):
    """``scenario`` if ``command`` handles its model, else a one-line :class:`ScenarioError`."""
    if scenario.model not in models:
        raise ScenarioError(
            f"scenario '{spec}': `backscratch {command}` takes {' or '.join(models)} "
            f"scenarios, not model '{scenario.model}'"
        )
    return scenario


def progress_printer(label: str, unit: str = "tasks"):
    """A progress callback writing to stderr, so that stdout stays clean for tables, JSON and
    CSV: a rich bar with ETA when stderr is a terminal, else a plain line every ~5% from the
    first unit finished on (nothing before, so an early error stays the only line)."""
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            "ETA",
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        state: dict = {}

        def update(done: int, total: int) -> None:
            if "task" not in state:
                bar.start()
                state["task"] = bar.add_task(label, total=total, completed=done)
            bar.update(state["task"], completed=done)
            if done >= total:
                bar.stop()

        return update
    state = {"step": -1, "first": None}
    t0 = time.perf_counter()

    def plain(done: int, total: int) -> None:
        if state["first"] is None:
            state["first"] = done  # already finished (a resumed sweep): not progress
            if done < total:
                return
        step = int(20 * done / total) if total else 20
        if step != state["step"] or done == total:
            state["step"] = step
            elapsed = time.perf_counter() - t0
            print(
                f"{label}: {done}/{total} {unit} ({100 * done / max(total, 1):.0f}%), "
                f"{elapsed:.1f} s",
                file=sys.stderr,
                flush=True,
            )

    return plain
