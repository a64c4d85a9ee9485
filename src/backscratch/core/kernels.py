"""Numba kernels more than one model uses: Bayes' rule for a two-type belief and linear
interpolation on a uniform belief grid. Imported by the models' own kernels only (it loads
numba)."""

from __future__ import annotations

from numba import njit, vectorize

__all__ = ["on_grid", "posterior"]


@vectorize(["float64(float64, float64, float64, boolean)"], cache=True)
def posterior(mu, p_pliable, p_resolute, complied):
    """Bayes' rule for the public belief that the target is pliable.

    ``mu`` is the prior, ``p_pliable`` / ``p_resolute`` each type's probability of complying,
    ``complied`` what observers saw. An observation that neither type makes (probability 0)
    leaves the belief where it was. A numpy ufunc, also callable on scalars inside kernels.
    """
    if complied:
        a = mu * p_pliable
        b = (1.0 - mu) * p_resolute
    else:
        a = mu * (1.0 - p_pliable)
        b = (1.0 - mu) * (1.0 - p_resolute)
    if a + b <= 0.0:
        return mu
    return a / (a + b)


@njit(cache=True, inline="always")
def on_grid(row, mu):
    """Linear interpolation of ``row`` (values on a uniform grid over [0, 1]) at ``mu``."""
    last = row.shape[0] - 1
    pos = mu * last
    j = min(int(pos), last - 1)
    w = pos - j
    return row[j] * (1.0 - w) + row[j + 1] * w
