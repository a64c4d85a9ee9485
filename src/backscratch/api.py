"""The flat public API: ``import backscratch as bs``, then ``bs.run``, ``bs.compare``, ...

Every verb takes its main object first and everything else by keyword, with the same names,
order and defaults wherever the same parameter appears: ``policy``/``policies``, then
``runs``, ``seed`` and ``overrides`` (dotted scenario fields, e.g. ``{"threat.credibility":
0.9}``). A scenario may be given as a built-in name, a file path or a loaded scenario. Each
verb dispatches on the scenario's model (``dyad`` or ``tribute``) to that model's own API.
Bad input raises :class:`backscratch.ScenarioError` with a one-line message naming the field
or the keyword argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from backscratch.core import schema
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import ScenarioBase
from backscratch.dyad import api as dyad_api
from backscratch.dyad import frontier as dyad_frontier
from backscratch.dyad import sweep as dyad_sweep
from backscratch.dyad.frontier import ThreatFrontier
from backscratch.dyad.policies import DEFAULT_POLICIES
from backscratch.dyad.results import Comparison, DyadResult
from backscratch.dyad.scenario import Scenario
from backscratch.game import api as game_api
from backscratch.game.api import PhaseMap
from backscratch.game.results import GameResult
from backscratch.studies import calibrate_iaea, calibrate_ties
from backscratch.theory import solve as theory_solve
from backscratch.tournaments import api as tournaments_api
from backscratch.tribute import api as tribute_api
from backscratch.tribute.results import TributeComparison, TributeResult
from backscratch.tribute.scenario import TributeScenario

ScenarioLike = str | Path | ScenarioBase
"""A built-in scenario's name, a ``.yaml``/``.yml``/``.toml`` file, or a loaded scenario."""


def load_scenario(
    spec: str | Path, *, overrides: Mapping[str, Any] | None = None, **fields: Any
) -> ScenarioBase:
    """Load a built-in scenario by name or a YAML/TOML file by path.

    Parameters
    ----------
    spec
        A built-in name (``backscratch scenarios`` lists them) or a file path.
    overrides
        Dotted fields to set, e.g. ``{"threat.credibility": 0.9}``.
    **fields
        Top-level fields to set, e.g. ``runs=500, shadow=0.5``.

    Returns
    -------
    The validated scenario of the model the file names (``Scenario`` for the dyad,
    ``TributeScenario`` for ``model: tribute``).
    """
    return schema.load_scenario(spec, {**(overrides or {}), **fields})


def _scenario(
    scenario: ScenarioLike,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ScenarioBase:
    """``scenario`` loaded if need be, with ``runs``, ``seed`` and ``overrides`` applied."""
    updates = dict(overrides or {})
    for key, value in (("runs", runs), ("seed", seed)):
        if value is not None:
            updates[key] = value
    if isinstance(scenario, ScenarioBase):
        return scenario.with_updates(**updates) if updates else scenario
    if isinstance(scenario, str | Path):
        return schema.load_scenario(scenario, updates)
    raise ScenarioError.bad(
        "scenario", f"expected a scenario, a built-in name or a file, not {type(scenario).__name__}"
    )


def _dyad(scenario: ScenarioBase, verb: str) -> Scenario:
    if not isinstance(scenario, Scenario):
        raise ScenarioError.bad(
            "scenario", f"{verb} takes dyad scenarios, not model '{scenario.model}'", scenario.name
        )
    return scenario


def run(
    scenario: ScenarioLike,
    *,
    policy: str | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    graph: Any = None,
) -> DyadResult | TributeResult:
    """Simulate every run of a scenario under one policy.

    Parameters
    ----------
    scenario
        A scenario, a built-in name or a file.
    policy
        A policy (``blackmail``, ``backscratching``, ``mixed``, ``none``) or a counterfactual
        schedule of the scenario; default: the scenario's own schedule or policy.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.
    graph
        Tribute model only: a networkx graph of the actors (default: the scenario's network).

    Returns
    -------
    A :class:`~backscratch.dyad.results.DyadResult` (per-period records of every run), or a
    :class:`~backscratch.tribute.results.TributeResult`.
    """
    sc = _scenario(scenario, runs, seed, overrides)
    if isinstance(sc, TributeScenario):
        return tribute_api.run(sc, policy=policy, graph=graph)
    if graph is not None:
        raise ScenarioError.bad("graph", "only the tribute model takes a graph")
    return dyad_api.run(_dyad(sc, "run"), policy=policy)


def compare(
    scenario: ScenarioLike,
    *,
    policies: Sequence[str] | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    etas: Sequence[float] | None = None,
) -> Comparison | TributeComparison:
    """Run several policies on the same seeds (common random numbers) and compare them.

    Parameters
    ----------
    scenario
        A scenario, a built-in name or a file.
    policies
        Policies or counterfactual schedules; default ``blackmail``, ``backscratching``,
        ``mixed``.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.
    etas
        Dyad: hawk-bias values of the domestic lock-in analysis
        (:meth:`~backscratch.dyad.results.Comparison.domestic`).

    Returns
    -------
    A :class:`~backscratch.dyad.results.Comparison`: ``c[policy]`` is each result;
    ``c.table()`` the metrics by policy, ``c.to_pandas()`` every per-period row and
    ``c.contrast(a, b)`` the paired per-run differences with 95% CIs. For the tribute model a
    :class:`~backscratch.tribute.results.TributeComparison`.
    """
    sc = _scenario(scenario, runs, seed, overrides)
    if isinstance(sc, TributeScenario):
        if etas is not None:
            raise ScenarioError.bad("etas", "the hawk-bias analysis is for dyad scenarios")
        return tribute_api.compare(sc, policies=policies or tribute_api.DEFAULT_POLICIES)
    return dyad_api.compare(_dyad(sc, "compare"), policies=policies or DEFAULT_POLICIES, etas=etas)


def threat_frontier(
    scenario: ScenarioLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ThreatFrontier:
    """How far blackmail is from matching backscratching: the punishment at which it does.

    Parameters
    ----------
    scenario
        A dyad scenario, a built-in name or a file.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.

    Returns
    -------
    A :class:`~backscratch.dyad.frontier.ThreatFrontier`: for cooperation and for the
    demander's payoff, the factor by which the scenario's punishment (at its credibility)
    must be multiplied for blackmail to match backscratching, and every factor tried.
    """
    sc = _scenario(scenario, runs, seed, overrides)
    return dyad_frontier.threat_frontier(_dyad(sc, "threat_frontier"))


def equilibrium(
    scenario: ScenarioLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> GameResult:
    """What a rational D would do: the demander's-choice game solved and played.

    D chooses its instrument, demand and price each period as a Markov strategy of the public
    belief about the target, from the menu of ``strategic.*``, and carries out a resisted
    threat only when that is sequentially rational given its cost: known, or private with
    two ``strategic.cost_types``, when the reputation at stake counts too (docs/model.md,
    "The demander's choice").

    Parameters
    ----------
    scenario
        A dyad scenario, a built-in name or a file.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.

    Returns
    -------
    A :class:`~backscratch.game.results.GameResult`: per-period records of equilibrium play
    and their summary; ``.solution`` is the solved game (D's policy by state, values,
    diagnostics).
    """
    sc = _scenario(scenario, runs, seed, overrides)
    return game_api.equilibrium(_dyad(sc, "equilibrium"))


def phase_map(
    scenario: ScenarioLike,
    *,
    axes: Mapping[str, Sequence[float]],
    overrides: Mapping[str, Any] | None = None,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PhaseMap:
    """D's equilibrium first move over a grid of two scenario fields.

    Parameters
    ----------
    scenario
        A dyad scenario, a built-in name or a file.
    axes
        Two dotted fields and their values, e.g. ``{"threat.punishment": [0.5, 1, 2],
        "shadow": [0.5, 0.9]}``.
    overrides
        Dotted fields to set in every cell.
    backend, workers, scheduler
        ``serial``, ``local`` (a process pool of ``workers``) or ``dask``, as for sweeps;
        the map is the same on every backend and worker count.
    progress
        Called as ``progress(done, total)`` after each cell.

    Returns
    -------
    A :class:`~backscratch.game.api.PhaseMap`: one row per cell with D's first move
    (instrument, demand, price, credibility), the cooperation it meets and both sides'
    values; with ``strategic.objective: leader`` also the nation's optimum and the lock-in
    cost.
    """
    sc = _scenario(scenario, None, None, overrides)
    return game_api.phase_map(
        _dyad(sc, "phase_map"), axes=axes, backend=backend, workers=workers,
        scheduler=scheduler, progress=progress,
    )  # fmt: skip


def sweep(
    scenario: ScenarioLike,
    *,
    grid: Mapping[str, Sequence[Any]],
    out: str | Path,
    policies: Sequence[str] | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    backend: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dyad_sweep.Sweep:
    """Run (or resume) a sweep: every grid point × policy as a task, one Parquet part each.

    Parameters
    ----------
    scenario
        A dyad scenario, a built-in name or a file.
    grid
        Field -> values, e.g. ``{"shadow": [0.5, 0.9], "third_parties.count": [0, 2]}``.
    out
        The sweep folder (created; re-running the same sweep resumes it).
    policies
        Default ``blackmail``, ``backscratching``, ``mixed``.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.
    backend, workers, scheduler
        ``serial``, ``local`` (a process pool of ``workers``) or ``dask`` (a local cluster,
        or the one at ``scheduler``); results are identical on every backend.
    progress
        Called as ``progress(done, total)`` as tasks finish.

    Returns
    -------
    The :class:`~backscratch.dyad.sweep.Sweep`: ``.to_pandas()`` (one row per point, policy
    and run), ``.summarize(by=..., where=...)`` (a grid key neither grouped by nor fixed in
    ``where`` is an error, never averaged over).
    """
    sc = _dyad(_scenario(scenario, runs, seed, overrides), "sweep")
    return dyad_sweep.sweep(
        sc,
        grid=grid,
        out=out,
        policies=policies or DEFAULT_POLICIES,
        backend=backend,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )


def load_sweep(folder: str | Path) -> Any:
    """A sweep folder's finished parts as one pandas DataFrame: one row per grid point, policy
    and run, grid keys as columns with their values exactly as written."""
    return dyad_sweep.load_sweep(folder)


def plot_sweep(
    folder: str | Path,
    *,
    x: str,
    y: str = "cooperation_rate",
    hue: str | None = "policy",
    facet: str | None = None,
    contrast: tuple[str, str] | None = None,
    where: dict[str, Any] | None = None,
) -> Any:
    """A matplotlib figure of a sweep folder, as ``backscratch plot`` draws it.

    Parameters
    ----------
    folder
        A sweep folder (``bs.sweep(..., out=...)`` or ``backscratch sweep``).
    x
        A grid key for the x axis (lines with 95% CIs), or two, ``"a,b"``, for a heatmap.
    y
        A per-run metric (:data:`backscratch.dyad.results.RUN_METRICS`).
    hue, facet
        One series per value of ``hue``, one panel per value of ``facet`` (grid keys or
        ``"policy"``); a ``hue`` fixed by ``where`` draws one series.
    contrast
        Two policies ``(A, B)``: the paired difference A − B on common random numbers.
    where
        Values for every other dimension with several values; a figure never averages over
        one (else :class:`ScenarioError` naming it and its values).
    """
    from backscratch.dyad.sweep import Sweep
    from backscratch.report.figures import sweep_figure

    sw = Sweep.open(folder)
    return sweep_figure(sw, x, y=y, hue=hue, facet=facet, contrast=contrast, where=where)


def solve(name: str, *, progress: Any = None, **params: Any) -> dict[str, Any]:
    """Equilibria and analytic results, each with the simulation that checks it.

    Parameters
    ----------
    name
        ``oye-2x2`` (``payoffs=...`` adds a game), ``tft-threshold`` (``T, R, P, S``),
        ``chain-store`` (``prior, stake, rounds``), ``drezner`` (``rho, c_t, c_s``),
        ``sechser`` (``p, c_t, c_c, R``) or ``oye-dyad`` (any dyad scenario field, dotted
        fields as ``**{"threat.credibility": 0.9}``).
    progress
        ``oye-dyad`` only: called as ``progress(done, total)`` after each of its 37 solves
        (seconds to minutes each with ``target.resolute: strategic``).

    Returns
    -------
    A JSON-ready dict; its keys are listed in the README.
    """
    if name == "oye-dyad":
        scenario = _dyad(schema.load_scenario("oye-dyad", params), "solve")
        return dyad_api.solve(scenario, progress=progress)
    if name not in theory_solve.PROBLEMS:
        known = ", ".join([*theory_solve.PROBLEMS, "oye-dyad"])
        raise ScenarioError(f"solve: unknown problem '{name}' (known: {known})")
    return theory_solve.solve(name, params)


def tournament(
    strategies: Sequence[Any] | None = None,
    *,
    game: str = "ipd",
    demanders: Sequence[str] | None = None,
    targets: Sequence[str] | None = None,
    scenario: ScenarioLike | None = None,
    turns: int | None = None,
    repetitions: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    noise: float = 0.0,
    prob_end: float = 0.0,
    payoffs: tuple[float, float, float, float] | None = None,
) -> Any:
    """A round-robin tournament (see :func:`backscratch.tournaments.api.tournament`).

    ``game="ipd"`` (or a game of Oye's catalogue) plays iterated 2×2 ``strategies``;
    ``game="coercion"`` plays ``demanders`` against ``targets`` on ``scenario``'s stage game
    (default ``oye-dyad``). Returns a result with ``summary()`` (the ``tournament --format
    json`` contract) and ``to_pandas()`` (one row per match).
    """
    if overrides and game != "coercion":
        raise ScenarioError.bad("overrides", "only the coercion game takes a scenario")
    sc = None
    if scenario is not None or overrides:
        sc = _dyad(_scenario(scenario or "oye-dyad", overrides=overrides), "tournament")
    return tournaments_api.tournament(
        strategies,
        game=game,
        demanders=demanders,
        targets=targets,
        scenario=sc,
        turns=turns,
        repetitions=repetitions,
        seed=seed,
        noise=noise,
        prob_end=prob_end,
        payoffs=payoffs,
    )


def evolve(source: Any = None, **options: Any) -> Any:
    """Evolutionary dynamics on a tournament's payoffs or a payoff matrix (see
    :func:`backscratch.tournaments.api.evolve` for ``options``)."""
    if isinstance(options.get("scenario"), str | Path):
        options["scenario"] = _dyad(_scenario(options["scenario"]), "evolve")
    return tournaments_api.evolve(source, **options)


def calibrate(
    scenario: ScenarioLike,
    *,
    to: str = "iaea-leu",
    observed: str | Path | None = None,
    metric: str | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    data: str | Path | None = None,
    bootstrap: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Fit a scenario to data.

    Parameters
    ----------
    scenario
        ``iran-2003-2013`` (or another dated scenario) for ``to="iaea-leu"``; a dyad scenario
        such as ``oye-dyad`` for ``to="ties"``.
    to
        ``iaea-leu``: the hedging parameters to the IAEA LEU series; ``ties``: the type prior,
        threat credibility and offer size to the TIES sanctions shares (simulated method of
        moments; default 10,000 runs); ``series``: ``validation.free`` to any observed series
        of the scenario's ``validation`` section (or ``observed``/``metric``) up to
        ``validation.calibrated_until`` (every point if unset), with standard errors and
        identification diagnostics.
    observed, metric
        ``series`` only: a CSV (a case timeline or columns ``date,value``) and the series'
        name, instead of ``validation.data`` and ``validation.metric``.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.
    data, bootstrap, progress
        ``ties`` only: a TIES CSV (default: the shipped copy); standard errors from this many
        re-fits on resampled cases (0: delta method); ``progress(done, total)`` after each
        start of the fit and each re-fit (or the delta method's step).

    Returns
    -------
    A :class:`~backscratch.studies.calibrate_iaea.LatencyFit`, a
    :class:`~backscratch.studies.calibrate_ties.TiesFit` or (``series``) a
    :class:`~backscratch.studies.validate.Backtest`.
    """
    if to != "series":
        for key, given in (("observed", observed), ("metric", metric)):
            if given is not None:
                raise ScenarioError.bad(key, "only with to='series'")
    if to == "ties":
        sc = _dyad(
            _scenario(scenario, 10_000 if runs is None else runs, seed, overrides), "calibrate"
        )
        return calibrate_ties.calibrate_to_ties(sc, data=data, refits=bootstrap, progress=progress)
    if to == "series":
        for name, value in (("data", data), ("bootstrap", bootstrap or None)):
            if value is not None:
                raise ScenarioError.bad(name, "only with to='ties'")
        from backscratch.studies import validate as backtest

        sc = _dyad(_scenario(scenario, runs, seed, overrides), "calibrate")
        return backtest.calibrate_series(sc, observed=observed, metric=metric)
    if to != "iaea-leu":
        raise ScenarioError.bad("to", f"unknown target '{to}' (known: iaea-leu, ties, series)")
    for name, value in (("data", data), ("bootstrap", bootstrap or None)):
        if value is not None:
            raise ScenarioError.bad(name, "only with to='ties'")
    sc = _dyad(_scenario(scenario, runs, seed, overrides), "calibrate")
    return calibrate_iaea.calibrate(sc)


def validate(
    scenario: ScenarioLike,
    *,
    observed: str | Path | None = None,
    metric: str | None = None,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """Backtest a dated scenario against history (``backscratch validate``).

    Parameters
    ----------
    scenario
        A scenario with a ``validation`` section, e.g. ``iran-2003-2013``,
        ``north-korea-1985-2009`` or ``libya-1986-2004``.
    observed, metric
        A CSV of the observed series (a case timeline or columns ``date,value``) and the
        series' name, instead of ``validation.data`` and ``validation.metric``.
    runs, seed, overrides
        Override the scenario's runs, root seed and dotted fields.

    Returns
    -------
    A :class:`~backscratch.studies.validate.Backtest`: the fit on the observations up to
    ``validation.calibrated_until`` only, the per-phase directions, level errors beside a
    time-trend null, threshold timing, and a ``verdict`` (``pass``, ``fail`` or
    ``untestable``) with its ``reasons``.

    Examples
    --------
    >>> import backscratch as bs
    >>> bt = bs.validate("iran-2003-2013", runs=200)
    >>> bt.verdict, bt.calibrated_until
    ('fail', '2009-12')
    """
    from backscratch.studies import validate as backtest

    sc = _dyad(_scenario(scenario, runs, seed, overrides), "validate")
    return backtest.validate(sc, observed=observed, metric=metric)
