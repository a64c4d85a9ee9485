"""The flat public API (``import backscratch as bs``) and the result protocol of every model."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import backscratch as bs
from backscratch.core.results import Result
from backscratch.dyad.results import RUN_METRICS, Comparison, Contrast, DyadResult

ROOT = Path(__file__).resolve().parents[1]
VERBS = [getattr(bs, name) for name in bs._API]


def test_the_flat_namespace_has_every_verb_and_the_error():
    assert set(bs.__all__) >= {
        "load_scenario",
        "run",
        "compare",
        "threat_frontier",
        "sweep",
        "load_sweep",
        "solve",
        "tournament",
        "evolve",
        "calibrate",
        "ScenarioError",
    }
    assert bs.ScenarioError is bs.core.errors.ScenarioError
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = bs.nope


@pytest.mark.parametrize("verb", VERBS, ids=lambda f: f.__name__)
def test_every_verb_takes_its_main_object_first_and_the_rest_by_keyword(verb):
    params = list(inspect.signature(verb).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for p in params[1:]:
        assert p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD), f"{verb.__name__}({p.name})"
    doc = inspect.getdoc(verb) or ""
    assert len(doc.splitlines()) >= 1 and doc[0].isupper()


def test_positional_options_are_refused():
    with pytest.raises(TypeError):
        bs.compare("oye-dyad", ["blackmail"])
    with pytest.raises(TypeError):
        bs.run("oye-dyad", "blackmail")


def test_a_parameter_has_the_same_default_and_place_wherever_it_appears():
    defaults: dict[str, object] = {}
    orders = []
    for verb in VERBS:
        params = [
            p for p in inspect.signature(verb).parameters.values() if p.kind is p.KEYWORD_ONLY
        ]
        orders.append([p.name for p in params])
        for p in params:
            if p.name in defaults:
                assert defaults[p.name] == p.default, f"{verb.__name__}: {p.name}"
            defaults[p.name] = p.default
    # Shared parameters come in the same relative order everywhere.
    for a in orders:
        for b in orders:
            shared = [n for n in a if n in b]
            assert shared == [n for n in b if n in a]


def test_the_must_hold_comparison(capsys):
    c = bs.compare("oye-dyad", policies=["blackmail", "backscratching"], runs=500, seed=1)
    print(c.contrast("backscratching", "blackmail"))
    assert c.to_pandas().shape == (2 * 500 * 40, 19)
    out = capsys.readouterr().out
    assert out.startswith("backscratching − blackmail on oye-dyad, 500 paired runs")
    assert len(out.splitlines()) == 1 + len(RUN_METRICS)


def test_a_contrast_is_the_paired_per_run_difference_with_a_t_interval():
    c = bs.compare("oye-dyad", policies=["blackmail", "backscratching"], runs=300, seed=4)
    k = c.contrast("backscratching", "blackmail")
    assert isinstance(k, Contrast)
    a, b = c["backscratching"].per_run(), c["blackmail"].per_run()
    s = k.summary()
    for m in ("cooperation_rate", "demander_payoff", "final_latency"):
        d = np.asarray(a[m], float) - np.asarray(b[m], float)
        half = 1.9679 * d.std(ddof=1) / np.sqrt(300)  # t(0.975, 299)
        assert s[m]["difference"] == pytest.approx(d.mean())
        assert s[m]["ci95"] == pytest.approx([d.mean() - half, d.mean() + half], rel=1e-3)
        assert s[m]["runs"] == 300
    assert s["cooperation_rate"]["difference"] > 0.45  # the P3 gap
    # Common random numbers: a policy against itself differs in no run at all.
    same = bs.compare("oye-dyad", policies=["blackmail", "mixed"], runs=50).contrast(
        "blackmail", "blackmail"
    )
    for row in same.summary().values():
        assert row["difference"] == 0.0 and row["ci95"] == [0.0, 0.0]
    table = k.to_pandas()
    assert list(table["metric"]) == [m.name for m in RUN_METRICS]
    with pytest.raises(bs.ScenarioError, match="policy: 'mixed' was not compared"):
        c.contrast("mixed", "blackmail")


def _results(tmp_path) -> list[Result]:
    sc = bs.load_scenario("oye-dyad", runs=40, overrides={"horizon": 8})
    c = bs.compare(sc, policies=["blackmail", "backscratching"])
    sweep = bs.sweep(sc, grid={"shadow": [0.5, 0.9]}, out=tmp_path / "s", policies=["mixed"])
    tribute = bs.compare("tribute", runs=3, overrides={"years": 30})
    ipd = bs.tournament(["TitForTat", "Defector", "Random"], turns=20, repetitions=3)
    coercion = bs.tournament(game="coercion", scenario=sc, repetitions=5)
    from backscratch.studies.calibrate_ties import evaluate

    return [
        c["blackmail"],
        c,
        c.contrast("backscratching", "blackmail"),
        bs.threat_frontier(sc),
        tribute["blackmail"],
        tribute,
        ipd,
        coercion,
        bs.evolve(ipd),
        bs.evolve(coercion),
        sweep,
        evaluate(bs.load_scenario("ties-calibrated", runs=200)),
    ]


def test_every_result_follows_the_protocol(tmp_path):

    for res in _results(tmp_path):
        name = type(res).__name__
        assert isinstance(res, Result), name
        text = repr(res)
        assert text.startswith(f"<{name}: ") and "\n" not in text and len(text) < 240, text
        html = res._repr_html_()
        assert "<table>" in html and len(html) < 20_000, name
        assert isinstance(res.summary(), dict), name
        arrow = res.to_arrow()
        assert isinstance(arrow, pa.Table) and arrow.num_rows > 0, name
        assert res.to_pandas().shape == (arrow.num_rows, arrow.num_columns), name
        assert res.to_polars().shape == (arrow.num_rows, arrow.num_columns), name


def test_a_dyad_result_is_short_in_repr_and_complete_as_a_table():
    r = bs.run("oye-dyad", runs=100)
    assert isinstance(r, DyadResult)
    assert len(repr(r)) < 120
    df = r.to_pandas()
    assert df.shape == (100 * 40, 19)
    assert set(df["policy"]) == {"blackmail"} and df["run"].nunique() == 100
    assert df.groupby("run")["period"].count().eq(40).all()


def test_comparison_table_has_every_metric_with_label_and_unit():
    c = bs.compare("oye-dyad", runs=100)
    assert isinstance(c, Comparison)
    t = c.table()
    assert list(t.columns) == ["label", "unit", "blackmail", "backscratching", "mixed"]
    assert (
        t.loc["cooperation_rate", "backscratching"]
        == c.summaries()["backscratching"]["cooperation_rate"]
    )
    assert t.loc["demander_payoff", "unit"] == "payoff units, discounted"


def test_readme_python_api_runs(tmp_path, monkeypatch, capsys):
    """The README's Python API example, executed as written."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Python API") : text.index("## Layout")]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)[:1]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "<DyadResult: oye-dyad, blackmail: 500 runs × 40 periods" in out
    assert "backscratching − blackmail on oye-dyad, 500 paired runs" in out
    assert "0.6666666666666666" in out  # Axelrod's w* = 2/3
