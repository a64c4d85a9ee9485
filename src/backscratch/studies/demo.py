"""``backscratch demo``: the Iran case study and the reference comparison, as a report.

Writes ``report.html`` (self-contained: figures embedded, works offline) and
``summary.json`` (the case-study contract) plus ``reference.json`` (the ``oye-dyad``
comparison) into the output folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backscratch.core import store
from backscratch.core.errors import ScenarioError
from backscratch.core.results import by_name
from backscratch.core.schema import load_scenario
from backscratch.core.version import __version__
from backscratch.data import ties
from backscratch.dyad.api import compare
from backscratch.dyad.frontier import FRONTIER_HEADER, frontier_rows, threat_frontier
from backscratch.dyad.policies import POLICY_NAMES
from backscratch.dyad.results import METRICS, Comparison
from backscratch.dyad.scenario import Scenario
from backscratch.game.api import NATION, PhaseMap, first_move, phase_map, with_nation
from backscratch.report import figures, html
from backscratch.report.game_figures import phase_figure
from backscratch.report.results import parameters_section
from backscratch.studies import calibrate_ties
from backscratch.studies.casestudy import CASE_METRICS, CaseStudy, iran_case
from backscratch.studies.validate import Backtest, validate

REFERENCE_POLICIES = POLICY_NAMES
"""The reference comparison: every instrument and the no-demand baseline."""
SHADOWS = (0.5, 0.9)
"""Shadows of the future at which blackmail and backscratching are compared (P3)."""
SHOWN = (
    "cooperation_rate",
    "demand_growth_after_compliance",
    "demand_growth_after_resistance",
    "belief_jump_after_compliance",
    "entries_per_period",
    "final_latency",
    "transfer_per_run",
    "demander_payoff",
    "target_payoff",
)
"""The reference comparison's rows in the report."""
AT_A_GLANCE = ("cooperation_rate", "demander_payoff", "target_payoff", "final_latency")
LOCK_IN_AXES = {"domestic.hawk_bias": [0.0, 0.5, 1.0], "domestic.audience_cost": [0.0, 0.5]}
"""The leader's objective in the demander's-choice game, over hawk bias and audience costs."""


@dataclass
class Demo:
    """What ``backscratch demo`` computed: the Iran case, the reference comparison with its
    hawk-bias analysis (over every policy compared) and its cooperation at two shadows, and
    the TIES check of ``ties-calibrated`` (``None`` without the data)."""

    case: CaseStudy
    reference: Comparison
    domestic: dict[str, Any]
    shadows: dict[float, dict[str, dict[str, Any]]]
    ties: calibrate_ties.TiesFit | None
    choice: dict[str, Any]
    """D's equilibrium first move in ``oye-dyad``'s demander's-choice game (the nation)."""
    lock_in: PhaseMap
    """The leader's first move over :data:`LOCK_IN_AXES`, with what it costs the nation."""
    backtests: dict[str, Backtest]
    """Each case of :data:`BACKTEST_CASES` validated on its own split."""
    sections: dict[str, Any] = field(default_factory=dict, repr=False)
    """With ``run(render=True)``: each part's report sections, rendered where it ran."""

    def summary_json(self) -> dict[str, Any]:
        """The ``summary.json`` contract: the Iran case and the backtests' verdicts."""
        return {
            **self.case.to_json(),
            "backtests": {
                name: {k: bt.summary()[k] for k in BACKTEST_KEYS}
                for name, bt in self.backtests.items()
            },
        }

    def reference_json(self) -> dict[str, Any]:
        """The ``reference.json`` contract."""
        s = self.reference.summary()
        out = {**s, "domestic": self.domestic, "threat_frontier": self.reference.frontier}
        out["equilibrium"] = {"first_move": self.choice, "lock_in": self.lock_in.rows}
        if self.ties is not None:
            out["ties"] = self.ties.summary()
        return out


def reference(overrides: dict | None = None) -> tuple[Comparison, dict[str, Any], dict]:
    """The ``oye-dyad`` comparison (with its threat frontier), its hawk-bias analysis (over
    every policy compared), and blackmail's and backscratching's summaries at the shadows
    :data:`SHADOWS`."""
    sc = load_scenario("oye-dyad", overrides)
    if not isinstance(sc, Scenario):  # pragma: no cover - the built-in is a dyad scenario
        raise ScenarioError("oye-dyad: not a dyad scenario")
    cmp = compare(sc, policies=REFERENCE_POLICIES)
    cmp.frontier = threat_frontier(sc).summary()
    pair = ("blackmail", "backscratching")
    shadows = {d: compare(sc.with_updates(shadow=d), policies=pair).summaries() for d in SHADOWS}
    return cmp, cmp.domestic(), shadows


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


def belief_caption(results: dict) -> str:
    """What the belief figure shows, in its numbers: the all-runs mean stays at the prior (a
    martingale) and the split by true type is what the public learns, per policy."""
    ends = {name: figures.belief_ends(res) for name, res in results.items()}
    prior = next(iter(results.values())).scenario.target.prior_pliable
    gaps = "; ".join(
        f"{name}: {e['pliable']:.2f} if pliable, {e['resolute']:.2f} if resolute"
        for name, e in ends.items()
    )
    summaries = [res.summary() for res in results.values()]
    yes, no = (
        ", ".join(f"{s[key]:+.3f}" for s in summaries)
        for key in ("belief_jump_after_compliance", "belief_jump_after_resistance")
    )
    names = ", ".join(results)
    return (
        "The public belief that the target is pliable, by the target's true type (solid: "
        "pliable, dashed: resolute; grey: all runs). Averaged over all runs it stays at the "
        f"prior {prior:g} under every policy — a Bayesian belief is a martingale — so only the "
        f"split shows what the public learns. Final belief, {gaps}: the wider the gap, the "
        f"more a target's answers reveal its type. Per answer, a yes moves it by {yes} and a "
        f"no by {no} ({names}): what is learned from yeses and what from refusals."
    )


def belief_figure(results: dict) -> str:
    """The belief-by-type figure with :func:`belief_caption`."""
    return html.figure(figures.png(figures.belief_by_type(results)), belief_caption(results))


def _reference_sections(
    cmp: Comparison, domestic: dict[str, Any], shadows: dict
) -> list[tuple[str, str]]:
    sc, pol = cmp.scenario, cmp.summaries()
    rows = [[m.title, *[pol[p][m.name] for p in pol]] for m in by_name(METRICS, SHOWN)]
    star = domestic["eta_star"]
    shadow_rows = [
        [d, r["blackmail"]["cooperation_rate"], r["backscratching"]["cooperation_rate"]]
        for d, r in shadows.items()
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
                    figures.png(figures.policy_bars(pol, by_name(METRICS, AT_A_GLANCE))),
                    "The reference comparison at a glance.",
                )
                + belief_figure({p: cmp[p] for p in ("blackmail", "backscratching", "mixed")})
                + "<p>Cooperation as the shadow of the future rises:</p>"
                + html.table(["shadow δ", "blackmail", "backscratching"], shadow_rows)
                + (
                    "<p>How far the answer is from flipping — the threat frontier: the "
                    "punishment at which blackmail would match backscratching, at the same "
                    f"credibility {sc.threat.credibility:g} (the reference punishment is "
                    f"{sc.threat.punishment:g}):</p>"
                    + html.table(FRONTIER_HEADER, frontier_rows(cmp.frontier))
                    if cmp.frontier is not None
                    else ""
                )
                + (
                    f"<p>Domestic lock-in: a leader who values toughness prefers blackmail over "
                    f"{domestic['preferred_at_zero']} once the hawk bias η exceeds η* = "
                    f"{star:.3f}, although cooperation then falls.</p>"
                    if star is not None
                    else ""
                )
            ),
        ),
    ]


def ties_check(overrides: dict | None = None) -> calibrate_ties.TiesFit | None:
    """The TIES shares beside those ``ties-calibrated`` simulates (``None`` without the data)."""
    try:
        cases = ties.load()
    except (ScenarioError, OSError):
        return None
    sc = load_scenario("ties-calibrated", overrides)
    if not isinstance(sc, Scenario):  # pragma: no cover - the built-in is a dyad scenario
        raise ScenarioError("ties-calibrated: not a dyad scenario")
    return calibrate_ties.evaluate(sc, cases)


def _ties_sections(check: calibrate_ties.TiesFit | None) -> list[tuple[str, str]]:
    """TIES shares and the ``ties-calibrated`` scenario's fit to them (none without data)."""
    if check is None:
        return []
    d = ties.describe(ties.load())
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
    return [("Real data: TIES sanctions, 1945–2005", body)]


MEANING = """
<ul>
<li><b>Threats invite resistance.</b> Giving in to a threat makes a target look pliable, which
brings larger demands from the threatener and demands from others; a forward-looking target
therefore resists, the more so the longer the shadow of the future.</li>
<li><b>Payment reveals a price, and almost no weakness — but it does not keep others
away.</b> Accepting an offer that covers its cost moves the public belief that the target is
pliable far less than giving in to a threat — though over a whole run the public still learns
the type under offers, from the refusals of resolute targets (the belief figure above). Third
parties still come: at the reference they
enter more often under offers than under threats, because every resisted threat builds a
reputation for resolve and a paid yes builds none. Here the model disagrees with the claim
that paying invites no one (docs/model.md, P2). And if the others come to pay rather than to
threaten (<code>third_parties.instrument: offer</code>), looking pliable becomes an asset and
targets give in to threats far more often.</li>
<li><b>Threats feed hedging.</b> Pressure makes a latent deterrent more valuable; honoured
exchanges can buy it back. In the report's scenarios a rule says so; when hedging is the
target's own choice (<code>hedging.mode: choice</code>, docs/howto/hedging-and-entrants.md)
the same follows from its optimisation, but only as far as latency blunts punishment — and
then the latency it buys undercuts the threats that called it forth.</li>
<li><b>The trade-off is real.</b> Backscratching costs the demander what it pays, and where the
shadow is short and the threat overwhelming, blackmail does as well
(<code>backscratch compare blackmail-works</code>).</li>
<li><b>Leaders may choose threats anyway.</b> A leader who values looking tough weighs the
value of the demands it backs with threats; past the hawk bias η* reported above, threats
win inside the government although every other instrument does better abroad. Where the
leader chooses (the demander's-choice game), a hawkish leader without audience costs keeps
issuing a threat it will not carry out: the target refuses and the nation loses almost all
it could have had — failing coercion locked in, derived rather than assumed.</li>
<li><b>A rational unitary D pays.</b> With its cost of punishing known and positive, it
never carries a threat out, so it offers; threats are its choice only when punishing is free
and the threat large. Here the model disagrees with the idea that threats are a rational
state's natural first resort.</li>
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


def _oye(overrides: dict | None) -> Scenario:
    sc = load_scenario("oye-dyad", overrides)
    if not isinstance(sc, Scenario):  # pragma: no cover - the built-in is a dyad scenario
        raise ScenarioError("oye-dyad: not a dyad scenario")
    return sc


def _leader(overrides: dict | None) -> Scenario:
    return _oye(overrides).with_updates(**{"strategic.objective": "leader"})


LOCK_IN_CELLS = tuple(
    {a: x, b: y} for (a, xs), (b, ys) in [tuple(LOCK_IN_AXES.items())] for x in xs for y in ys
)
"""The cells of the lock-in map, in :func:`~backscratch.game.api.phase_map`'s order."""


def lock_in_cell(i: int, overrides: dict | None = None) -> dict[str, Any]:
    """Cell ``i`` of :func:`strategic`'s lock-in map (a part of its own in the demo) without
    the nation's terms, which :func:`run` adds from the nation's own solve (the
    ``strategic`` part's: :func:`nation_move`), so that no process solves it again."""
    cell = LOCK_IN_CELLS[i]
    return {**cell, **first_move(_leader(overrides).with_updates(**cell), nation=False)}


def nation_move(overrides: dict | None, choice: dict[str, Any]) -> dict[str, Any]:
    """The first move of the nation's own game behind the lock-in map: ``choice`` (the
    ``strategic`` part's :func:`~backscratch.game.api.first_move` of ``oye-dyad``) when that
    game is the nation's (the leader's domestic terms do not enter it), else solved here."""
    sc = _oye(overrides)
    if sc.strategic.objective == "nation":
        return choice
    return first_move(sc.with_updates(**NATION))


def strategic(overrides: dict | None = None) -> tuple[dict[str, Any], PhaseMap]:
    """What a rational D does in ``oye-dyad``'s demander's-choice game (its first move), and
    what its leader does over :data:`LOCK_IN_AXES`."""
    return first_move(_oye(overrides)), phase_map(_leader(overrides), axes=LOCK_IN_AXES)


def run(overrides: dict | None = None, *, workers: int | None = None, render: bool = False) -> Demo:
    """Compute the demo: the Iran case, the reference comparison, the TIES check, the
    demander's-choice game and the backtests. Its parts are independent and seeded on their
    own, so they run on ``workers`` processes (default: every core, at most one per part)
    with the same numbers as on one (``workers=1``: this process). ``render``: each part
    also renders its report sections (figures included) where it ran (:attr:`Demo.sections`)."""
    from backscratch.core.backends import run_tasks

    workers = min(len(PARTS), (os.cpu_count() or 1) if workers is None else workers)
    last_cell = f"lock-in:{len(LOCK_IN_CELLS) - 1}"
    done: dict[str, tuple[Any, Any]] = {}
    lock_in: PhaseMap | None = None

    def strategic_sections() -> None:  # once every cell of the lock-in map is in
        nonlocal lock_in
        (k1, v1), (k2, v2) = LOCK_IN_AXES.items()
        nation = nation_move(overrides, done["strategic"][0])
        rows = [with_nation(done[f"lock-in:{i}"][0], nation) for i in range(len(LOCK_IN_CELLS))]
        lock_in = PhaseMap(_leader(overrides), (k1, k2), (list(v1), list(v2)), rows)
        if render:
            done["strategic"] = (
                done["strategic"][0],
                _strategic_sections(done["strategic"][0], lock_in, _oye(overrides)),
            )

    if workers > 1:
        specs = [(part, overrides, render) for part in LONGEST_FIRST]
        done.update(run_tasks(_part, specs, backend="local", workers=workers))
        strategic_sections()
    else:  # in the report's order, figures drawn in the order the page shows them
        for part in PARTS:
            done[part] = _part((part, overrides, render))[1]
            if part == last_cell:
                strategic_sections()
    assert lock_in is not None
    cmp, dom, shadows = done["reference"][0]
    choice = done["strategic"][0]
    backtests = {name: done[f"backtest:{name}"][0] for name in BACKTEST_CASES}
    sections = {part: html for part, (_, html) in done.items() if html is not None}
    return Demo(done["case"][0], cmp, dom, shadows, done["ties"][0], choice, lock_in,
                backtests, sections)  # fmt: skip


def _part(spec: tuple[str, dict | None, bool]) -> tuple[str, tuple[Any, Any]]:
    """One part of the demo (a task of :func:`run`): what it computed and, if asked, its
    report sections."""
    part, overrides, render = spec
    if part.startswith("backtest:"):
        name = part.split(":", 1)[1]
        bt = backtest(name, overrides)
        return part, (bt, _backtest_html(name, bt) if render else None)
    if part.startswith("lock-in:"):  # the strategic section is drawn once every cell is in
        return part, (lock_in_cell(int(part.split(":", 1)[1]), overrides), None)
    if part == "strategic":
        return part, (first_move(_oye(overrides)), None)
    compute: dict[str, Callable[[dict | None], Any]] = {
        "reference": reference, "case": iran_case, "ties": ties_check
    }  # fmt: skip
    result = compute[part](overrides)
    if not render:
        return part, (result, None)
    if part == "reference":
        sections = _reference_sections(*result)
    elif part == "case":
        sections = _case_sections(result)
    else:
        sections = _ties_sections(result)
    return part, (result, sections)


BACKTEST_KEYS = ("calibrated_until", "scores", "verdict", "reasons")
"""What ``summary.json`` keeps of each backtest."""
BACKTEST_CASES = ("iran-2003-2013", "north-korea-1985-2009", "libya-1986-2004")
"""The built-in cases the demo validates against history (``backscratch validate``)."""
PARTS = ("case", "reference", "ties", "strategic",
         *(f"lock-in:{i}" for i in range(len(LOCK_IN_CELLS))),
         *(f"backtest:{name}" for name in BACKTEST_CASES))  # fmt: skip
"""The demo's independent parts, in the report's order (the order on one process); each
cell of the lock-in map is a part of its own."""
LONGEST_FIRST = ("reference", "case", "backtest:north-korea-1985-2009",
                 "backtest:iran-2003-2013", "strategic",
                 *(f"lock-in:{i}" for i in range(len(LOCK_IN_CELLS))),
                 "backtest:libya-1986-2004", "ties")  # fmt: skip
""":data:`PARTS` as a pool takes them: the longest first, so that two processes finish
together (about 3.3, 2.1, 1.1, 0.6, 0.6, 6 x 0.55, 0.4 and 0.2 s on one core, figures
included; no cell solves the nation's game, whose one solve is the ``strategic`` part's)."""


def backtest(name: str, overrides: dict | None = None) -> Backtest:
    """``backscratch validate NAME`` with the demo's overrides (runs, seed)."""
    sc = load_scenario(name, overrides)
    if not isinstance(sc, Scenario):  # pragma: no cover - the built-ins are dyad scenarios
        raise ScenarioError(f"{name}: not a dyad scenario")
    return validate(sc)


BACKTEST_INTRO = (
    "<p>Each case is fitted on the record up to its <code>calibrated_until</code> only and "
    "run past it on its own schedule (<code>backscratch validate CASE</code>). A phase "
    "agrees when the simulated and observed directions match; the model must beat a "
    "straight line fitted to the same in-sample points, and reach the threshold L* within "
    "a year of the record. The verdict can fail, and here it does.</p>"
)


def _backtest_html(name: str, bt: Backtest) -> str:
    """One case's backtest: its phase table, scores, verdict and figure."""
    head = ["phase", "months", "sample", "observed", "simulated", "agree"]
    s = bt.summary()
    rows = [
        [p["phase"], f"{p['start']} – {p['end']}", "out" if p["out_of_sample"] else "in",
         p["observed"], p["simulated"], {None: "–", True: "yes", False: "no"}[p["agree"]]]
        for p in s["phases"]
    ]  # fmt: skip
    sc = s["scores"]

    def f(x):
        return "n/a" if x is None else f"{x:.3f}"

    why = "; ".join(s["reasons"]) or "every check passed"
    return (
        f"<h3>{html.esc(name)}: {html.esc(s['metric'])} ({html.esc(s['unit'])}), fit until "
        f"{html.esc(s['calibrated_until'])} — <b>{html.esc(s['verdict'])}</b></h3>"
        + html.table(head, rows)
        + f"<p>{html.esc(s['fit']['note'])}. Level error (RMSE, model units): in sample "
        f"{f(sc['rmse_in_sample'])} ({sc['n_in_sample']} points), out of sample "
        f"{f(sc['rmse_out_of_sample'])} ({sc['n_out_of_sample']} points), time-trend null "
        f"{f(sc['rmse_trend_out_of_sample'])}. Verdict {html.esc(s['verdict'])}: "
        f"{html.esc(why)}.</p>"
        + html.figure(
            figures.png(figures.backtest(bt)),
            f"{name}: the model's mean path, the observations (filled: in the fit; open: "
            "held out), the time-trend null and the end of the fit (vertical line).",
        )
    )


def _strategic_sections(c: dict[str, Any], lock: PhaseMap, sc: Scenario) -> list[tuple[str, str]]:
    rows = [
        [r["domestic.hawk_bias"], r["domestic.audience_cost"], r["instrument"],
         "–" if r["credibility"] is None else r["credibility"], r["cooperation"],
         r["demander_payoff"], r["nation_choice"], r["lock_in_cost"]]
        for r in lock.rows
    ]  # fmt: skip
    head = ["hawk bias η", "audience cost", "leader's first move", "credibility",
            "cooperation", "nation's payoff", "nation's own choice", "lock-in cost"]  # fmt: skip
    return [
        (
            "What would a rational D do?",
            (
                "<p>In the demander's-choice game (<code>backscratch equilibrium oye-dyad"
                "</code>) D chooses its instrument, demand and price each period, and carries "
                "out a resisted threat only if that pays. Its cost of doing so is known "
                f"(k = {sc.threat.execution_cost:g} per unit of punishment), so nothing about D "
                "is left to learn and a unitary D never carries a threat out: at the reference "
                f"it opens with <b>{html.esc(c['action'])}</b> (cooperation "
                f"{c['cooperation']:.3f}) at every belief. Threats become its choice only when "
                "carrying them out costs it nothing and they are large enough "
                "(<code>--set threat.execution_cost=0 --map threat.punishment=0.5:3:6 --map "
                "shadow=0.5,0.9</code>: offers up to P = 1, both at 1.5, blackmail from P = 2, at "
                "either shadow). "
                "With a private execution cost (<code>strategic.cost_types</code>, docs/model.md) "
                "punishments build a reputation and credibility becomes an equilibrium outcome; "
                "the demo does not solve that game (about five minutes on one core).</p>"
                "<p>Its leader values toughness (hawk bias η) and pays audience costs for "
                "backing down. Where the leader's choice differs from the nation's, the "
                "nation loses the lock-in cost (expected discounted payoff from the initial "
                "belief):</p>"
                + html.table(head, rows)
                + html.figure(
                    figures.png(phase_figure(lock)),
                    "The leader's first move over hawk bias and audience cost; cells: the "
                    "probability its first demand is met.",
                )
            ),
        ),
    ]


def write(out: str | Path, overrides: dict | None = None, *, workers: int | None = None) -> Demo:
    """Run the demo (on ``workers`` processes, :func:`run`) and write ``report.html``,
    ``summary.json`` and ``reference.json`` under ``out``, then the seal ``contents.json``;
    return what was computed. A folder holding another kind of result is refused before any
    work."""
    out = store.begin(out, "demo")
    demo = run(overrides, workers=workers, render=True)
    summary = demo.summary_json()
    parts = demo.sections
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
        *parts["case"],
        *parts["reference"],
        *parts["ties"],
        *parts["strategic"],
        (
            "Backtests against history",
            BACKTEST_INTRO + "".join(parts[f"backtest:{name}"] for name in BACKTEST_CASES),
        ),
        ("What it means", MEANING),
        ("Caveats", CAVEATS),
        ("Parameters", parameters_section(demo.case.scenario, "The calibrated Iran case. ")),
    ]
    page = html.page("backscratch: blackmail or backscratching?", sections, data=summary)
    files = (
        store.write_text(page, out / "report.html"),
        store.write_json(demo.reference_json(), out / "reference.json"),
        store.write_json(summary, out / "summary.json"),
    )
    store.seal(out, "demo", files)
    return demo


def report_page(folder: str | Path) -> str:
    """The report of a demo folder (its ``reference.json`` and ``summary.json``): summaries
    only, since the folder holds no per-period records."""
    from backscratch.dyad.io import read_json
    from backscratch.report import results as rr

    folder = Path(folder)
    ref = read_json(folder / "reference.json")
    case = read_json(folder / "summary.json") if (folder / "summary.json").is_file() else {}
    try:
        name, pol = str(ref["scenario"]), ref["policies"]
        scenario = load_scenario(name, {"runs": ref["runs"], "seed": ref["seed"]})
    except (KeyError, TypeError):
        raise ScenarioError(f"{folder}/reference.json: not a demo's reference comparison") from None
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"{folder}/reference.json: not a dyad scenario")
    body = (
        f"<p>The reference comparison <code>{html.esc(name)}</code>: {ref['runs']} "
        f"runs per policy, seed {ref['seed']}.</p>"
        + rr.metric_table(pol)
        + html.figure(
            figures.png(figures.policy_bars(pol, by_name(METRICS, AT_A_GLANCE))),
            "The reference comparison at a glance (payoffs: discounted totals per run).",
        )
    )
    sections = [("The reference dyad", body)]
    if "domestic" in ref:
        sections.append(("Domestic lock-in", rr.domestic_section(ref["domestic"])))
    if case:
        cf = case.get("counterfactuals", {})
        fit = case.get("fit", {})
        rows = [
            [n, s["cooperation_rate"], s["final_latency"], s["threshold_crossed_share"]]
            for n, s in cf.items()
        ]
        text = (
            f"<p>The case <code>{html.esc(case.get('case', ''))}</code>, calibrated to "
            f"<code>{html.esc(fit.get('metric', ''))}</code> (RMSE "
            f"{fit.get('rmse', float('nan')):.3f} over {fit.get('n_points', 0)} points), and "
            "its counterfactuals on the same seeds.</p>"
            + html.table(
                ["counterfactual", "cooperation", "final latency (t)", "runs past L*"], rows
            )
        )
        if cf:
            text += html.figure(
                figures.png(figures.policy_bars(cf, by_name(METRICS, CASE_METRICS))),
                "Counterfactuals of the case at a glance.",
            )
        sections.append(("The case study", text))
    sections += [
        ("Method", rr.METHOD),
        (
            "Caveats",
            rr.CAVEATS
            + "<p>The demo folder holds summaries only, not per-period records, so this report "
            "shows no paths over time; the demo's own <code>report.html</code> has them. The "
            "case's fitted parameters are not stored in the folder.</p>",
        ),
        ("Parameters", rr.parameters_section(scenario, "The reference scenario. ")),
    ]
    data = {"kind": "demo", "reference": ref, "case": case}
    return html.page("backscratch demo: summary report", sections, data=data)
