"""``backscratch report RESULTS_DIR``: a self-contained HTML report of any results folder.

The folder may come from ``run --out``, ``compare --out``, ``sweep --out`` or ``demo`` (see
:mod:`backscratch.experiments.folders`). The report states what was run, shows the results
in tables and figures (matplotlib, the style of :mod:`backscratch.report.figures`, PNG
embedded as data URIs), lists every parameter with its unit, and states the method and its
caveats. It loads nothing from anywhere: no scripts, no fonts, no external images.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad import io as folders
from backscratch.dyad.scenario import (
    Scenario,
    ScenarioError,
    dump_yaml,
    load_scenario,
    validate,
)
from backscratch.report import figures, html

METRICS = (
    ("cooperation_rate", "cooperation (share of demands met)"),
    ("demand_growth_after_compliance", "Δ demand after compliance (units of concession)"),
    ("demand_growth_after_resistance", "Δ demand after resistance (units of concession)"),
    ("punishments_per_period", "punishments / period"),
    ("backdowns_per_period", "back-downs / period"),
    ("entries_per_period", "third-party entries / period"),
    ("transfer_per_run", "rewards paid / run (payoff units)"),
    ("final_latency", "final latency L (latency units)"),
    ("threshold_crossed_share", "share of runs crossing L*"),
    ("demander_payoff", "demander payoff / run (payoff units, discounted)"),
    ("target_payoff", "target payoff / run (payoff units, discounted)"),
    ("leader_payoff", "leader payoff / run (payoff units, discounted)"),
)
"""Summary metrics shown for runs and comparisons, with units."""

AT_A_GLANCE = {
    "cooperation_rate": "cooperation",
    "demander_payoff": "demander payoff",
    "target_payoff": "target payoff",
    "final_latency": "final latency",
}
"""The metrics of the bar chart that compares policies at a glance."""

SWEEP_METRICS = ("cooperation", "demander_payoff", "target_payoff", "final_latency")

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


def _parameters(scenario: Scenario, note: str = "") -> str:
    return (
        f"<p>{note}Every field of the scenario <code>{html.esc(scenario.name)}</code> as run "
        "(units from <code>backscratch schema</code>):</p>"
        + html.table(["field", "value", "unit"], parameter_rows(scenario), "parameters")
        + "<p>The same scenario as YAML (<code>backscratch run FILE</code> re-runs it):</p><pre>"
        + html.esc(dump_yaml(scenario))
        + "</pre>"
    )


# ------------------------------------------------------------------- runs, compares


def _metric_table(summaries: dict[str, dict]) -> str:
    names = list(summaries)
    rows = [
        [label, *(summaries[n].get(key, "") for n in names)]
        for key, label in METRICS
        if any(key in s for s in summaries.values())
    ]
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


def _domestic(dom: dict) -> str:
    star = dom.get("eta_star")
    head = (
        f"<p>The leader prefers blackmail once the hawk bias η exceeds η* = {star:.3f}.</p>"
        if star is not None
        else "<p>Blackmail is not preferred at any hawk bias on this range.</p>"
    )
    rows = [[r["eta"], r["preferred"], r["cooperation_rate"]] for r in dom.get("sweep", [])]
    return head + html.table(["hawk bias η", "leader prefers", "cooperation"], rows)


def _run_like(folder: Path, kind: str) -> tuple[str, list[tuple[str, str]], dict]:
    scenario = folders.read_scenario(folder)
    if not isinstance(scenario, Scenario):
        model = getattr(scenario, "model", "?")
        raise ScenarioError(
            f"{folder}: holds results of the '{model}' model; `report` covers the dyad model"
        )
    if kind == "run":
        meta = folders.read_json(folder / "summary.json")
        summaries = {meta["policy"]: meta["summary"]}
    else:
        meta = folders.read_json(folder / "compare.json")
        summaries = meta["policies"]
    results = folders.read_periods(folder)
    names = ", ".join(summaries)
    what = (
        f"<p><code>backscratch {kind}</code> of the scenario <code>{html.esc(scenario.name)}"
        f"</code>{': ' + html.esc(scenario.description) if scenario.description else ''}</p>"
        + html.table(
            ["item", "value"],
            [
                ["policies", names],
                ["runs per policy", scenario.runs],
                ["periods", scenario.horizon],
                ["seed", scenario.seed],
                ["written by backscratch", meta.get("version", "unknown")],
                ["report by backscratch", __version__],
            ],
        )
    )
    sections = [
        ("What was run", what),
        ("Results", _metric_table(summaries) + _policy_figures(results, scenario)),
    ]
    if len(summaries) > 1:
        sections[-1] = (
            "Results",
            sections[-1][1]
            + html.figure(
                figures.png(figures.policy_bars(summaries, AT_A_GLANCE)),
                "The policies at a glance (payoffs: discounted totals per run, payoff units).",
            ),
        )
    if "domestic" in meta:
        sections.append(("Domestic lock-in", _domestic(meta["domestic"])))
    sections += [
        ("Method", METHOD),
        ("Caveats", CAVEATS),
        ("Parameters", _parameters(scenario)),
    ]
    title = f"backscratch {kind}: {scenario.name}"
    data = {"kind": kind, "scenario": scenario.name, "policies": summaries}
    return title, sections, data


# ---------------------------------------------------------------------------- sweeps


def _sweep(folder: Path) -> tuple[str, list[tuple[str, str]], dict]:
    from backscratch.dyad import sweep as sw

    manifest = sw.load_manifest(folder)
    scenario = validate(manifest["scenario"], source=f"{folder}/manifest.json")
    grid: dict[str, list] = manifest["grid"]
    keys = list(grid)
    n_tasks = len(manifest["tasks"])
    n_done = len(sw.finished_parts(folder))
    names, rows = sw.summarize(folder)
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
                ["policies", ", ".join(manifest["policies"])],
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
    table_rows = [
        [
            *(d[k] for k in group),
            d["runs"],
            *(f"{d[m]:.3f} ± {d[m + '_ci95'] or 0:.3f}" for m in SWEEP_METRICS),
        ]
        for d in data_rows
    ]
    results = html.table(
        [*group, "runs", *(f"{m} (mean ± 95% CI)" for m in SWEEP_METRICS)], table_rows
    )
    if keys:
        x = keys[0]
        others = f" (means over {', '.join(keys[1:])})" if len(keys) > 1 else ""
        names_x, rows_x = sw.summarize(folder, [x, "policy"])
        by_x = [dict(zip(names_x, r, strict=True)) for r in rows_x]
        for m in SWEEP_METRICS:
            fig = figures.sweep_lines(by_x, [x], m, "policy")
            results += html.figure(
                figures.png(fig), f"{m} against {x}, one line per policy{others}; bands: 95% CI."
            )
        if len(keys) >= 2:
            a, b = keys[:2]
            names_h, rows_h = sw.summarize(folder, [a, b, "policy"])
            by_h = [dict(zip(names_h, r, strict=True)) for r in rows_h]
            results += html.figure(
                figures.png(figures.sweep_heatmap(by_h, [a, b], "cooperation", "policy")),
                f"Cooperation over {a} × {b}, one panel per policy.",
            )
    else:
        summaries = {
            str(d["policy"]): {m: d[m] for m in SWEEP_METRICS} for d in data_rows if "policy" in d
        }
        results += html.figure(
            figures.png(figures.policy_bars(summaries, {m: m for m in SWEEP_METRICS})),
            "Each policy's means over runs.",
        )
    sections = [
        ("What was run", what),
        ("Results", results),
        ("Method", METHOD),
        ("Caveats", CAVEATS),
        (
            "Parameters",
            _parameters(scenario, "The base scenario; the grid above varies some of its fields. "),
        ),
    ]
    data = {"kind": "sweep", "scenario": scenario.name, "grid": grid, "rows": data_rows}
    return f"backscratch sweep: {scenario.name}", sections, data


# ------------------------------------------------------------------------------- demo


def _demo(folder: Path) -> tuple[str, list[tuple[str, str]], dict]:
    ref = folders.read_json(folder / "reference.json")
    case = folders.read_json(folder / "summary.json") if (folder / "summary.json").is_file() else {}
    scenario = load_scenario(ref["scenario"], {"runs": ref["runs"], "seed": ref["seed"]})
    pol = ref["policies"]
    body = (
        f"<p>The reference comparison <code>{html.esc(ref['scenario'])}</code>: {ref['runs']} "
        f"runs per policy, seed {ref['seed']}.</p>"
        + _metric_table(pol)
        + html.figure(
            figures.png(figures.policy_bars(pol, AT_A_GLANCE)),
            "The reference comparison at a glance (payoffs: discounted totals per run).",
        )
    )
    sections = [("The reference dyad", body)]
    if "domestic" in ref:
        sections.append(("Domestic lock-in", _domestic(ref["domestic"])))
    if case:
        cf = case.get("counterfactuals", {})
        fit = case.get("fit", {})
        rows = [
            [n, s["cooperation_rate"], s["final_latency"], s["threshold_crossed_share"]]
            for n, s in cf.items()
        ]
        text = (
            f"<p>The case <code>{html.esc(case.get('case', ''))}</code>, calibrated to "
            f"<code>{html.esc(fit.get('metric', ''))}</code> (RMSE {fit.get('rmse', float('nan')):.3f} "
            f"over {fit.get('n_points', 0)} points), and its counterfactuals on the same seeds.</p>"
            + html.table(
                ["counterfactual", "cooperation", "final latency (t)", "runs past L*"], rows
            )
        )
        if cf:
            text += html.figure(
                figures.png(
                    figures.policy_bars(
                        cf,
                        {
                            "cooperation_rate": "cooperation",
                            "final_latency": "final latency (t)",
                            "threshold_crossed_share": "runs past L*",
                        },
                    )
                ),
                "Counterfactuals of the case at a glance.",
            )
        sections.append(("The case study", text))
    sections += [
        ("Method", METHOD),
        (
            "Caveats",
            CAVEATS
            + "<p>The demo folder holds summaries only, not per-period records, so this report "
            "shows no paths over time; the demo's own <code>report.html</code> has them. The "
            "case's fitted parameters are not stored in the folder.</p>",
        ),
        ("Parameters", _parameters(scenario, "The reference scenario. ")),
    ]
    data = {"kind": "demo", "reference": ref, "case": case}
    return "backscratch demo: summary report", sections, data


# ----------------------------------------------------------------------------- entry


def build(folder: str | Path) -> str:
    """The report of a results folder, as one self-contained HTML page."""
    folder = Path(folder)
    k = folders.kind(folder)
    if k == "sweep":
        title, sections, data = _sweep(folder)
    elif k == "demo":
        title, sections, data = _demo(folder)
    else:
        title, sections, data = _run_like(folder, k)
    return html.page(title, sections, data=data)


def write(folder: str | Path, output: str | Path) -> Path:
    """Write the report of ``folder`` to ``output`` (``.html``), atomically."""
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise ScenarioError(f"-o '{output}': the report file name must end in .html")
    return store.write_text(build(folder), output)
