"""What every model shares, and nothing model-specific.

* :mod:`.errors` — :class:`~.errors.ScenarioError`, the one-line error of bad input;
* :mod:`.schema` — the scenario base: safe YAML/TOML loading, dotted overrides, one-line
  validation errors, field documentation, and the registry each model's schema joins;
* :mod:`.results` — the result protocol (``summary``, ``to_pandas``, ``to_polars``,
  ``to_arrow``, a short ``repr``, ``_repr_html_``) and declared metrics;
* :mod:`.rng` — seeded random streams keyed by run; :mod:`.store` — atomic writes of
  Parquet, JSON and text; :mod:`.backends` — serial, local and dask task runners.

Nothing here imports a model; every model imports from here.
"""
