"""Loaders for real data shipped with the package, each beside its provenance.

* :mod:`backscratch.data.iran` — the Iran nuclear case timeline, 2002 – Feb 2013
  (``data/iran/PROVENANCE.md``: hand-compiled from public sources, each row citing one).
* :mod:`backscratch.data.ties` — TIES v4.1, the Threat and Imposition of Economic Sanctions
  dataset, 1945–2005 (Morgan, Bapat & Kobayashi 2014; ``data/ties/PROVENANCE.md``).
"""
