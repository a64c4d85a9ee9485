"""Loaders for real data shipped with the package, each beside its provenance.

* :mod:`backscratch.data.iran` — the Iran nuclear case timeline, 2002 – Feb 2013
  (``data/iran/PROVENANCE.md``: hand-compiled from public sources, each row citing one).
"""
