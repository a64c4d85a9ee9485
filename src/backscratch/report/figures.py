"""Figures with one style: the Okabe–Ito colour-blind-safe palette, labelled axes with units.

Each function takes results and returns a matplotlib ``Figure`` (Agg backend, no screen);
:func:`png` turns one into PNG bytes for embedding.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.figure import Figure

from backscratch.core.results import Metric

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
POLICY_COLOURS = {
    "blackmail": "#D55E00",
    "backscratching": "#009E73",
    "mixed": "#0072B2",
    "none": "#000000",
}
STYLE = {
    "figure.dpi": 110,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}


OTHER_COLOURS = ("#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
"""Palette colours left for series that are not policies (counterfactual schedules, ...)."""


def colour(name: str, i: int) -> str:
    """The colour of a policy (fixed across figures), else the i-th of the other colours."""
    return POLICY_COLOURS.get(name, OTHER_COLOURS[i % len(OTHER_COLOURS)])


def png(fig: Figure) -> bytes:
    """PNG bytes of ``fig`` (then closed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _dates_axis(ax, dates: list[str], every: int = 12) -> None:
    ticks = list(range(0, len(dates), every))
    ax.set_xticks(ticks, [dates[t][:4] for t in ticks])


def backtest(bt) -> Figure:
    """A backtest (:class:`~backscratch.studies.validate.Backtest`): the model's mean path,
    the observations (filled: in the fit; open: held out), the time-trend null (dashed), the
    end of the fit (vertical line) and the phases (shaded, labelled)."""
    sc = bt.scenario
    dates = sc.calendar.dates(sc.horizon)
    cal = sc.calendar
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
        for i, ph in enumerate(bt.phases):
            a = max(cal.period_of(ph["start"]), 0)
            b = min(cal.period_of(ph["end"]), sc.horizon - 1)
            ax.axvspan(a, b + 1, color="0.92" if i % 2 else "0.85", lw=0, zorder=0)
            ax.text((a + b + 1) / 2, 0.97 - 0.07 * (i % 3), ph["phase"], ha="center",
                    va="top", fontsize=6.5, transform=ax.get_xaxis_transform(),
                    clip_on=True)  # fmt: skip
        t = np.arange(sc.horizon)
        ax.plot(t, bt.path, color=OKABE_ITO[0], label="model (mean of runs)")
        obs_t = np.array([cal.period_of(d[:7]) for d in bt.series.dates])
        ins = np.asarray(bt.in_sample, dtype=bool)
        ax.scatter(obs_t[ins], bt.series.values[ins], color=OKABE_ITO[1], zorder=3,
                   label="observed, in the fit")  # fmt: skip
        ax.scatter(obs_t[~ins], bt.series.values[~ins], facecolor="white",
                   edgecolor=OKABE_ITO[1], zorder=3, label="observed, held out")  # fmt: skip
        if np.isfinite(bt.trend).any():
            ax.plot(obs_t, bt.trend, color="0.3", ls="--", lw=0.9, label="time trend (null)")
        cut = cal.period_of(bt.calibrated_until)
        ax.axvline(cut + 1, color="black", lw=0.8)
        years = -(-sc.horizon * cal.months_per_period // 12)  # at most ~10 year ticks
        _dates_axis(ax, dates, every=max(1, 12 * -(-years // 10) // cal.months_per_period))
        ax.set_xlabel("year")
        v = sc.validation
        ax.set_ylabel(f"{bt.series.metric}\n[{v.quantity}, {v.transform}; model units]")
        ax.legend(frameon=False, fontsize=7, loc="center left")
        fig.suptitle(f"{sc.name}: fit until {bt.calibrated_until}, verdict {bt.verdict}",
                     fontsize=9)  # fmt: skip
        return fig


def latency_fit(fit, growth_path: np.ndarray, dates: list[str], unit: str) -> Figure:
    """Observed metric vs the calibrated model's mean latency growth over the calendar."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        ax.plot(range(len(dates)), growth_path, color=OKABE_ITO[0], label="model (mean of runs)")
        obs_t = [dates.index(d[:7]) for d in fit.dates]
        ax.scatter(obs_t, fit.observed, color=OKABE_ITO[1], zorder=3, label="IAEA / reported")
        for t, o, f in zip(obs_t, fit.observed, fit.fitted, strict=True):
            ax.plot([t, t], [o, f], color="grey", lw=0.8)
        _dates_axis(ax, dates)
        ax.set_xlabel("year")
        ax.set_ylabel(unit)
        ax.set_title(f"Calibration: {fit.metric} (RMSE {fit.rmse:.2f}, n = {fit.n_points})")
        ax.legend(frameon=False)
        return fig


def ties_fit(fit) -> Figure:
    """TIES shares observed (Wilson 95% CI) beside the calibrated model's (simulation 95% CI);
    ``fit`` is a :class:`backscratch.studies.calibrate_ties.TiesFit`."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        y = np.arange(len(fit.labels))
        for off, (vals, ci, name, c) in zip(
            (-0.12, 0.12),
            (
                (fit.observed, fit.observed_ci, "TIES v4.1 (Wilson 95% CI)", OKABE_ITO[1]),
                (fit.simulated, fit.simulated_ci, "calibrated model (95% sim. CI)", OKABE_ITO[0]),
            ),
            strict=True,
        ):
            err = np.abs(np.asarray(ci).T - vals)
            ax.errorbar(vals, y + off, xerr=err, fmt="o", color=c, capsize=3, label=name)
        labels = [f"{lab}\n(n = {int(n)})" for lab, n in zip(fit.labels, fit.counts, strict=True)]
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of cases in which the target acquiesced")
        ax.set_title("Calibration to TIES: observed vs simulated shares")
        ax.legend(frameon=False, loc="upper right", fontsize="small")
        return fig


def paths(
    results: dict,
    column: str,
    ylabel: str,
    title: str,
    threshold: float | None = None,
    dates: list[str] | None = None,
) -> Figure:
    """Mean (line) and 10–90% band (shade) across runs of a per-period column, per policy."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        for i, (name, res) in enumerate(results.items()):
            arr = res.records[column].astype(float)
            t = np.arange(arr.shape[0])
            c = colour(name, i)
            ax.plot(t, arr.mean(axis=1), color=c, label=name)
            lo, hi = np.quantile(arr, [0.1, 0.9], axis=1)
            ax.fill_between(t, lo, hi, color=c, alpha=0.15, lw=0)
        if threshold is not None:
            ax.axhline(threshold, color="black", ls="--", lw=0.8, label="threshold L*")
        if dates is not None:
            _dates_axis(ax, dates)
            ax.set_xlabel("year")
        else:
            ax.set_xlabel("period")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8)
        return fig


def belief_ends(result) -> dict[str, float]:
    """The mean final public belief P(pliable) over all runs and among the runs whose target
    is in truth pliable and resolute (``nan`` for a type no run drew)."""
    final = result.records["belief"][-1].astype(float)
    pliable = np.asarray(result.pliable, dtype=bool)

    def mean(mask):
        return float(final[mask].mean()) if mask.any() else float("nan")

    return {
        "all": float(final.mean()),
        "pliable": mean(pliable),
        "resolute": mean(~pliable),
    }


def belief_by_type(results: dict) -> Figure:
    """The public belief P(pliable) per period, one panel per policy: the mean among runs
    whose target is in truth pliable (solid) and resolute (dashed), and over all runs (thin
    grey). Over all runs the belief is a martingale (its mean stays at the prior), so only the
    split by the true type shows what the public learns."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, len(results), figsize=(2.6 * len(results) + 0.6, 3.0), sharey=True,
            squeeze=False, layout="constrained",
        )  # fmt: skip
        for i, (ax, (name, res)) in enumerate(zip(axes[0], results.items(), strict=True)):
            arr = res.records["belief"].astype(float)
            pliable = np.asarray(res.pliable, dtype=bool)
            t = np.arange(arr.shape[0])
            c = colour(name, i)
            ax.plot(t, arr.mean(axis=1), color="0.6", lw=0.8, label="all runs")
            if pliable.any():
                ax.plot(t, arr[:, pliable].mean(axis=1), color=c, label="pliable T")
            if (~pliable).any():
                ax.plot(t, arr[:, ~pliable].mean(axis=1), color=c, ls="--", label="resolute T")
            ax.set_title(name)
            ax.set_xlabel("period")
            ax.set_ylim(0, 1)
            ax.legend(frameon=False, fontsize=7)
        axes[0][0].set_ylabel("public belief P(pliable)")
        return fig


def cooperation(results: dict, dates: list[str] | None = None, window: int = 1) -> Figure:
    """Share of demands complied with, per period (trailing mean over ``window``), per policy."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        for i, (name, res) in enumerate(results.items()):
            rate = res.per_period()["cooperation_rate"]
            if window > 1:  # trailing mean over the last `window` periods with demands
                rate = np.array(
                    [
                        np.nanmean(rate[max(0, t - window + 1) : t + 1])
                        if np.isfinite(rate[max(0, t - window + 1) : t + 1]).any()
                        else np.nan
                        for t in range(len(rate))
                    ]
                )
            ax.plot(np.arange(len(rate)), rate, color=colour(name, i), label=name)
        if dates is not None:
            _dates_axis(ax, dates)
            ax.set_xlabel("year")
        else:
            ax.set_xlabel("period")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel("share of demands met")
        ax.set_title("Cooperation over time")
        ax.legend(frameon=False, fontsize=8)
        return fig


def policy_bars(summaries: dict[str, dict], metrics: Sequence[Metric]) -> Figure:
    """One small bar chart per metric (titled with its label and unit), bars per policy
    (colours fixed by policy)."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(metrics), figsize=(2.2 * len(metrics), 2.8))
        names = list(summaries)
        for ax, m in zip(np.atleast_1d(axes), metrics, strict=True):
            key, label = m.name, m.title
            vals = [summaries[n][key] for n in names]
            ax.bar(range(len(names)), vals, color=[colour(n, i) for i, n in enumerate(names)])
            ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
            ax.set_title(label, fontsize=8)
            ax.axhline(0, color="black", lw=0.6)
        fig.tight_layout()
        return fig


def comparative_statics(result: dict) -> Figure:
    """Cooperation and mean demand against the shadow of the future and the number of third
    parties, per policy (the ``statics`` of ``backscratch solve oye-dyad``)."""
    cs = result["comparative_statics"]
    axes_spec = (("shadow", "shadow of the future δ"), ("third_parties", "potential demanders M"))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 2, figsize=(8.0, 5.6), sharex="col")
        for col, (key, xlabel) in enumerate(axes_spec):
            block = cs[key]
            for row, (metric, ylabel) in enumerate(
                (
                    ("cooperation_rate", "share of demands met"),
                    ("demand_on_pliable", "mean demand on pliable targets"),
                )
            ):
                ax = axes[row, col]
                for i, (policy, ys) in enumerate(block[metric].items()):
                    ax.plot(
                        block["values"], ys, marker="o", ms=3, color=colour(policy, i), label=policy
                    )
                ax.set_ylabel(ylabel)
                if row == 1:
                    ax.set_xlabel(xlabel)
        axes[0, 0].legend(frameon=False, fontsize=8)
        fig.suptitle(f"Comparative statics of {result['scenario']}")
        fig.tight_layout()
        return fig


def _values(rows: list[dict], key: str | None) -> list:
    """The sorted distinct values of ``key`` in ``rows`` ([None] for no key)."""
    return sorted({r[key] for r in rows}, key=str) if key else [None]


def _tick(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _panel_title(pairs: Sequence[tuple[str | None, object]], label) -> str:
    """``key = value`` for each pair with a key, the key's label without its unit."""
    return ", ".join(f"{label(k).split(' [')[0]} = {_tick(v)}" for k, v in pairs if k is not None)


def _y_label(y: str, label, contrast: str | None) -> str:
    if contrast:
        return f"{label(y)}\n{contrast.replace('-', ' − ', 1)} (paired mean, 95% CI)"
    return f"{label(y)} (mean, 95% CI)"


def sweep_lines(
    rows: list[dict],
    xs: list[str],
    y: str,
    hue: str | None,
    *,
    facet: str | None = None,
    labels: dict[str, str] | None = None,
    contrast: str | None = None,
) -> Figure:
    """Mean of metric ``y`` against grid key ``xs[0]`` with 95% CI bands, one line per
    ``hue`` value (one line if None) and one panel per ``facet`` value (small multiples on a
    shared y axis). ``labels`` maps keys and metrics to axis labels; with ``contrast``
    ("A-B") the rows are paired differences and a zero line is drawn."""
    x = xs[0]
    label = (labels or {}).get
    name = lambda k: label(k, k)  # noqa: E731
    facets, groups = _values(rows, facet), _values(rows, hue)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, len(facets), figsize=(5.6 * len(facets) + 0.8, 3.6), squeeze=False, sharey=True
        )
        for ax, f in zip(axes[0], facets, strict=True):
            for i, g in enumerate(groups):
                sel = sorted(
                    (
                        r
                        for r in rows
                        if (f is None or r[facet] == f) and (g is None or r[hue] == g)
                    ),
                    key=lambda r: r[x],
                )
                if not sel:
                    continue
                xv = [r[x] for r in sel]
                mean = np.array([np.nan if r[y] is None else r[y] for r in sel], dtype=float)
                ci = np.array([r[f"{y}_ci95"] or 0.0 for r in sel], dtype=float)
                c = colour(str(g), i) if g is not None else OKABE_ITO[0]
                text = _panel_title([(hue, g)], name) if g is not None else None
                ax.plot(xv, mean, marker="o", ms=3, color=c, label=text)
                ax.fill_between(xv, mean - ci, mean + ci, color=c, alpha=0.2, lw=0)
            if contrast:
                ax.axhline(0.0, color="#000000", lw=0.8, ls=":")
            ax.set_xlabel(name(x))
            if f is not None:
                ax.set_title(_panel_title([(facet, f)], name), fontsize=9)
            if hue is not None:
                ax.legend(frameon=False, fontsize=8)
        axes[0][0].set_ylabel(_y_label(y, name, contrast))
        return fig


def sweep_heatmap(
    rows: list[dict],
    xs: list[str],
    y: str,
    hue: str | None,
    *,
    facet: str | None = None,
    labels: dict[str, str] | None = None,
    contrast: str | None = None,
) -> Figure:
    """Mean of metric ``y`` over two grid keys, with its value in every cell: one panel per
    ``hue`` value (columns) and ``facet`` value (rows). With ``contrast`` ("A-B": paired
    differences) the colour map diverges around 0 (red below, blue above, symmetric)."""
    a, b = xs
    label = (labels or {}).get
    name = lambda k: label(k, k)  # noqa: E731
    facets, groups = _values(rows, facet), _values(rows, hue)
    av, bv = sorted({r[a] for r in rows}), sorted({r[b] for r in rows})
    values = [r[y] for r in rows if r[y] is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if contrast:
        m = max(abs(lo), abs(hi)) or 1.0
        lo, hi, cmap = -m, m, "RdBu"
    else:
        cmap = "viridis"
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            len(facets),
            len(groups),
            figsize=(3.6 * len(groups) + 1.0, 3.2 * len(facets)),
            squeeze=False,
        )
        for row, f in enumerate(facets):
            for col, g in enumerate(groups):
                ax = axes[row][col]
                grid = np.full((len(bv), len(av)), np.nan)
                for r in rows:
                    if (f is None or r[facet] == f) and (g is None or r[hue] == g):
                        grid[bv.index(r[b]), av.index(r[a])] = np.nan if r[y] is None else r[y]
                im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap, vmin=lo, vmax=hi)
                if grid.size <= 400:
                    for (j, i), v in np.ndenumerate(grid):
                        if np.isfinite(v):
                            shade = (v - lo) / (hi - lo) if hi > lo else 0.5
                            dark = shade < 0.5 if cmap == "viridis" else abs(shade - 0.5) > 0.3
                            ax.text(i, j, f"{v:.2f}", ha="center", va="center", fontsize=7,
                                    color="#FFFFFF" if dark else "#000000")  # fmt: skip
                ax.set_xticks(range(len(av)), [_tick(v) for v in av], rotation=45)
                ax.set_yticks(range(len(bv)), [_tick(v) for v in bv])
                ax.set_xlabel(name(a))
                ax.set_ylabel(name(b))
                title = _panel_title([(facet, f), (hue, g)], name)
                if title:
                    ax.set_title(title, fontsize=9)
                ax.grid(False)
        what = _y_label(y, name, contrast).replace(", 95% CI", "")
        fig.colorbar(im, ax=axes.ravel().tolist(), label=what)
        return fig


def sweep_labels(keys) -> dict[str, str]:
    """Axis labels of a dyad sweep: each grid key's field in words with its symbol and unit
    (:func:`~backscratch.core.schema.field_label`), each run metric's label and unit."""
    from backscratch.core.schema import field_label
    from backscratch.dyad.results import RUN_METRICS
    from backscratch.dyad.scenario import Scenario

    labels = {k: field_label(Scenario, k) for k in keys}
    return labels | {m.name: f"{m.label} [{m.unit}]" for m in RUN_METRICS}


def sweep_figure(
    sweep,
    x: str,
    *,
    y: str = "cooperation_rate",
    hue: str | None = "policy",
    facet: str | None = None,
    contrast: tuple[str, str] | None = None,
    where: dict | None = None,
) -> Figure:
    """A figure of a sweep (:class:`~backscratch.dyad.sweep.Sweep`): metric ``y`` against one
    grid key ``x`` (lines with 95% CI) or over two (``"a,b"``: a heatmap with cell values),
    one series per ``hue`` value and one panel per ``facet`` value; with ``contrast`` (two
    policies) the paired difference ``A − B`` on common random numbers. Every other
    dimension with several values must be fixed in ``where`` (a figure never averages over
    one you did not name: :meth:`~backscratch.dyad.sweep.Sweep.conditions`); a ``hue``
    fixed by ``where`` or on an axis draws one series. Axis labels name fields with their
    symbol and unit (:func:`~backscratch.core.schema.field_label`); the title says what the
    figure is conditioned on."""
    from backscratch.core.errors import ScenarioError
    from backscratch.dyad.results import RUN_METRICS
    from backscratch.dyad.sweep import GROUP_KEYS

    metrics = {m.name: m for m in RUN_METRICS}
    if y not in metrics:
        raise ScenarioError.bad("y", f"not a metric (known: {', '.join(metrics)})", y)
    xs = [k.strip() for k in x.split(",")]
    if len(xs) > 2 or len(set(xs)) < len(xs):
        raise ScenarioError.bad("x", "give one key, or two different keys for a heatmap", x)
    keys = {*sweep.grid, *GROUP_KEYS}
    for option, key in (*(("x", k) for k in xs), ("hue", hue), ("facet", facet)):
        if key is not None and key not in keys:
            raise ScenarioError.bad(
                option, f"not a grid key (known: {', '.join(sorted(keys))})", key
            )
    where = dict(where or {})
    if hue in xs or hue in where or (contrast and hue == "policy"):
        hue = None
    if facet is not None and (facet in xs or facet == hue or facet in where):
        raise ScenarioError.bad("facet", "is already on an axis, the series or --where", facet)
    named = [*xs, *(k for k in (hue, facet) if k is not None)]
    label = f"{contrast[0]}-{contrast[1]}" if contrast else None
    if contrast:
        if "policy" in named:
            raise ScenarioError.bad("facet" if facet == "policy" else "hue", "a contrast is "
                                    "already over the policies", "policy")  # fmt: skip
        names, rows = sweep.contrast(*contrast, by=named, where=where)
    else:
        names, rows = sweep.summarize(named, where)
    data = [dict(zip(names, r, strict=True)) for r in rows]
    fixed = sweep.conditions([*named, *(["policy"] if contrast else [])], where)
    labels = sweep_labels(sweep.grid)
    draw = sweep_heatmap if len(xs) == 2 else sweep_lines
    fig = draw(data, xs, y, hue, facet=facet, labels=labels, contrast=label)
    if fixed:
        at = _panel_title(list(fixed.items()), lambda k: labels.get(k, k))
        fig.suptitle(f"at {at}", fontsize=9)
    return fig
