"""Scenarios as data: built-ins, files, overrides, documentation and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backscratch.core.errors import ScenarioError
from backscratch.core.schema import (
    Section,
    builtin_names,
    builtins,
    dump_yaml,
    load_scenario,
    parse_assignments,
)
from backscratch.dyad.scenario import Scenario, fields_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_builtins_load_and_describe_themselves():
    names = builtin_names()
    assert "oye-dyad" in names
    for name, sc in builtins().items():
        assert sc.name == name
        assert 20 < len(sc.description) < 200 and "\n" not in sc.description


def test_yaml_and_toml_files_load_to_the_same_scenario(tmp_path):
    ref = load_scenario("oye-dyad")
    y = tmp_path / "s.yaml"
    y.write_text(dump_yaml(ref))
    t = tmp_path / "s.toml"
    t.write_text(
        'name = "oye-dyad"\nshadow = 0.9\nseed = 1979\n'
        "[target]\nnoise = 0.08\n[demander]\ndemand_floor = 0.2\n"
        "[threat]\nexecution_cost = 0.5\n[offer]\nprice = 1.5\n"
    )
    assert load_scenario(y) == ref
    from_toml = load_scenario(t)
    assert from_toml.target.noise == 0.08 and from_toml.offer.price == 1.5
    assert from_toml.shadow == 0.9


def test_overrides_are_typed_and_dotted():
    sc = load_scenario(
        "oye-dyad",
        parse_assignments(["shadow=0.5", "threat.credibility=1", "policy=mixed", "runs=10"]),
    )
    assert sc.shadow == 0.5 and sc.threat.credibility == 1.0
    assert sc.policy == "mixed" and sc.runs == 10 and isinstance(sc.runs, int)
    assert sc.with_updates(**{"offer.reliability": 0.5}).offer.reliability == 0.5


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shadoww": 0.9}, "shadoww: unknown field (did you mean 'shadow'?)"),
        (
            {"threat.credibilty": 0.9},
            "threat.credibilty: unknown field (did you mean 'credibility'?)",
        ),
        (
            {"threat.credibility": 1.5},
            "threat.credibility: input should be less than or equal to 1",
        ),
        (
            {"offer.reliability": -0.1},
            "offer.reliability: input should be greater than or equal to 0",
        ),
        ({"target.cost": -1}, "target.cost: input should be greater than or equal to 0"),
        (
            {"threat.execution_cost": -2},
            "threat.execution_cost: input should be greater than or equal to 0",
        ),
        (
            {"policy": "bribery"},
            "policy: input should be 'blackmail', 'backscratching', 'mixed' or 'none'",
        ),
        ({"runs": "many"}, "runs: input should be a valid integer"),
        (
            {"target.resolve_resolute": 0.1, "target.resolve_pliable": 0.5},
            "target: resolve_resolute (0.1) must be >= resolve_pliable (0.5)",
        ),
        ({"shadow.x": 1}, "shadow.x: 'shadow' is a value, not a section"),
        # numbers are finite; a count is a whole number
        ({"hedging.base": float("nan")}, "hedging.base: input should be a finite number"),
        ({"demander.value": float("inf")}, "demander.value: input should be a finite number"),
        ({"runs": 10.5}, "runs: input should be a valid integer"),
    ],
)
def test_bad_fields_give_one_line_naming_the_field(overrides, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario("oye-dyad", overrides)
    text = str(err.value)
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("shadow: [0.9\n", ".yaml", "malformed YAML at line"),
        ("- 1\n- 2\n", ".yaml", "a scenario must be a mapping of fields, not a list"),
        ("shadow = \n", ".toml", "malformed TOML"),
        ("shadow: !!python/object/apply:os.system ['true']\n", ".yaml", "malformed YAML"),
    ],
)
def test_malformed_files(tmp_path, content, suffix, message):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "absent.yaml")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(ScenarioError, match="is a folder, not a file"):
        load_scenario(tmp_path / "folder.yaml")
    with pytest.raises(ScenarioError, match="not a built-in scenario"):
        load_scenario("absent")


def test_bad_assignment_syntax():
    with pytest.raises(ScenarioError, match="expected key=value"):
        parse_assignments(["shadow"])


def test_every_field_is_documented_with_a_unit():
    def walk(model):
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, Section):
                yield from walk(ann)
            else:
                yield name, field.description or ""

    fields = list(walk(Scenario))
    assert len(fields) > 20
    model_params = [(n, d) for n, d in fields if n not in {"name", "description", "model"}]
    for name, desc in model_params:
        assert len(desc) > 25, name
        assert "[" in desc and "]" in desc, f"{name}: unit in [brackets]"


def test_scenario_field_docs_are_current():
    doc = (ROOT / "docs" / "scenario-fields.md").read_text()
    assert doc == fields_markdown(), "regenerate with: backscratch schema > docs/scenario-fields.md"


def test_builtin_files_list_every_field_explicitly():
    """Built-ins spell out every parameter, so a reader sees the whole model in one file."""
    for name in builtin_names():
        sc = load_scenario(name)
        raw = yaml.safe_load(dump_yaml(sc))
        assert set(raw) == set(type(sc).model_fields)  # the dyad's or the tribute model's


def test_grid_values_are_typed_by_their_field():
    # a range grid gives floats; a count field takes them as whole numbers
    from backscratch.dyad.sweep import check_grid

    sc = load_scenario("oye-dyad")
    grid = check_grid({"third_parties.count": [0.0, 2.0], "shadow": [1]}, sc)
    assert grid == {"third_parties.count": [0, 2], "shadow": [1.0]}
    assert all(type(v) is int for v in grid["third_parties.count"])


def test_a_scenario_extends_another(tmp_path):
    base = load_scenario("iran-2003-2013")
    (tmp_path / "hawk.yaml").write_text(
        "extends: iran-2003-2013\ndescription: harsher\nthreat:\n  punishment: 2.0\n"
    )
    (tmp_path / "child.yaml").write_text("extends: hawk.yaml\nshadow: 0.5\n")
    hawk = load_scenario(tmp_path / "hawk.yaml")
    child = load_scenario(str(tmp_path / "child.yaml"))
    # sections merge field by field; lists (the schedule) and values come whole
    assert hawk.name == "hawk" and hawk.description == "harsher"
    assert hawk.threat.punishment == 2.0 and hawk.threat.credibility == base.threat.credibility
    assert hawk.schedule == base.schedule and hawk.counterfactuals == base.counterfactuals
    assert child.name == "child" and child.shadow == 0.5 and child.threat.punishment == 2.0
    (tmp_path / "loop.yaml").write_text("extends: loop.yaml\n")
    with pytest.raises(ScenarioError, match="extends: the chain loops"):
        load_scenario(tmp_path / "loop.yaml")
    (tmp_path / "bad.yaml").write_text("extends: [1]\n")
    with pytest.raises(ScenarioError, match="extends: expected a scenario name or file"):
        load_scenario(tmp_path / "bad.yaml")
    (tmp_path / "gone.yaml").write_text("extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "gone.yaml")


def test_compare_takes_the_scenarios_own_schedule_as_scheduled():
    import backscratch as bs

    c = bs.compare("iran-2003-2013", policies=["scheduled", "backscratching-from-2009"], runs=40)
    own = bs.run("iran-2003-2013", runs=40)
    assert c["scheduled"].summary() == own.summary()
    with pytest.raises(ScenarioError, match="unknown policy 'scheduled'"):
        bs.compare("oye-dyad", policies=["scheduled"], runs=10)


def _bomb(levels: int = 9) -> str:
    """A 'billion laughs' alias bomb: ``levels`` lists of nine aliases of the one before."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join([*lines, f"description: *a{levels - 1}", ""])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("description: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 32 deep"),
        ("strategic: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "nested more than 32 deep"),
        ("description: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32 deep"),
        (_bomb(), "more than 100,000 values (aliases expanded)"),
        ("a: &a [*a]\n", "recursive alias"),
    ],
)
def test_yaml_limits_are_checked_before_any_value_is_built(tmp_path, content, message):
    path = tmp_path / "hostile.yaml"
    path.write_text(content)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert message in text and "\n" not in text and len(text) < 200


def test_yaml_within_the_limits_and_its_aliases_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("name: ok\nstrategic:\n  demand_factors: &f [0.5, 1.0]\n  price_factors: *f\n")
    sc = load_scenario(path)
    assert sc.strategic.price_factors == [0.5, 1.0]


def test_a_huge_file_and_huge_values_are_refused_in_a_short_line(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("description: " + "x" * 1_100_000 + "\n")
    with pytest.raises(ScenarioError, match="more than 1,000,000 characters"):
        load_scenario(path)
    with pytest.raises(ScenarioError) as err:  # a bad value is shown only as a short prefix
        load_scenario("oye-dyad", overrides={"shadow": "y" * 10_000})
    assert len(str(err.value)) < 250 and "..." in str(err.value)
    with pytest.raises(ScenarioError) as err:
        load_scenario("oye-dyad", overrides={"shadow": list(range(5000))})
    assert len(str(err.value)) < 250


def test_assignment_and_grid_values_keep_the_limits():
    with pytest.raises(ScenarioError, match="nested more than 32 deep") as err:
        parse_assignments(["description=" + "[" * 40 + "]" * 40], scalars_only=False)
    assert err.value.param == "set"
    from backscratch.dyad.sweep import parse_grid

    with pytest.raises(ScenarioError) as err:
        parse_grid(["shadow=[0.5"], load_scenario("oye-dyad"))
    assert err.value.param == "grid" and "malformed YAML" in str(err.value)
    assert "at line" not in str(err.value)


@pytest.mark.parametrize("name", ["oye-dyad", "iran-2003-2013", "tribute"])
def test_a_new_scenario_template_documents_every_field_and_reads_back(tmp_path, capsys, name):
    from backscratch.cli import main

    path = tmp_path / "mine.yaml"
    assert main(["new", "mine", "--from", name, "-o", str(path)]) == 0
    text = path.read_text()
    assert load_scenario(path) == load_scenario(name).with_updates(name="mine")
    lines = text.splitlines()
    fields = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(fields) > 20
    assert all(lines[i - 1].lstrip().startswith("#") for i in fields)  # each under its comment
    assert "number in [0, 1]" in text and "Ge(" not in text and "Literal[" not in text
    assert main(["new", "mine", "--from", name, "-o", str(path)]) == 2  # never overwritten
    assert "exists; --force" in capsys.readouterr().err


def test_field_docs_give_types_in_words():
    for doc in ("scenario-fields.md", "tribute-fields.md"):
        text = (Path(__file__).parent.parent / "docs" / doc).read_text()
        for internal in ("Ge(", "Le(", "Gt(", "Literal[", "Annotated", "FieldInfo"):
            assert internal not in text, (doc, internal)
    assert (
        "| `shadow` | number in [0, 1] |"
        in (Path(__file__).parent.parent / "docs" / "scenario-fields.md").read_text()
    )


def test_a_counterfactual_written_as_a_diff_is_the_schedule_up_to_its_date_then_its_own():
    sc = load_scenario("iran-2003-2013")
    cf = sc.counterfactuals["backscratching-from-2009"]
    before = [e for e in sc.schedule if e.date < "2009-10"]
    assert cf[: len(before)] == before and len(cf) == len(before) + 1
    assert (cf[-1].date, cf[-1].policy, cf[-1].ship_out) == ("2009-10", "backscratching", 1.2)
    # an extension that changes the schedule moves the diff with it
    moved = load_scenario(
        "iran-2003-2013",
        {
            "schedule": [
                {"date": "2003-01", "policy": "none"},
                {"date": "2011-01", "policy": "mixed"},
            ]
        },
    )
    assert [(e.date, e.policy) for e in moved.counterfactuals["mixed"]] == [
        ("2003-01", "none"), ("2009-10", "mixed"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("diff", "message"),
    [
        ({"schedule": []}, "needs diverges"),
        (
            {"diverges": "2009-10", "schedule": [{"date": "2008-01", "policy": "none"}]},
            "is before diverges",
        ),
        ({"diverges": "2009-10", "extra": 1}, "counterfactuals.x.extra: unknown field"),
        ({"diverges": "2009-13"}, "counterfactuals.x.diverges"),
    ],
)
def test_bad_counterfactual_diffs_are_one_line_errors(diff, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario("iran-2003-2013", {"counterfactuals": {"x": diff}})
