"""Shared fixtures: scenarios small enough for fast tests, large enough for stable statistics."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from backscratch.core.schema import load_scenario

# Property tests draw the same examples on every run, so CI is reproducible; run with
# --hypothesis-seed=N (or HYPOTHESIS_PROFILE=explore) to search further.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def oye():
    """The reference scenario exactly as shipped (2,000 runs, seed 1979)."""
    return load_scenario("oye-dyad")


@pytest.fixture
def small():
    """The reference scenario with few runs, for tests of mechanics rather than statistics."""
    return load_scenario("oye-dyad", {"runs": 64, "horizon": 12})


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """``backscratch demo --runs 300``, once for every test that reads it: its folder and
    what it printed."""
    import contextlib
    import io

    from backscratch.cli import main

    folder = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["demo", "--out", str(folder), "--runs", "300"])
    assert code == 0
    return folder, printed.getvalue()
