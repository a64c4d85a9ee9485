"""The HTML reports as drawn: every kind of report (demo, a demo folder, run, compare, sweep)
written in this process, small, with every figure checked on its artists as it is saved
(no text cut off, no empty panel: ``tests/figure_checks.py``), then each page
opened in Debian's chromium (the browser, flags and skip conditions of ``test_browser``):
every figure loaded, shown at a nonzero size, not blank and captioned. Screenshots are
written to ``test-artifacts/`` (ignored by git)."""

from __future__ import annotations

import contextlib
import io
import os
import struct
from pathlib import Path

import pytest

from backscratch.cli import main
from backscratch.report import figures
from figure_checks import clipped_texts, empty_axes, kept_area

SMALL = ["--runs", "5", "--set", "horizon=8"]
SWEEP = ["--runs", "5", "--set", "horizon=6", "--grid", "shadow=0.5,0.9"]
SWEEP += ["--grid", "third_parties.count=0,2", "--policies", "blackmail,backscratching"]
REPORTS = {  # name: (commands run in order, in folder d; the report page they write)
    # one process: the figures must be drawn here, where figures.png is watched
    "demo": ([["demo", "--out", "{d}/demo", "--runs", "2", "--workers", "1"]], "demo/report.html"),
    "demo-folder": ([["report", "{d}/demo", "-o", "{d}/demo-folder.html"]], "demo-folder.html"),
    "run": (
        [
            ["run", "oye-dyad", *SMALL, "--out", "{d}/run"],
            ["report", "{d}/run", "-o", "{d}/run.html"],
        ],
        "run.html",
    ),
    "compare": (
        [
            ["compare", "oye-dyad", *SMALL, "--out", "{d}/cmp"],
            ["report", "{d}/cmp", "-o", "{d}/compare.html"],
        ],
        "compare.html",
    ),
    "sweep": (
        [
            ["sweep", "oye-dyad", *SWEEP, "--out", "{d}/sw"],
            ["report", "{d}/sw", "-o", "{d}/sweep.html"],
        ],
        "sweep.html",
    ),
}


SAVED = ("tight", None)
"""The areas a PNG of a figure can keep (``bbox_inches``): the tight box, or the canvas."""


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _figure_name(fig) -> str:
    for ax in fig.axes:
        for text in (ax.get_title(), ax.get_ylabel(), ax.get_xlabel()):
            if text:
                return text.replace("\n", " ")
    return fig.get_suptitle() or "untitled figure"


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Path, list[dict]]]:
    """Each report of :data:`REPORTS` written (15 to 20 s, the demo most of it), with what
    was found on each of its figures as ``figures.png`` saved it: every report figure goes
    through that one function (``figures.png(figures.<builder>(...))``)."""
    folder = tmp_path_factory.mktemp("reports")
    save = figures.png
    seen: list[dict] = []

    def checked_png(fig) -> bytes:
        record = {"figure": _figure_name(fig), "empty": empty_axes(fig)}
        for mode in SAVED:  # what a PNG saved either way would cut off, and its area
            record[mode] = (clipped_texts(fig, mode), kept_area(fig, mode))
        data = save(fig)
        record["png"] = _png_size(data)
        seen.append(record)
        return data

    out = {}
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.setattr(figures, "png", checked_png)
        for name, (commands, page) in REPORTS.items():
            start = len(seen)
            for command in commands:
                assert main([a.format(d=folder) for a in command]) == 0, command
            out[name] = (folder / page, seen[start:])
    return out


def test_every_report_figure_keeps_its_texts_whole(reports):
    """No title, axis label, tick label, legend entry or annotation of any report figure
    reaches past what its PNG keeps or is cut by its clip box. What the PNG keeps is read
    off the PNG: the area (tight box or canvas) whose size in pixels it has, to rounding."""
    for name, (_, records) in reports.items():
        assert records, f"{name}: no figure was saved"
        for r in records:
            where = f"{name}: {r['figure']}"
            width, height = r["png"]
            kept = [
                mode
                for mode in SAVED
                if abs(width - r[mode][1].width) <= 1 and abs(height - r[mode][1].height) <= 1
            ]
            assert kept, f"{where}: a {width}×{height} px PNG is neither area checked"
            for mode in kept:
                assert r[mode][0] == [], where


def test_no_report_figure_has_an_empty_panel(reports):
    for name, (_, records) in reports.items():
        for r in records:
            assert r["empty"] == [], f"{name}: {r['figure']}"


FIGURES_JS = """
async () => Promise.all([...document.querySelectorAll("figure")].map(async (figure) => {
  const img = figure.querySelector("img");
  if (img === null) return {img: false};
  try { await img.decode(); } catch (e) { return {img: true, decoded: false}; }
  const rect = img.getBoundingClientRect();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  let ink = 0;
  if (img.naturalWidth > 0 && img.naturalHeight > 0) {
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && Math.min(d[i], d[i + 1], d[i + 2]) < 240) ink++;
    }
  }
  const caption = figure.querySelector("figcaption");
  return {
    img: true,
    decoded: true,
    natural: [img.naturalWidth, img.naturalHeight],
    shown: [rect.width, rect.height],
    visible: img.checkVisibility({visibilityProperty: true, opacityProperty: true}),
    ink: ink / Math.max(1, img.naturalWidth * img.naturalHeight),
    caption: caption === null ? null : caption.innerText.trim(),
  };
}))
"""


@pytest.fixture(scope="module")
def report_browser(tmp_path_factory):
    """Chromium as ``test_browser`` launches it (same flags), skipped as it is skipped."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extra (playwright)")
    import test_browser

    if not os.path.exists(test_browser.CHROMIUM):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=test_browser.CHROMIUM,
            headless=True,
            args=test_browser.FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        try:
            yield context, test_browser.ARTIFACTS
        finally:
            context.close()


@pytest.mark.parametrize("name", list(REPORTS))
def test_report_page_shows_every_figure_loaded_and_captioned(reports, report_browser, name):
    """Each figure of the page, as chromium renders it: its PNG decoded (nonzero natural
    size), displayed at a nonzero size, not blank (more than 1% of its pixels not white)
    and captioned; one figure per PNG the report saved, and no request left the file."""
    context, artifacts = report_browser
    path, records = reports[name]
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        shown = page.evaluate(FIGURES_JS)
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / f"report-{name}.png"), full_page=True)
        images = page.evaluate("() => document.querySelectorAll('img').length")
    finally:
        page.close()
    assert len(shown) == len(records) == images > 0
    for i, (fig, r) in enumerate(zip(shown, records, strict=True), 1):
        where = f"{name}, figure {i} ({r['figure']})"
        assert fig["img"] and fig["decoded"], where
        assert min(fig["natural"]) > 0 and list(fig["natural"]) == list(r["png"]), where
        assert min(fig["shown"]) > 0 and fig["visible"], where
        assert fig["ink"] > 0.01, f"{where}: blank ({fig['ink']:.2%} of pixels not white)"
        assert fig["caption"], f"{where}: no caption"
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
