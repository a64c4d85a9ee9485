"""``backscratch demo``: the Iran case study and the reference comparison, as a report.

Writes ``report.html`` (self-contained: figures embedded, works offline) and
``summary.json`` (the case-study contract) plus ``reference.json`` (the ``oye-dyad``
comparison) into the output folder.
"""

from __future__ import annotations

from pathlib import Path

from backscratch import __version__
from backscratch.core import store
from backscratch.dyad.api import compare, hawk_threshold
from backscratch.dyad.scenario import Scenario, dump_yaml, load_scenario
from backscratch.report import figures, html
from backscratch.studies.casestudy import CaseStudy, iran_case

REFERENCE_POLICIES = ["blackmail", "backscratching", "mixed", "none"]


def reference(overrides: dict | None = None) -> tuple[Scenario, dict, dict]:
    """The ``oye-dyad`` comparison, the hawk-bias analysis, and cooperation at two shadows."""
    sc = load_scenario("oye-dyad", overrides)
    cmp = compare(sc, REFERENCE_POLICIES, keep=True)
    dom = hawk_threshold({p: cmp["results"][p] for p in ("blackmail", "backscratching")})
    shadows = {
        d: compare(sc.with_updates(shadow=d), ["blackmail", "backscratching"])["policies"]
        for d in (0.5, 0.9)
    }
    return sc, cmp, {"domestic": dom, "shadows": shadows}


def _case_sections(case: CaseStudy) -> list[tuple[str, str]]:
    sc, fit = case.scenario, case.fit
    dates = sc.calendar.dates(sc.horizon)
    unit = "latency: LEU produced since Feb 2007 (t UF6)"
    fit_rows = [
        [d, o, f]
        for d, o, f in zip(fit.dates, fit.observed.tolist(), fit.fitted.tolist(), strict=True)
    ]
    cf_rows = [
        [
            name,
            s["cooperation_rate"],
            s["final_latency"],
            s["threshold_crossed_share"],
            s["demander_payoff"],
            s["target_payoff"],
        ]
        for name, s in case.summaries.items()
    ]
    schedule = [[e.date, e.policy, "yes" if e.guarantor else "", e.note] for e in sc.schedule]
    return [
        (
            "The US–Iran case, 2003–2013",
            (
                "<p>The scenario <code>iran-2003-2013</code> plays the dyad month by month from "
                "January 2003 to February 2013, with the demander's instrument switching on the "
                "dates of the public record (table below; each row cites the timeline row it "
                "codes). Iran's latent capability is read as its stock of low-enriched uranium. "
                "Two parameters that turn pressure and offers into enrichment capacity were "
                f"fitted to the IAEA series <code>{html.esc(fit.metric)}</code>; all other "
                "parameters are stated assumptions.</p>"
                + html.table(["from", "policy", "guarantor", "what happened (source)"], schedule)
            ),
        ),
        (
            "Calibration",
            (
                "<p>Fitted: "
                + ", ".join(f"<code>{html.esc(k)}</code> = {v:.4f}" for k, v in fit.params.items())
                + f". Root-mean-square error {fit.rmse:.3f} t over {fit.n_points} points.</p>"
                + html.table(["date", "observed (t)", "model (t)"], fit_rows)
                + html.figure(
                    figures.png(figures.latency_fit(fit, case.growth_path(), dates, unit)),
                    "Observed LEU production (points) and the calibrated model's mean path (line).",
                )
            ),
        ),
        (
            "Counterfactuals on the same parameters and seeds",
            (
                "<p><b>as-happened</b>: the recorded mix of pressure and offers. "
                "<b>backscratching-from-2009</b>: from the October 2009 fuel-swap proposal, "
                "offers without threats, held by a guarantor, with LEU rolled back for each "
                "honoured exchange. <b>mixed</b>: from October 2009, the same offers with the "
                "sanctions kept in force.</p>"
                + html.table(
                    [
                        "counterfactual",
                        "cooperation",
                        "final latency (t)",
                        "runs past L*",
                        "US payoff",
                        "Iran payoff",
                    ],
                    cf_rows,
                    "counterfactuals",
                )
                + html.figure(
                    figures.png(
                        figures.paths(
                            case.results,
                            "latency",
                            "LEU stock (t UF6)",
                            "Latency by counterfactual (mean, 10–90% of runs)",
                            threshold=sc.hedging.threshold,
                            dates=dates,
                        )
                    ),
                    f"Latency paths; dashed: threshold L* = {sc.hedging.threshold} t.",
                )
                + html.figure(
                    figures.png(figures.cooperation(case.results, dates=dates, window=6)),
                    "Share of demands met (trailing 6-month mean).",
                )
            ),
        ),
    ]


def _reference_sections(sc: Scenario, cmp: dict, extra: dict) -> list[tuple[str, str]]:
    pol = cmp["policies"]
    keys = [
        ("cooperation_rate", "cooperation"),
        ("demand_growth_after_compliance", "Δ demand after compliance"),
        ("demand_growth_after_resistance", "Δ demand after resistance"),
        ("entries_per_period", "third-party entries / period"),
        ("final_latency", "final latency"),
        ("transfer_per_run", "rewards paid / run"),
        ("demander_payoff", "demander payoff"),
        ("target_payoff", "target payoff"),
    ]
    rows = [[label, *[pol[p][k] for p in pol]] for k, label in keys]
    dom = extra["domestic"]
    star = dom["eta_star"]
    shadow_rows = [
        [d, r["blackmail"]["cooperation_rate"], r["backscratching"]["cooperation_rate"]]
        for d, r in extra["shadows"].items()
    ]
    return [
        (
            "The reference dyad (oye-dyad)",
            (
                f"<p>{sc.runs} seeded runs × {sc.horizon} periods per policy, on the same random "
                "numbers. The target is privately pliable or resolute; the demander asks more of "
                "a target that looks pliable; two third parties watch.</p>"
                + html.table(["metric", *pol], rows, "reference")
                + html.figure(
                    figures.png(
                        figures.policy_bars(
                            pol,
                            {
                                "cooperation_rate": "cooperation",
                                "demander_payoff": "demander payoff",
                                "target_payoff": "target payoff",
                                "final_latency": "final latency",
                            },
                        )
                    ),
                    "The reference comparison at a glance.",
                )
                + html.figure(
                    figures.png(
                        figures.paths(
                            {
                                p: cmp["results"][p]
                                for p in ("blackmail", "backscratching", "mixed")
                            },
                            "belief",
                            "P(pliable)",
                            "Public belief that the target is pliable",
                        )
                    ),
                    "Concessions under threat make the target look weak; paid ones do not.",
                )
                + "<p>Cooperation as the shadow of the future rises:</p>"
                + html.table(["shadow δ", "blackmail", "backscratching"], shadow_rows)
                + (
                    f"<p>Domestic lock-in: a leader who values toughness prefers blackmail over "
                    f"backscratching once the hawk bias η exceeds η* = {star:.3f}, although "
                    "cooperation then falls.</p>"
                    if star is not None
                    else ""
                )
            ),
        ),
    ]


def _ties_sections(overrides: dict | None = None) -> tuple[list[tuple[str, str]], dict | None]:
    """TIES shares and the ``ties-calibrated`` scenario's fit to them (skipped without data)."""
    from backscratch.data import ties
    from backscratch.dyad.scenario import ScenarioError
    from backscratch.studies import calibrate_ties as ties_fit

    try:
        cases = ties.load()
    except (ScenarioError, OSError):
        return [], None
    d = ties.describe(cases)
    check = ties_fit.evaluate(load_scenario("ties-calibrated", overrides), cases)
    tf, ct = d["threat_first"], d["carrots_threat_stage"]
    rows = [
        ["threat first: acquiesced at the threat stage", tf["n"], tf["acquiesce_threat_stage"]],
        ["threat first: acquiesced at any stage", tf["n"], tf["acquiesce_any_stage"]],
        [
            "carrots at the threat stage: any stage",
            ct["with"]["n"],
            ct["with"]["acquiesce_any_stage"],
        ],
        ["no carrots: any stage", ct["without"]["n"], ct["without"]["acquiesce_any_stage"]],
    ]
    p = check.params
    body = (
        f"<p>The TIES dataset ({html.esc(ties.CITATION)}) records {d['n_cases']} sanctions "
        f"episodes, {d['n_coded']} with a coded outcome. Shares of cases in which the target "
        "acquiesced (partly or completely):</p>"
        + html.table(["cases", "n", "share"], rows)
        + "<p>The built-in scenario <code>ties-calibrated</code> is the reference dyad with "
        "three parameters fitted to the first three shares by simulated method of moments "
        "(<code>backscratch calibrate oye-dyad --to ties</code>): prior that the target is "
        f"pliable {p['target.prior_pliable']:.2f}, threat credibility "
        f"{p['threat.credibility']:.2f}, offer {p['offer_to_cost']:.2f} × the target's cost. "
        "A run is read as a case: it ends at the first compliance, the first back-down or "
        "the horizon.</p>"
        + html.figure(
            figures.png(figures.ties_fit(check)),
            "TIES shares (Wilson 95% intervals) and the calibrated model's (simulation intervals).",
        )
        + f"<div class='caveat'><p>{html.esc(ties.CAVEAT)} Only 27 coded cases had carrots at "
        "the threat stage, so that share is imprecise.</p></div>"
    )
    return [("Real data: TIES sanctions, 1945–2005", body)], check.to_dict()


MEANING = """
<ul>
<li><b>Threats invite resistance.</b> Giving in to a threat makes a target look pliable, which
brings larger demands from the threatener and demands from others; a forward-looking target
therefore resists, the more so the longer the shadow of the future.</li>
<li><b>Payment reveals a price, not weakness.</b> Accepting an offer that covers its cost tells
observers nothing about the target's resolve, so it invites further offers, not threats.</li>
<li><b>Threats feed hedging.</b> Pressure makes a latent deterrent more valuable; honoured
exchanges can buy it back.</li>
<li><b>The trade-off is real.</b> Backscratching costs the demander what it pays, and where the
shadow is short and the threat overwhelming, blackmail does as well
(<code>backscratch compare blackmail-works</code>).</li>
</ul>
"""

CAVEATS = """
<div class="caveat"><ul>
<li>This is a stylised model, not a forecast. Outside the two fitted hedging parameters, the Iran
scenario's parameters are assumptions chosen to be plausible, stated in the scenario file.</li>
<li>The calibration uses five values of one series; the 2012 value is the Guardian's reading of a
chart shown at the UN, not an IAEA figure, and cumulative production is not the stockpile
(some LEU was fed to 20% enrichment from 2010).</li>
<li>The schedule codes a decade of diplomacy into four instruments; the coding is in the
scenario file, row by row, so it can be disputed and changed.</li>
<li>Targets expect the instrument in force to continue; counterfactuals therefore differ from
the record only from the date they diverge.</li>
</ul></div>
"""


def write(out: str | Path, overrides: dict | None = None) -> dict:
    """Run the demo, write ``report.html``, ``summary.json`` and ``reference.json`` under
    ``out``; return what was computed."""
    out = Path(out)
    case = iran_case(overrides)
    sc, cmp, extra = reference(overrides)
    summary = case.to_json()
    ref = {
        "scenario": sc.name,
        "runs": sc.runs,
        "seed": sc.seed,
        "policies": cmp["policies"],
        "domestic": extra["domestic"],
    }
    ties_sections, ties_check = _ties_sections(overrides)
    if ties_check is not None:
        ref["ties"] = ties_check
    sections = [
        (
            "What was run",
            (
                f"<p>backscratch {html.esc(__version__)}: the calibrated US–Iran case with three "
                "counterfactuals; the reference comparison of blackmail (threats), "
                "backscratching (offers), mixed (both) and no demand; and the TIES sanctions "
                "data beside the scenario calibrated to them. Every number below is "
                "recomputed from seeded simulations each time the demo runs.</p>"
            ),
        ),
        *_case_sections(case),
        *_reference_sections(sc, cmp, extra),
        *ties_sections,
        ("What it means", MEANING),
        ("Caveats", CAVEATS),
        (
            "Parameters",
            "<p>The calibrated Iran scenario, as run:</p><pre>"
            + html.esc(dump_yaml(case.scenario))
            + "</pre>",
        ),
    ]
    page = html.page("backscratch: blackmail or backscratching?", sections, data=summary)
    store.write_text(page, out / "report.html")
    store.write_json(ref, out / "reference.json")
    store.write_json(summary, out / "summary.json")
    return {
        "case": case,
        "summary": summary,
        "reference": ref,
        "scenario": sc,
        "compare": cmp,
        "extra": extra,
    }
