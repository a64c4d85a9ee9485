"""The engine: random streams and small numba kernels that advance every run at once.

Kernels are kept small and separate from the Python API (models and games call them):

* :mod:`.kernels` — the coercion dyad (Bayes updating, the equilibrium of a period, one
  period of play); :mod:`.tribute_kernels` — Axelrod's tribute model; :mod:`.ipd` — iterated
  2×2 matches; :mod:`.moran` — the Moran process.
* Random numbers: the dyad's and the tribute model's kernels take uniforms drawn outside them
  (:mod:`.rng` block streams for the dyad, one PCG64 stream per run for the tribute model);
  the match and Moran kernels compute theirs from a counter-based SplitMix64 hash of (seed,
  repetition, pair, turn). Either way a result depends only on the seed and the run's index,
  never on threads, workers or call order.
"""
