"""The documentation's generated pages are up to date, and the mkdocs nav names files that exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_page_is_current():
    text = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    assert text == _script("results_doc").render(), "regenerate: python scripts/results_doc.py"


def test_cli_page_is_current():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert text == _script("cli_doc").render(), "regenerate: python scripts/cli_doc.py"


def _paths(nav):
    for item in nav:
        if isinstance(item, str):
            yield item
        else:
            for value in item.values():
                yield from ([value] if isinstance(value, str) else _paths(value))


def test_nav_lists_files_that_exist():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    paths = list(_paths(config["nav"]))
    assert paths
    for path in paths:
        assert (ROOT / "docs" / path).is_file(), path


def test_the_link_checker_finds_a_planted_broken_link(tmp_path):
    check = _script("check_links")
    site = tmp_path / "site"
    (site / "guide").mkdir(parents=True)
    (site / "index.html").write_text(
        '<a href="guide/a.html#usage">ok</a> <a href="https://example.org/x">external</a>'
        '<img src="/guide/pic.png"> <a href="#top" id="top">self</a>'
    )
    (site / "guide" / "a.html").write_text(
        '<h2 id="usage">Usage</h2><a href="../index.html">up</a>'
    )
    (site / "guide" / "pic.png").write_bytes(b"png")
    assert check.broken_links(site) == []
    (site / "guide" / "a.html").write_text(
        '<h2 id="usage">Usage</h2><a href="../gone.html">x</a><a href="../index.html#nope">y</a>'
    )
    assert check.broken_links(site) == [
        "guide/a.html: ../gone.html (no such file)",
        "guide/a.html: ../index.html#nope (no anchor #nope)",
    ]
    assert check.main([str(site)]) == 1 and check.main([str(tmp_path / "none")]) == 2
