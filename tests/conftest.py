"""Shared fixtures: scenarios small enough for fast tests, large enough for stable statistics."""

from __future__ import annotations

import pytest

from backscratch.scenario import load_scenario


@pytest.fixture(scope="session")
def oye():
    """The reference scenario exactly as shipped (2,000 runs, seed 1979)."""
    return load_scenario("oye-dyad")


@pytest.fixture
def small():
    """The reference scenario with few runs, for tests of mechanics rather than statistics."""
    return load_scenario("oye-dyad", {"runs": 64, "horizon": 12})
