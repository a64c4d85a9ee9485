"""The Panel page: an *Explore* tab (sliders, upload, side-by-side results, downloads) and a
*Tutorial* tab (the five steps of :mod:`backscratch.dashboard.tutorial`).

Plots are Bokeh figures whose data sources carry names (``cooperation_rate``, ``demand``,
``entries``, ``latency``, ``payoff_demander``, ``payoff_target``, ``tutorial-STEP``), so that
a browser test can read what is drawn. Colours follow :mod:`backscratch.report.figures`
(Okabe–Ito, fixed per policy).

In a server session a change of a control starts the simulation on a worker thread; the page
shows its progress and stays responsive, and only the latest settings are drawn. Without a
server (tests), the same calls run synchronously.
"""

from __future__ import annotations

import asyncio
import html
import io
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import panel as pn
import param
from bokeh.document import without_document_lock
from bokeh.models import ColumnDataSource, FactorRange, Span
from bokeh.plotting import figure

from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dashboard import core, tutorial
from backscratch.dyad.scenario import Scenario
from backscratch.report import html as report_html
from backscratch.report.figures import colour

DEFAULT_SCENARIO = "oye-dyad"
EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backscratch-sim")
"""One simulation at a time per server: the machine's cores are shared."""

TABLE_CSS = (
    "<style>table{border-collapse:collapse;font-size:0.85rem}"
    "th,td{border:1px solid #ccc;padding:0.2rem 0.5rem;text-align:right}"
    "th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}</style>"
)
ERROR_STYLE = {
    "background": "#fdecea",
    "border-left": "4px solid #D55E00",
    "padding": "0.3rem 0.6rem",
    "color": "#611a15",
}


class BoundedFileDropper(pn.widgets.FileDropper):
    """Panel's ``FileDropper`` that counts each upload's bytes as its chunks arrive and drops
    it past :data:`~backscratch.dashboard.core.MAX_UPLOAD_BYTES`.

    The browser refuses large files itself (``max_file_size``), but a client that is not a
    browser can send chunks without end, which the stock widget keeps until the last one.
    Here at most one upload is held at a time; a chunk that does not continue it, or that
    takes it past the limit, drops it, and ``on_refused(name, reason)`` is called once.
    """

    def __init__(self, on_refused, **params):
        super().__init__(**params)
        self._on_refused = on_refused
        self._received: dict[str, int] = {}

    def _refuse(self, name: str, reason: str) -> None:
        self._file_buffer.clear()
        self._received.clear()
        self._on_refused(name, reason)

    def _process_event(self, event) -> None:
        if event.event_name != "upload_event":
            return super()._process_event(event)
        data = event.data if isinstance(event.data, dict) else {}
        name, chunk, total = (
            str(data.get("name"))[:200],
            data.get("chunk"),
            data.get("total_chunks"),
        )
        piece = data.get("data")
        if not isinstance(piece, bytes | str) or not isinstance(chunk, int):
            return self._refuse(name, "not a file's data")
        if chunk == 1:  # a new upload replaces any unfinished one
            self._file_buffer.clear()
            self._received = {name: 0}
            if (
                not isinstance(total, int)
                or total < 1
                or (total - 1) * self.chunk_size > core.MAX_UPLOAD_BYTES
            ):
                return self._refuse(name, "announced as larger than 1 MB")
        elif name not in self._received:
            return None  # a chunk of an upload already dropped (or never started)
        self._received[name] += len(piece)
        if self._received[name] > core.MAX_UPLOAD_BYTES:
            return self._refuse(name, "larger than 1 MB")
        super()._process_event(event)
        if chunk == total:
            self._received.pop(name, None)
        return None


PLOTS = (
    ("cooperation_rate", "Cooperation over time"),
    ("demand", "Demands made"),
    ("entries", "Third-party entries"),
    ("latency", "Latency and its threshold L*"),
    ("payoffs", "Both sides' payoffs (solid: demander, dashed: target)"),
)


def _line_figure(title: str, y_label: str, x_label: str = "period"):
    fig = figure(
        title=title,
        height=290,
        sizing_mode="stretch_width",
        toolbar_location=None,
        x_axis_label=x_label,
        y_axis_label=y_label,
    )
    fig.title.text_font_size = "11pt"
    fig.outline_line_color = None
    return fig


def _add_lines(fig, source: ColumnDataSource, names, dash: str = "solid", legend: bool = True):
    for i, name in enumerate(names):
        kwargs = {"legend_label": name} if legend else {}
        fig.line(
            "x" if "x" in source.data else "period",
            name,
            source=source,
            color=colour(name, i),
            line_width=2,
            line_dash=dash,
            **kwargs,
        )
    if legend:
        fig.legend.orientation = "horizontal"
        fig.legend.label_text_font_size = "8pt"
        fig.legend.border_line_color = None
        fig.add_layout(fig.legend[0], "below")


def error_box() -> pn.pane.HTML:
    """An (initially hidden) box for one-line error messages."""
    return pn.pane.HTML("", visible=False, styles=ERROR_STYLE, sizing_mode="stretch_width")


def show_error(box: pn.pane.HTML, message: str | None) -> None:
    """Show ``message`` (escaped) in ``box``, or hide the box when it is None."""
    box.object = f'<div role="alert">{html.escape(message)}</div>' if message else ""
    box.visible = bool(message)


class Explore:
    """The Explore tab: one scenario, the controls, and the three policies side by side."""

    def __init__(self, scenario: str | Scenario = DEFAULT_SCENARIO):
        self._loading = False
        self._wanted = 0
        self._busy = False
        self.outcome: core.Outcome | None = None
        loaded = load_scenario(scenario) if isinstance(scenario, str) else scenario
        self.base = core.fit_runs(core.require_dyad(loaded, getattr(loaded, "name", str(scenario))))
        # ------------------------------------------------------------- controls
        names = list(core.dyad_scenarios())
        self.select = pn.widgets.Select(
            label="Built-in scenario",
            options=names,
            value=self.base.name if self.base.name in names else None,
        )
        # FileDropper sends files in chunks and refuses large ones in the browser, so that a
        # big file can neither exceed the websocket's message limit nor reach the server.
        self.upload = BoundedFileDropper(
            self._on_refused_upload,
            multiple=False,
            max_file_size=f"{core.MAX_UPLOAD_BYTES // 1000}KB",
            chunk_size=256_000,
            layout="compact",
            sizing_mode="stretch_width",
        )
        self.error = error_box()
        self.info = pn.pane.HTML("", sizing_mode="stretch_width")
        self.sliders: dict[str, pn.widgets.Widget] = {}
        for c in core.CONTROLS:
            cls = pn.widgets.IntSlider if c.integer else pn.widgets.FloatSlider
            self.sliders[c.field] = cls(
                label=c.label, start=c.start, end=c.end, step=c.step, value=c.start
            )
        self.runs = pn.widgets.IntInput(label="Runs per policy", start=core.MIN_RUNS, step=100)
        self.seed = pn.widgets.IntInput(label="Seed", start=0, step=1)
        self.progress = pn.indicators.Progress(
            label="Simulating", value=0, max=100, visible=False, sizing_mode="stretch_width"
        )
        self.status = pn.pane.HTML("", sizing_mode="stretch_width")
        self.download_scenario = pn.widgets.FileDownload(
            callback=partial(self._download, "scenario"),
            filename="scenario.yaml",
            label="Download scenario (YAML)",
            icon=None,
        )
        self.download_results = pn.widgets.FileDownload(
            callback=partial(self._download, "results"),
            filename="results.json",
            label="Download results (JSON)",
            icon=None,
        )
        # ---------------------------------------------------------------- plots
        self.headline = pn.pane.HTML("", sizing_mode="stretch_width")
        self.table = pn.pane.HTML("", sizing_mode="stretch_width")
        self.sources: dict[str, ColumnDataSource] = {}
        self.figures = self._make_figures()
        # Step or play through the periods: a marker on every plot and the values there.
        self.player = pn.widgets.Player(
            label="Period",
            start=0,
            end=1,
            value=0,
            step=1,
            interval=400,
            loop_policy="once",
            show_loop_controls=False,
            width=330,
        )
        self.period_info = pn.pane.HTML("", sizing_mode="stretch_width")
        self.markers = []
        for fig in self.figures:
            marker = Span(
                location=0, dimension="height", line_color="#777777", line_dash="dotted",
                name="period-marker",
            )  # fmt: skip
            fig.add_layout(marker)
            self.markers.append(marker)
        # ------------------------------------------------------------- watchers
        self.select.param.watch(self._on_select, "value")
        self.upload.param.watch(self._on_upload, "value")
        for w in self.sliders.values():
            w.param.watch(self.request_refresh, "value_throttled")
        self.runs.param.watch(self.request_refresh, "value")
        self.seed.param.watch(self.request_refresh, "value")
        self.player.param.watch(self._on_period, "value")
        self.load(self.base)

    # ------------------------------------------------------------------ layout

    def _make_figures(self) -> list:
        empty: dict[str, list] = {"period": [], **{p: [] for p in core.POLICIES}}  # first run
        figs = []
        for key, title in PLOTS:
            if key == "payoffs":
                fig = _line_figure(title, "discounted payoff to date (payoff units)")
                for who, dash in (("payoff_demander", "solid"), ("payoff_target", "dashed")):
                    src = ColumnDataSource(dict(empty), name=who)
                    self.sources[who] = src
                    _add_lines(fig, src, core.POLICIES, dash, legend=(dash == "solid"))
            else:
                fig = _line_figure(title, core.SERIES[key])
                data = dict(empty)
                if key == "latency":
                    for p in core.POLICIES:
                        data[f"{p}_lo"] = data[f"{p}_hi"] = data[p]
                src = ColumnDataSource(data, name=key)
                self.sources[key] = src
                if key == "latency":
                    for i, p in enumerate(core.POLICIES):
                        fig.varea(
                            "period",
                            f"{p}_lo",
                            f"{p}_hi",
                            source=src,
                            fill_color=colour(p, i),
                            fill_alpha=0.15,
                        )
                    self.threshold = Span(
                        location=self.base.hedging.threshold,
                        dimension="width",
                        line_dash="dashed",
                        line_color="black",
                        name="latency-threshold",
                    )
                    fig.add_layout(self.threshold)
                _add_lines(fig, src, core.POLICIES)
                if key == "cooperation_rate":
                    fig.y_range.start, fig.y_range.end = -0.02, 1.02
                else:
                    fig.y_range.start = 0.0
            figs.append(fig)
        return figs

    def panel(self) -> pn.viewable.Viewable:
        """The tab's layout: controls on the left, results on the right."""
        controls = pn.Column(
            pn.pane.Markdown("### Scenario"),
            self.select,
            pn.pane.Markdown("or upload a `.yaml` / `.toml` scenario file (at most 1 MB):"),
            self.upload,
            self.error,
            self.info,
            pn.pane.Markdown("### Parameters"),
            *self.sliders.values(),
            self.runs,
            self.seed,
            self.progress,
            self.status,
            self.download_scenario,
            self.download_results,
            width=330,
        )
        plots = pn.GridBox(
            *[pn.pane.Bokeh(f, sizing_mode="stretch_width") for f in self.figures],
            ncols=2,
            sizing_mode="stretch_width",
        )
        results = pn.Column(
            self.headline,
            self.table,
            pn.Row(self.player, self.period_info, sizing_mode="stretch_width"),
            plots,
            sizing_mode="stretch_width",
        )
        return pn.Row(controls, results, sizing_mode="stretch_width")

    # ------------------------------------------------------------------ inputs

    def load(self, scenario: Scenario, note: str = "") -> None:
        """Make ``scenario`` the base: set every control from it, then simulate once."""
        self._loading = True
        try:
            self.base = core.fit_runs(scenario)
            for c in core.CONTROLS:
                value = core.get_field(self.base, c.field)
                w = self.sliders[c.field]
                start, end = core.slider_range(c, value)
                # value_throttled too: left at the slider's start, a release there (say
                # credibility 0) would not change it and would not start a run
                with param.edit_constant(w):
                    w.param.update(start=start, end=end, value=value, value_throttled=value)
            self.runs.param.update(end=core.max_runs(self.base.horizon), value=self.base.runs)
            self.seed.value = self.base.seed
            lowered = (
                f" Runs lowered to {self.base.runs} (the page simulates at most "
                f"{core.MAX_RUN_PERIODS:,} run-periods)."
                if self.base.runs < scenario.runs
                else ""
            )
            sched = (
                " Its dated schedule is not used here: each column plays one policy throughout."
                if self.base.schedule
                else ""
            )
            self.info.object = (
                f"<b>{html.escape(self.base.name)}</b>: {html.escape(self.base.description)} "
                f"<i>{html.escape(note)}{lowered}{sched}</i>"
            )
        finally:
            self._loading = False
        self.request_refresh()

    def _on_select(self, event) -> None:
        if event.new is None or self._loading:
            return
        try:
            scenario = core.require_dyad(load_scenario(event.new), event.new)
        except ScenarioError as exc:
            show_error(self.error, str(exc))
            return
        show_error(self.error, None)
        self.load(scenario, "(built-in)")

    def _on_upload(self, event) -> None:
        for filename, data in (event.new or {}).items():
            self.handle_upload(data.encode("utf-8") if isinstance(data, str) else data, filename)

    def _on_refused_upload(self, name: str, reason: str) -> None:
        show_error(
            self.error,
            f"Rejected: {name}: {reason}; scenario files are limited to 1 MB "
            f"({core.MAX_UPLOAD_BYTES:,} bytes)",
        )

    def handle_upload(self, data: bytes | None, filename: str | None) -> bool:
        """Validate an uploaded file; load it, or show the one-line reason it was rejected."""
        try:
            scenario = core.parse_upload(data, filename)
        except ScenarioError as exc:
            show_error(self.error, f"Rejected: {exc}")
            return False
        except Exception as exc:  # the page shows one line, never a traceback
            show_error(self.error, f"Rejected: {filename}: cannot be read ({type(exc).__name__})")
            return False
        show_error(self.error, None)
        self._loading = True
        self.select.value = None
        self._loading = False
        self.load(scenario, f"(uploaded {scenario.name})")
        return True

    def set_control(self, field: str, value: float) -> None:
        """Move a slider and release it, as a user does (the run starts on release)."""
        w = self.sliders[field]
        with param.edit_constant(w):
            w.param.update(value=value, value_throttled=value)

    def current_scenario(self) -> Scenario:
        """The base scenario with the controls' current values."""
        values = {f: w.value for f, w in self.sliders.items()}
        return core.apply_controls(self.base, values, runs=self.runs.value, seed=self.seed.value)

    # ---------------------------------------------------------------- running

    def request_refresh(self, *_events) -> None:
        """Re-simulate for the current controls: at once without a server; on a worker
        thread, with progress, in a server session (the latest request wins)."""
        if self._loading:
            return
        self._wanted += 1
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            self.refresh()
            return
        if not self._busy:
            self._busy = True

            @without_document_lock  # on a function: Bokeh does not see the mark through partial
            async def task() -> None:
                await self._refresh_async(doc)

            doc.add_next_tick_callback(task)

    def refresh(self) -> core.Outcome | None:
        """Simulate synchronously and redraw (or show why not)."""
        try:
            scenario = self.current_scenario()
            t0 = time.perf_counter()
            outcome = core.simulate(scenario)
        except ScenarioError as exc:
            show_error(self.error, str(exc))
            return None
        self.show(outcome, time.perf_counter() - t0)
        return outcome

    async def _refresh_async(self, doc) -> None:
        """Simulate on the worker thread without the document lock; every change to the page
        goes through ``doc.add_next_tick_callback`` (which takes the lock)."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                seen = self._wanted
                try:
                    scenario = self.current_scenario()
                except ScenarioError as exc:
                    doc.add_next_tick_callback(partial(show_error, self.error, str(exc)))
                    break
                state = {"fraction": 0.0}
                doc.add_next_tick_callback(partial(self._set_progress, 0.0))
                t0 = time.perf_counter()
                future = loop.run_in_executor(
                    EXECUTOR, core.simulate, scenario, partial(state.__setitem__, "fraction")
                )
                while not future.done():
                    await asyncio.wait([future], timeout=0.15)
                    doc.add_next_tick_callback(partial(self._set_progress, state["fraction"]))
                try:
                    outcome = future.result()
                except ScenarioError as exc:
                    doc.add_next_tick_callback(partial(show_error, self.error, str(exc)))
                    break
                if self._wanted == seen:
                    doc.add_next_tick_callback(
                        partial(self.show, outcome, time.perf_counter() - t0)
                    )
                    break
        except Exception as exc:  # one line in the page, never a traceback
            message = f"simulation failed: {type(exc).__name__}: {exc}".splitlines()[0]
            doc.add_next_tick_callback(partial(show_error, self.error, message))
        finally:
            self._busy = False
            doc.add_next_tick_callback(partial(self._set_progress, None))

    def _set_progress(self, fraction: float | None) -> None:
        self.progress.visible = fraction is not None
        if fraction is not None:
            self.progress.value = round(100 * fraction)

    # ---------------------------------------------------------------- output

    def show(self, outcome: core.Outcome, seconds: float | None = None) -> None:
        """Draw ``outcome``: sources, threshold, table, headline, status."""
        self.outcome = outcome
        self._set_progress(None)
        show_error(self.error, None)
        for key, src in self.sources.items():
            src.data = dict(core.series(outcome, key))
        self.threshold.location = outcome.scenario.hedging.threshold
        self.player.end = outcome.scenario.horizon - 1
        if self.player.value > self.player.end:
            self.player.value = self.player.end  # redraws the readout through _on_period
        else:
            self.show_period(self.player.value)
        header = ["metric", *outcome.policies]
        self.table.object = TABLE_CSS + report_html.table(header, core.summary_rows(outcome))
        self.headline.object = f"<p><b>{html.escape(core.headline(outcome))}</b></p>"
        sc = outcome.scenario
        took = "from the cache" if outcome.cached else (f"in {seconds:.2f} s" if seconds else "")
        self.status.object = (
            f"<small>{len(core.POLICIES)} policies × {sc.runs} runs × {sc.horizon} periods, "
            f"seed {sc.seed}, {took}.</small>"
        )
        stem = sc.name or "scenario"
        self.download_scenario.filename = f"{stem}.yaml"
        self.download_results.filename = f"{stem}-results.json"

    def _on_period(self, event) -> None:
        self.show_period(int(event.new))

    def show_period(self, period: int) -> None:
        """Move the period marker of every plot to ``period`` and show the values there."""
        for marker in self.markers:
            marker.location = period
        if self.outcome is None:
            return
        rows = [
            [label, *(f"{v:.3f}" for v in values)]
            for label, *values in core.period_rows(self.outcome, period)
        ]
        head = f"<p><b>Period {period}</b> of 0–{self.outcome.scenario.horizon - 1}: means over runs</p>"
        table = report_html.table(["series", *self.outcome.policies], rows)
        self.period_info.object = head + TABLE_CSS + table

    def _download(self, which: str) -> io.BytesIO:
        assert self.outcome is not None, "a download follows a simulation"
        files = core.download_files(self.outcome)
        name = next(n for n in files if n.endswith(".yaml") == (which == "scenario"))
        return io.BytesIO(files[name])


class Tutorial:
    """The Tutorial tab: five steps, each a slider, a plot and a caption."""

    def __init__(self) -> None:
        self.base = tutorial.base_scenario()
        self.sources: dict[str, ColumnDataSource] = {}
        self.sliders: dict[str, pn.widgets.Widget] = {}
        self.captions: dict[str, pn.pane.HTML] = {}
        self.spans: dict[str, tuple[Span, Span]] = {}
        self.sections = [self._section(step) for step in tutorial.STEPS]

    def _section(self, step: tutorial.Step) -> pn.viewable.Viewable:
        c = step.control
        value = step.default(self.base)
        cls = pn.widgets.IntSlider if c.integer else pn.widgets.FloatSlider
        slider = cls(label=c.label, start=c.start, end=c.end, step=c.step, value=value, width=320)
        view = step.compute(value, self.base)
        src_name = f"tutorial-{step.key}"
        if view.kind == "bars":
            factors = [(x, s) for x in view.x for s in view.ys]
            src = ColumnDataSource(self._bar_data(view), name=src_name)
            fig = figure(
                x_range=FactorRange(*factors),
                height=260,
                sizing_mode="stretch_width",
                toolbar_location=None,
                y_axis_label=view.y_label,
                x_axis_label=view.x_label,
            )
            fig.vbar(
                x="x",
                top="top",
                width=0.8,
                source=src,
                fill_color="color",
                fill_alpha="alpha",
                line_color=None,
            )
        else:
            src = ColumnDataSource(self._line_data(view), name=src_name)
            fig = _line_figure("", view.y_label, view.x_label)
            _add_lines(fig, src, list(view.ys))
        fig.outline_line_color = None
        # No title above these plots: the y label, centred on the frame and longer than it,
        # needs the room a title would give, or its ends are cut off by the canvas.
        fig.min_border_top = 40
        hspan = Span(
            location=view.threshold or 0.0,
            dimension="width",
            line_dash="dashed",
            line_color="black",
            visible=view.threshold is not None,
        )
        vspan = Span(
            location=view.marker or 0.0,
            dimension="height",
            line_dash="dashed",
            line_color="black",
            visible=view.marker is not None,
        )
        fig.add_layout(hspan)
        fig.add_layout(vspan)
        self.spans[step.key] = (hspan, vspan)
        caption = pn.pane.HTML(f"<p>{html.escape(view.caption)}</p>", sizing_mode="stretch_width")
        self.sources[step.key], self.sliders[step.key], self.captions[step.key] = (
            src,
            slider,
            caption,
        )
        slider.param.watch(partial(self.update, step), "value_throttled")
        return pn.Column(
            pn.pane.Markdown(f"### {step.title}\n\n{step.text}", sizing_mode="stretch_width"),
            slider,
            pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
            caption,
            sizing_mode="stretch_width",
        )

    @staticmethod
    def _bar_data(view: tutorial.View) -> dict:
        keys = list(view.ys)
        return {
            "x": [(x, s) for x in view.x for s in keys],
            "top": [view.ys[s][i] for i in range(len(view.x)) for s in keys],
            "color": [colour(x, i) for i, x in enumerate(view.x) for _ in keys],
            "alpha": [1.0 if j == 0 else 0.45 for _ in view.x for j in range(len(keys))],
        }

    @staticmethod
    def _line_data(view: tutorial.View) -> dict:
        return {"x": list(view.x), **{k: list(v) for k, v in view.ys.items()}}

    def update(self, step: tutorial.Step, event=None) -> tutorial.View:
        """Recompute one step for its slider's value and redraw it."""
        value = self.sliders[step.key].value if event is None else event.new
        view = step.compute(value, self.base)
        data = self._bar_data(view) if view.kind == "bars" else self._line_data(view)
        self.sources[step.key].data = data
        hspan, vspan = self.spans[step.key]
        if view.threshold is not None:
            hspan.location = view.threshold
        if view.marker is not None:
            vspan.location = view.marker
        self.captions[step.key].object = f"<p>{html.escape(view.caption)}</p>"
        return view

    def panel(self) -> pn.viewable.Viewable:
        intro = pn.pane.Markdown(
            "## Blackmail or backscratching?\n\n"
            "Kenneth Oye calls a threat — *I will hurt you unless you do Y* — **blackmail**, "
            "and an offer — *I will reward you if you do Y* — **backscratching**. Stephen Walt "
            "(2013) argued that with Iran the United States should try the second. Five steps "
            "make the argument; each plot is a live simulation of the reference dyad "
            f"(`oye-dyad`, {tutorial.TUTORIAL_RUNS} runs per policy). Move a slider to "
            "re-run it.",
            sizing_mode="stretch_width",
        )
        return pn.Column(intro, *self.sections, sizing_mode="stretch_width", max_width=900)


def create_app(scenario: str | Scenario = DEFAULT_SCENARIO) -> pn.viewable.Viewable:
    """The whole page for one browser session: Explore and Tutorial tabs."""
    explore = Explore(scenario)
    lesson = Tutorial()
    header = pn.pane.HTML(
        "<h1 style='margin:0.2rem 0;font-size:1.5rem'>backscratch — blackmail or "
        "backscratching?</h1><p style='margin:0'>Coercion versus inducement between states: "
        "three instruments on the same random numbers. Runs on this machine only.</p>",
        sizing_mode="stretch_width",
    )
    tabs = pn.Tabs(("Explore", explore.panel()), ("Tutorial", lesson.panel()), dynamic=False)
    page = pn.Column(header, tabs, sizing_mode="stretch_width")
    page.explore, page.tutorial = explore, lesson  # handles for tests
    return page
