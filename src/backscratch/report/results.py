"""HTML reports of result objects: a run, a comparison or a sweep, each one self-contained page.

``backscratch report DIR`` reads a results folder into the objects that wrote it
(:mod:`backscratch.dyad.io`, :class:`backscratch.dyad.sweep.Sweep`) and renders them here;
the demo's own folder is reported by :mod:`backscratch.studies.demo`. A report states what
was run, shows the results in tables and figures (matplotlib, the style of
:mod:`backscratch.report.figures`, PNG embedded as data URIs), lists every parameter with
its unit, and states the method and its caveats. It loads nothing from anywhere: no scripts,
no fonts, no external images.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from backscratch.core import store
from backscratch.core.errors import ScenarioError
from backscratch.core.results import by_name
from backscratch.core.schema import dump_yaml
from backscratch.core.version import __version__
from backscratch.dyad.results import METRICS, RUN_METRICS, Comparison, DyadResult
from backscratch.dyad.scenario import Scenario
from backscratch.dyad.sweep import Sweep
from backscratch.report import figures, html

SHOWN = (
    "cooperation_rate",
    "demand_growth_after_compliance",
    "demand_growth_after_resistance",
    "punishments_per_period",
    "backdowns_per_period",
    "entries_per_period",
    "transfer_per_run",
    "final_latency",
    "threshold_crossed_share",
    "demander_payoff",
    "target_payoff",
    "leader_payoff",
)
"""Summary metrics shown for runs and comparisons."""

AT_A_GLANCE = ("cooperation_rate", "demander_payoff", "target_payoff", "final_latency")
"""The metrics of the bar chart that compares policies at a glance."""

SWEEP_METRICS = ("cooperation_rate", "demander_payoff", "target_payoff", "final_latency")
METHOD = """
<p>The model is a repeated coercion game (docs/model.md). Each period a demander asks a target
for a concession and attaches a threat (<i>blackmail</i>: punishment carried out with some
credibility if the target resists), an offer (<i>backscratching</i>: a reward delivered with
some reliability if it complies), both (<i>mixed</i>) or nothing. The target is privately
pliable or resolute; a public belief that it is pliable is updated by Bayes' rule from its
responses, and the pliable type's strategy is solved by backward induction over that belief.
Third parties may enter with threats of their own; threats build the target's latent
capability, honoured exchanges roll it back; the demander's leader may value toughness (hawk
bias η).</p>
<p>Every figure is computed from seeded simulations: all runs advance together, each run's
random stream depends only on the seed and the run number, and the policies compared share
their random numbers (common random numbers), so differences between policies are not
sampling noise between different draws. Payoffs are totals discounted by the shadow of the
future δ, averaged over runs. Lines are means over runs; shaded bands span the 10th to 90th
percentile of runs; sweep intervals are 95% normal-approximation confidence intervals of the
mean over runs.</p>
"""

CAVEATS = """
<div class="caveat"><ul>
<li>This is a stylised model, not a forecast: its parameters are assumptions stated in the
scenario (listed below with their units), not estimates, unless a calibration says otherwise.</li>
<li>Results are means over simulated runs of one model; they show what follows from its
assumptions (private resolve, Bayesian observers, a forward-looking target), nothing more.</li>
<li>Confidence intervals reflect simulation noise only, not uncertainty about the parameters
or the model.</li>
<li>The target expects the instrument in force to continue; a scheduled or counterfactual
policy change is not anticipated.</li>
</ul></div>
"""


# ------------------------------------------------------------------------- parameters

_UNIT = re.compile(r"\[([^\[\]]+)\]\.?\s*(?:[A-Z][^\[\]]*)?$")


def parameter_rows(scenario: Scenario) -> list[list]:
    """Every scalar field of ``scenario``: dotted name, value and unit (from its doc)."""
    rows: list[list] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
                continue
            if isinstance(value, list | dict):
                shown = f"{len(value)} entries" if value else "none"
            else:
                shown = value
            match = _UNIT.search(info.description or "")
            rows.append([f"{prefix}{name}", shown, match.group(1) if match else ""])

    walk(scenario, "")
    return rows


def parameters_section(scenario: Scenario, note: str = "") -> str:
    """Every parameter with its unit, and the scenario as YAML."""
    return (
        f"<p>{note}Every field of the scenario <code>{html.esc(scenario.name)}</code> as run "
        "(units from <code>backscratch schema</code>):</p>"
        + html.table(["field", "value", "unit"], parameter_rows(scenario), "parameters")
        + "<p>The same scenario as YAML (<code>backscratch run FILE</code> re-runs it):</p><pre>"
        + html.esc(dump_yaml(scenario))
        + "</pre>"
    )


# ------------------------------------------------------------------- runs, compares


def metric_table(summaries: dict[str, dict]) -> str:
    """The table of :data:`SHOWN` metrics, one column per policy."""
    names = list(summaries)
    rows = [[m.title, *(summaries[n][m.name] for n in names)] for m in by_name(METRICS, SHOWN)]
    return html.table(["metric", *names], rows, "metrics")


def _policy_figures(results: dict, scenario: Scenario) -> str:
    dates = scenario.calendar.dates(scenario.horizon) if scenario.schedule else None
    band = "mean over runs, 10–90% of runs shaded"
    parts = [
        html.figure(
            figures.png(figures.cooperation(results, dates=dates)),
            "Cooperation over time: share of demands met in each period.",
        ),
        html.figure(
            figures.png(
                figures.paths(
                    results,
                    "demand",
                    "demand (units of concession; 0: none)",
                    f"Demands made ({band})",
                    dates=dates,
                )
            ),
            "Demand per period; 0 where no demand was made.",
        ),
        html.figure(
            figures.png(
                figures.paths(
                    results,
                    "belief",
                    "P(pliable)",
                    f"Public belief that the target is pliable ({band})",
                    dates=dates,
                )
            ),
            "Concessions under threat make the target look pliable; paid ones do not.",
        ),
        html.figure(
            figures.png(
                figures.paths(
                    results,
                    "entries",
                    "third-party entries (count)",
                    f"Third-party entries ({band})",
                    dates=dates,
                )
            ),
            "Third parties that came with threats of their own, per period.",
        ),
        html.figure(
            figures.png(
                figures.paths(
                    results,
                    "latency",
                    "latent capability L (latency units)",
                    f"Latency ({band})",
                    threshold=scenario.hedging.threshold,
                    dates=dates,
                )
            ),
            f"The target's latent-capability stock; dashed: threshold L* = "
            f"{scenario.hedging.threshold:g}.",
        ),
    ]
    return "".join(parts)


def domestic_section(dom: dict) -> str:
    """The hawk-bias analysis (``Comparison.domestic()``) as text and a table."""
    star = dom.get("eta_star")
    head = (
        f"<p>The leader prefers blackmail once the hawk bias η exceeds η* = {star:.3f}.</p>"
        if star is not None
        else "<p>Blackmail is not preferred at any hawk bias on this range.</p>"
    )
    rows = [[r["eta"], r["preferred"], r["cooperation_rate"]] for r in dom.get("sweep", [])]
    return head + html.table(["hawk bias η", "leader prefers", "cooperation"], rows)


def _what(kind: str, scenario: Scenario, policies: list[str], written_by: str | None) -> str:
    desc = ": " + html.esc(scenario.description) if scenario.description else ""
    return (
        f"<p><code>backscratch {kind}</code> of the scenario <code>{html.esc(scenario.name)}"
        f"</code>{desc}</p>"
        + html.table(
            ["item", "value"],
            [
                ["policies", ", ".join(policies)],
                ["runs per policy", scenario.runs],
                ["periods", scenario.horizon],
                ["seed", scenario.seed],
                ["written by backscratch", written_by or "unknown"],
                ["report by backscratch", __version__],
            ],
        )
    )


def _tail(scenario: Scenario, note: str = "") -> list[tuple[str, str]]:
    return [
        ("Method", METHOD),
        ("Caveats", CAVEATS),
        ("Parameters", parameters_section(scenario, note)),
    ]


def run_page(result: DyadResult, written_by: str | None = None) -> str:
    """The report of one run."""
    sc = result.scenario
    summaries = {result.policy: result.summary()}
    sections = [
        ("What was run", _what("run", sc, [result.policy], written_by)),
        ("Results", metric_table(summaries) + _policy_figures({result.policy: result}, sc)),
        *_tail(sc),
    ]
    data = {"kind": "run", "scenario": sc.name, "policies": summaries}
    return html.page(f"backscratch run: {sc.name}", sections, data=data)


def compare_page(comparison: Comparison, written_by: str | None = None) -> str:
    """The report of a comparison, with its hawk-bias analysis."""
    sc = comparison.scenario
    summaries = comparison.summaries()
    results = metric_table(summaries) + _policy_figures(comparison.results, sc)
    if len(summaries) > 1:
        results += html.figure(
            figures.png(figures.policy_bars(summaries, by_name(METRICS, AT_A_GLANCE))),
            "The policies at a glance (payoffs: discounted totals per run, payoff units).",
        )
    if comparison.frontier is not None:
        from backscratch.dyad.frontier import FRONTIER_HEADER, frontier_rows

        results += (
            "<p>Threat frontier: the punishment at which blackmail matches backscratching, at "
            f"credibility {sc.threat.credibility:g} (the scenario's punishment: "
            f"{sc.threat.punishment:g}).</p>"
            + html.table(FRONTIER_HEADER, frontier_rows(comparison.frontier))
        )
    sections = [
        ("What was run", _what("compare", sc, comparison.policies, written_by)),
        ("Results", results),
        ("Domestic lock-in", domestic_section(comparison.domestic())),
        *_tail(sc),
    ]
    data = {"kind": "compare", "scenario": sc.name, "policies": summaries}
    return html.page(f"backscratch compare: {sc.name}", sections, data=data)


# ---------------------------------------------------------------------------- sweeps


def sweep_page(sweep: Sweep) -> str:
    """The report of a sweep (finished or not)."""
    manifest = sweep.manifest
    scenario = sweep.scenario
    grid = sweep.grid
    keys = list(grid)
    n_tasks = sweep.tasks
    n_done = len(sweep.finished_parts())
    names, rows = sweep.summarize()
    data_rows = [dict(zip(names, r, strict=True)) for r in rows]
    grid_rows = [
        [k, ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in vs)]
        for k, vs in grid.items()
    ]
    what = (
        f"<p><code>backscratch sweep</code> of the scenario <code>{html.esc(scenario.name)}</code>: "
        f"every grid point × policy is one task of {manifest['runs']} runs; random streams are "
        f"keyed by grid point from seed {manifest['seed']}, and the policies at one point "
        "share them.</p>"
        + html.table(["grid key", "values"], grid_rows or [["(none)", ""]])
        + html.table(
            ["item", "value"],
            [
                ["policies", ", ".join(sweep.policies)],
                ["tasks finished", f"{n_done} of {n_tasks}"],
                ["written by backscratch", manifest.get("version", "unknown")],
                ["report by backscratch", __version__],
            ],
        )
    )
    if n_done < n_tasks:
        what += (
            f'<p class="caveat">Only {n_done} of {n_tasks} tasks are finished; the results '
            "below cover those. Re-run the same sweep command to finish it.</p>"
        )
    group = names[: names.index("runs")]
    shown = by_name(RUN_METRICS, SWEEP_METRICS)
    table_rows = [
        [
            *(d[k] for k in group),
            d["runs"],
            *(f"{d[m.name]:.3f} ± {d[m.name + '_ci95'] or 0:.3f}" for m in shown),
        ]
        for d in data_rows
    ]
    results = html.table(
        [*group, "runs", *(f"{m.title} (mean ± 95% CI)" for m in shown)], table_rows
    )
    if keys:
        x = keys[0]
        fixed = _held(sweep, [x])
        names_x, rows_x = sweep.summarize([x, "policy"], fixed)
        by_x = [dict(zip(names_x, r, strict=True)) for r in rows_x]
        for m in shown:
            fig = figures.sweep_lines(
                by_x, [x], m.name, "policy", labels=figures.sweep_labels(sweep.grid)
            )
            results += html.figure(
                figures.png(fig),
                f"{m.title} against {x}, one line per policy{_at(fixed)}; bands: 95% CI.",
            )
        if len(keys) >= 2:
            a, b = keys[:2]
            fixed = _held(sweep, [a, b])
            names_h, rows_h = sweep.summarize([a, b, "policy"], fixed)
            by_h = [dict(zip(names_h, r, strict=True)) for r in rows_h]
            results += html.figure(
                figures.png(
                    figures.sweep_heatmap(
                        by_h,
                        [a, b],
                        "cooperation_rate",
                        "policy",
                        labels=figures.sweep_labels(sweep.grid),
                    )
                ),
                f"Cooperation over {a} × {b}, one panel per policy{_at(fixed)}.",
            )
        results += _contrast_figure(sweep, keys[:2])
    else:
        summaries = {
            str(d["policy"]): {m.name: d[m.name] for m in shown} for d in data_rows if "policy" in d
        }
        results += html.figure(
            figures.png(figures.policy_bars(summaries, shown)),
            "Each policy's means over runs.",
        )
    sections = [
        ("What was run", what),
        ("Results", results),
        *_tail(scenario, "The base scenario; the grid above varies some of its fields. "),
    ]
    data = {"kind": "sweep", "scenario": scenario.name, "grid": grid, "rows": data_rows}
    return html.page(f"backscratch sweep: {scenario.name}", sections, data=data)


# ----------------------------------------------------------------------------- entry


def page(obj: Any, written_by: str | None = None) -> str:
    """The report of a :class:`DyadResult`, :class:`Comparison` or :class:`Sweep`."""
    if isinstance(obj, Sweep):
        return sweep_page(obj)
    if isinstance(obj, Comparison):
        return compare_page(obj, written_by)
    if isinstance(obj, DyadResult):
        return run_page(obj, written_by)
    raise ScenarioError(f"report: cannot report a {type(obj).__name__}")


def check_output(output: str | Path) -> Path:
    """``output`` if it names an ``.html`` file, else a one-line error about ``output``."""
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise ScenarioError.bad("output", "the report file name must end in .html", f"'{output}'")
    return output


def write(text: str, output: str | Path) -> Path:
    """Write a report page to ``output`` (``.html``), atomically."""
    return store.write_text(text, check_output(output))


def _held(sweep: Any, named: list[str]) -> dict[str, Any]:
    """What a sweep figure over ``named`` (and the policy) conditions on: every other grid
    key at the base scenario's value when the grid has it, else at its first value (a
    figure never averages over a key silently)."""
    from backscratch.core.schema import get_field

    out = {}
    for key, values in sweep.grid.items():
        if key in named or len(values) < 2:
            continue
        base = get_field(sweep.scenario, key)
        out[key] = base if base in values else values[0]
    return out


def contrast_pair(policies: list[str]) -> tuple[str, str] | None:
    """The paired contrast a sweep report draws: backscratching − blackmail when the sweep
    has both, else its first two policies, else None."""
    if {"backscratching", "blackmail"} <= set(policies):
        return ("backscratching", "blackmail")
    return (policies[0], policies[1]) if len(policies) >= 2 else None


def _contrast_figure(sweep: Sweep, xs: list[str]) -> str:
    """The paired contrast of :func:`contrast_pair` on cooperation over the sweep's first one
    or two grid keys (a line with 95% CI and a zero line, or a diverging heatmap with cell
    values), conditioned as the other figures are; empty when there is no pair or its tasks
    are not finished."""
    pair = contrast_pair(sweep.policies)
    if pair is None:
        return ""
    fixed = _held(sweep, xs)
    try:
        fig = figures.sweep_figure(sweep, ",".join(xs), contrast=pair, where=fixed)
    except ScenarioError:  # a pair with no finished tasks to pair up
        return ""
    over = " × ".join(xs)
    return html.figure(
        figures.png(fig),
        f"Paired contrast {pair[0]} − {pair[1]} of the cooperation rate over {over}{_at(fixed)}: "
        "per-run differences on common random numbers (the policies at a grid point share "
        "them), "
        + ("cell values: the paired mean" if len(xs) == 2 else "mean with 95% CI")
        + f"; above 0 means more cooperation under {pair[0]}.",
    )


def _at(fixed: dict[str, Any]) -> str:
    return " at " + ", ".join(f"{k} = {v}" for k, v in fixed.items()) if fixed else ""
