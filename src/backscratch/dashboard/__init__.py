"""The local web dashboard (``backscratch serve``): explore the dyad with sliders, and a tutorial.

Layers, so that the logic is testable without a browser or a server:

* :mod:`backscratch.dashboard.core` — plain Python: the controls and the scenario fields they
  set, validation of uploaded scenario files, cached simulation with progress, the data that
  the plots show and the results offered for download. Needs no Panel.
* :mod:`backscratch.dashboard.tutorial` — plain Python: the five steps of the Oye/Walt
  argument, each computed from a live simulation.
* :mod:`backscratch.dashboard.app` — the Panel (Bokeh) page built on the two above.
* :mod:`backscratch.dashboard.server` — address checks and serving on loopback, with every
  script and style served by the app itself (no CDN).

Panel is an optional dependency (``pip install 'backscratch[dashboard]'``); only ``app`` and
``server`` import it.
"""
