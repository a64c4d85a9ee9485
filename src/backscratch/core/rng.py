"""Seeded random streams, keyed by run: two schemes, each with the draws of a run depending only
on the root seed and the run's index.

:class:`Streams` (the dyad): runs are grouped in fixed-size blocks of :data:`BLOCK`; block ``b`` of a scenario with root
seed ``s`` draws from ``SeedSequence(s).spawn(...)[b]`` (PCG64), always a full block's worth
of numbers per call. The draws of run ``i`` therefore depend only on ``(s, i)`` and on the
sequence of calls: the first 1,000 runs of a 5,000-run simulation equal a 1,000-run
simulation, and any backend or worker count that computes the same runs gets bit-identical
numbers. Draws are made period by period into a small buffer, so memory does not grow with
the horizon. :class:`RunStreams` (the tribute model): one stream per run, drawing only what
that run uses.
"""

from __future__ import annotations

import numpy as np

BLOCK = 4096
"""Runs per random block; changing it changes every stream, so it is part of the format."""


class Streams:
    """The random streams of ``runs`` runs under root seed ``seed``."""

    def __init__(self, seed: int, runs: int, first_block: int = 0):
        """``first_block``: start at that block, so that runs ``first_block * BLOCK`` onwards
        of a larger simulation can be computed alone (a sweep task does so, block by block,
        to keep its memory small)."""
        self.runs = runs
        n_blocks = -(-runs // BLOCK)
        children = np.random.SeedSequence(seed).spawn(first_block + n_blocks)[first_block:]
        self._gens = [np.random.Generator(np.random.PCG64(c)) for c in children]
        self._full = np.empty((0, BLOCK))

    def draw(self, rows: int) -> np.ndarray:
        """The next ``rows`` uniform [0, 1) draws of every run, shape ``(rows, runs)``.

        Row ``k`` is contiguous, so a kernel reading draw ``k`` of every run walks memory
        in order.
        """
        out = np.empty((rows, self.runs))
        if self._full.shape[0] != rows:
            self._full = np.empty((rows, BLOCK))
        for b, gen in enumerate(self._gens):
            lo, hi = b * BLOCK, min(self.runs, (b + 1) * BLOCK)
            gen.random(out=self._full)
            out[:, lo:hi] = self._full[:, : hi - lo]
        return out


class RunStreams:
    """One PCG64 stream per run, from ``SeedSequence(seed).spawn(runs)``.

    Run ``r`` draws from child ``r`` only, so its numbers depend on ``(seed, r)`` alone: the
    first 100 runs of a 1,000-run simulation equal a 100-run simulation, and any chunking of
    the years gives the same numbers (floats are drawn one per 64-bit output). Unlike
    :class:`Streams`, which fills blocks of 4,096 runs, this draws only what each run uses:
    a single run of 10,000 actors needs 3,000 draws a year, not 3,000 x 4,096.
    """

    def __init__(self, seed: int, runs: int):
        children = np.random.SeedSequence(seed).spawn(runs)
        self._gens = [np.random.Generator(np.random.PCG64(c)) for c in children]

    def uniform(self, count: int) -> np.ndarray:
        """The next ``count`` uniform [0, 1) draws of every run, shape ``(count, runs)``."""
        out = np.empty((count, len(self._gens)))
        for r, gen in enumerate(self._gens):
            out[:, r] = gen.random(count)
        return out
