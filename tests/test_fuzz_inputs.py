"""Hypothesis fuzzing of scenario fields and CLI options, on a fixed budget (derandomized, so
the same examples run every time): whatever a user types either loads as finite numbers in
range, or is refused in one line naming the field or option; never a traceback."""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import get_field, load_scenario
from backscratch.dyad.scenario import Scenario


def _leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _leaves(ann, f"{prefix}{name}.")
        else:
            out.append(f"{prefix}{name}")
    return out


FIELDS = [f for f in _leaves(Scenario) if f not in ("name", "description", "model")]
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.text(max_size=12),
    st.none(),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
)
BUDGET = settings(max_examples=400, deadline=None, derandomize=True, database=None)


def _finite_numbers(node) -> bool:
    if isinstance(node, BaseModel):
        return all(_finite_numbers(getattr(node, k)) for k in type(node).model_fields)
    if isinstance(node, (list, tuple)):
        return all(_finite_numbers(v) for v in node)
    if isinstance(node, dict):
        return all(_finite_numbers(v) for v in node.values())
    if isinstance(node, float):
        return math.isfinite(node)
    return True


@BUDGET
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_a_fuzzed_field_loads_finite_or_is_refused_naming_it(field, value):
    try:
        sc = load_scenario("oye-dyad", {field: value})
    except ScenarioError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) < 400
        assert field in message or field.split(".")[0] in message, message
        return
    assert _finite_numbers(sc)
    got = get_field(sc, field)
    if isinstance(value, bool) and isinstance(got, (int, float)) and not isinstance(got, bool):
        pytest.fail(f"{field}: true/false read as the number {got}")


def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argument parsing exits
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


NUMBERISH = st.text(alphabet="0123456789-+.eE naif,:", max_size=6)


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(option=st.sampled_from(["--runs", "--seed"]), text=NUMBERISH)
@example(option="--runs", text="0")
@example(option="--seed", text="-1")
@example(option="--runs", text="1e3")
@example(option="--runs", text="")
@example(option="--seed", text="nan")
def test_a_fuzzed_count_option_runs_or_is_refused_in_one_line(option, text):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "o")
        code, _, err = _cli(["run", "oye-dyad", option, text, "--set", "horizon=1", "--out", out])
        assert code in (0, 2), (code, err)
        assert "Traceback" not in err
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and option in lines[0], err
            assert not os.path.exists(out)  # nothing written


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(text=NUMBERISH)
@example(text="nan")
@example(text="-1")
@example(text="0:2:3")
@example(text="")
def test_a_fuzzed_eta_is_used_or_refused_in_one_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "o")
        argv = ["compare", "oye-dyad", "--runs", "10", "--set", "horizon=1", "--eta", text]
        code, printed, err = _cli([*argv, "--format", "json", "--out", out])
        assert code in (0, 2), (code, err)
        assert "Traceback" not in err and "NaN" not in printed and "Infinity" not in printed
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "--eta" in lines[0], err
            assert not os.path.exists(out)
