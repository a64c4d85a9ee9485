"""Loaders for real data shipped with the package, each beside its provenance.

* :mod:`backscratch.data.timeline` — the case timelines, hand-compiled from public sources,
  each row citing one: Iran 2002 – Feb 2013 (``data/iran/PROVENANCE.md``), North Korea
  1985–2009 (``data/north_korea/PROVENANCE.md``), Libya 1986–2004
  (``data/libya/PROVENANCE.md``).
* :mod:`backscratch.data.ties` — TIES v4.1, the Threat and Imposition of Economic Sanctions
  dataset, 1945–2005 (Morgan, Bapat & Kobayashi 2014; ``data/ties/PROVENANCE.md``).
"""
