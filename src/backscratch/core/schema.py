"""Scenarios as data: the schema base every model's scenario builds on, loading and overrides.

A scenario is plain data, validated by a pydantic schema that each model declares in its own
folder (``backscratch.dyad.scenario``, ``backscratch.tribute.scenario``) and registers here
with :func:`register`. The mapping's ``model`` field says which schema validates it (a
mapping without one is for the default model, the dyad).

Loading never executes anything from a file: YAML goes through the safe loader, with limits
on nesting, on aliases and on size checked before any value is built (:func:`load_yaml`),
and TOML through :mod:`tomllib`. Every problem is raised as :class:`ScenarioError` with a one-line
message that names the field and the problem.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from backscratch.core.builtins import builtin_names as builtin_names  # re-exported
from backscratch.core.builtins import builtin_text
from backscratch.core.errors import ScenarioError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

S = TypeVar("S", bound="ScenarioBase")


def _numeric(annotation: Any) -> bool:
    """Whether a field's annotation is a number (``int``/``float``, optional or in a union
    without ``bool``)."""
    if annotation in (int, float):
        return True
    args = typing.get_args(annotation)
    return bool(args) and bool not in args and any(a in (int, float) for a in args)


class Section(BaseModel):
    """A part of a scenario: frozen, unknown fields are errors, every number is finite (NaN
    and infinity are refused), and true/false is not a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _numeric(field.annotation):
                raise ValueError(f"input should be a number, not {str(value).lower()}")
        return value


class ScenarioBase(Section):
    """A whole scenario of some model. Subclasses declare ``name``, ``description``,
    ``model`` (a literal: the name they register under), ``runs`` and ``seed``."""

    if TYPE_CHECKING:  # declared by each subclass, in the order its documentation shows
        name: str
        description: str
        model: str
        runs: int
        seed: int

    def with_updates(self: S, **fields: Any) -> S:
        """A validated copy with top-level or dotted fields replaced, e.g.
        ``sc.with_updates(shadow=0.5, **{"threat.credibility": 1.0})``."""
        # Only the top-level fields an update names are dumped and validated again; the
        # others pass as the (frozen, already validated) objects they are, which pydantic
        # takes as they stand: the same scenario as validating the whole dump, without
        # re-checking, say, a long schedule for every trial of a fit.
        touched = {k.split(".", 1)[0] for k in fields}
        data = {
            name: (
                self.model_dump(include={name})[name] if name in touched else getattr(self, name)
            )
            for name in type(self).model_fields
        }
        out = validate(apply_overrides(data, fields), source=self.name)
        if not isinstance(out, type(self)):
            raise ScenarioError(f"{self.name}: model: a scenario's model cannot be changed")
        return out


# ---------------------------------------------------------------------------- registry

_SCHEMAS: dict[str, type[ScenarioBase]] = {}
_DEFAULT_MODEL: list[str] = []
_LOADED: list[bool] = []


def _ensure() -> None:
    """Import the model schemas the package names (``backscratch.SCHEMA_MODULES``) the first
    time the registry is read: importing ``backscratch`` or its command line loads none."""
    if _LOADED:
        return
    _LOADED.append(True)
    import importlib

    import backscratch

    for name in backscratch.SCHEMA_MODULES:
        importlib.import_module(name)


def register(schema: type[S], *, default: bool = False) -> type[S]:
    """Add a model's scenario schema; ``default``: the schema of mappings without ``model``."""
    model = schema.model_fields["model"].default
    _SCHEMAS[model] = schema
    if default:
        _DEFAULT_MODEL[:] = [model]
    return schema


def schemas() -> dict[str, type[ScenarioBase]]:
    """Every registered scenario schema, by model name."""
    _ensure()
    return dict(_SCHEMAS)


def schema_for(model: str) -> type[ScenarioBase]:
    """The schema of ``model``; a one-line error naming the known models otherwise."""
    _ensure()
    if model not in _SCHEMAS:
        raise ScenarioError(f"model: unknown model '{model}' (known: {', '.join(_SCHEMAS)})")
    return _SCHEMAS[model]


# ---------------------------------------------------------------------------- loading


def builtins() -> dict[str, ScenarioBase]:
    """All built-in scenarios, by name."""
    return {name: load_scenario(name) for name in builtin_names()}


MAX_TEXT = 1_000_000
"""Most characters of scenario text (a file, an upload) that are read."""

MAX_DEPTH = 32
"""Deepest nesting of lists and mappings that YAML (or TOML) scenario text may have."""

MAX_VALUES = 100_000
"""Most values YAML text may stand for, counting every use of an alias (no alias bombs)."""

SHOWN = 60
"""Most characters of a bad value an error message shows."""


def shown(value: Any) -> str:
    """``repr(value)`` cut to :data:`SHOWN` characters, for messages (never the whole of a
    huge value: the repr of a nested value is built only as far as it is shown)."""
    if isinstance(value, list | tuple | dict) and len(value) > SHOWN:
        value = type(value).__name__ + f" of {len(value)} items"
        return value
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _check_events(text: str, source: str, max_values: int) -> None:
    """Refuse YAML nested deeper than :data:`MAX_DEPTH` or standing for more than
    ``max_values`` values (aliases counted every time they are used, by the size of what
    they name), reading the parser's events once and stopping at the first value past a
    limit: nothing is composed or expanded, so a megabyte of YAML or an alias bomb is
    refused in a fraction of a second."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    total = 0
    size: dict[str, tuple[int, int]] = {}  # anchor -> (values, depth) of what it names
    stack: list[list] = []  # open collections: [anchor, total at start, deepest child]
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                if any(frame[0] == event.anchor for frame in stack):
                    raise ScenarioError(f"{source}: YAML with a recursive alias is not accepted")
                values, depth = size.get(event.anchor, (1, 1))
            elif isinstance(event, yaml.ScalarEvent):
                values, depth = 1, 1
                if event.anchor is not None:
                    size[event.anchor] = (1, 1)
            elif isinstance(event, yaml.CollectionStartEvent):
                total += 1
                stack.append([event.anchor, total, 0])
                if len(stack) > MAX_DEPTH:
                    raise ScenarioError(f"{source}: YAML nested more than {MAX_DEPTH} deep")
                values = 0
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, start, deepest = stack.pop()
                values, depth = 0, deepest + 1
                if anchor is not None:
                    size[anchor] = (total - start + 1, depth)
            else:
                continue
            total += values
            if total > max_values:
                raise ScenarioError(
                    f"{source}: YAML that stands for more than {max_values:,} values (aliases "
                    "expanded) is not accepted"
                )
            if stack and not isinstance(event, yaml.CollectionStartEvent):
                stack[-1][2] = max(stack[-1][2], depth)
                if len(stack) + depth > MAX_DEPTH:
                    raise ScenarioError(f"{source}: YAML nested more than {MAX_DEPTH} deep")
    finally:
        loader.dispose()


def load_yaml(text: str, source: str, *, max_values: int = MAX_VALUES) -> Any:
    """YAML text to Python data with the safe loader (plain data only: nothing is executed),
    after checking that it is at most :data:`MAX_TEXT` characters, nested at most
    :data:`MAX_DEPTH` deep and stands for at most ``max_values`` (:data:`MAX_VALUES`) values
    with its aliases expanded (checked on the parser's events, :func:`_check_events`, before
    anything is composed); one-line errors (:class:`ScenarioError`) naming ``source``
    otherwise (malformed YAML included)."""
    if len(text) > MAX_TEXT:
        raise ScenarioError(f"{source}: more than {MAX_TEXT:,} characters")
    loader = None
    try:
        _check_events(text, source, max_values)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None and "\n" in text else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{source}: malformed YAML{where}: {problem}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _depth(value: Any) -> int:
    """Nesting depth of parsed data (lists and mappings), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d)
            if d <= MAX_DEPTH:
                stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def read_mapping(
    text: str, fmt: str, source: str, *, max_values: int = MAX_VALUES
) -> dict[str, Any]:
    """Parse scenario text (``fmt`` yaml or toml; YAML by :func:`load_yaml`, with its
    limits) into a mapping, with a one-line :class:`ScenarioError` naming ``source`` if it
    is malformed.

    ``max_values`` bounds the values the text may stand for. For TOML (which has no
    aliases) it is checked before parsing on an upper bound, the count of ``=``, ``,`` and
    ``[`` in the text, so that parsing time is bounded too."""
    try:
        if fmt == "toml":
            if len(text) > MAX_TEXT:
                raise ScenarioError(f"{source}: more than {MAX_TEXT:,} characters")
            if sum(text.count(c) for c in "=,[") > max_values:
                raise ScenarioError(
                    f"{source}: TOML with more than {max_values:,} values (counting every "
                    "'=', ',' and '[') is not accepted"
                )
            data = tomllib.loads(text)
            if _depth(data) > MAX_DEPTH:
                raise ScenarioError(f"{source}: TOML nested more than {MAX_DEPTH} deep")
        else:
            data = load_yaml(text, source, max_values=max_values)
    except RecursionError:
        raise ScenarioError(f"{source}: nested more than {MAX_DEPTH} deep") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{source}: malformed YAML{where}: {problem}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: malformed TOML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: a scenario must be a mapping of fields, not a {type(data).__name__}"
        )
    return data


def _read_source(spec: str | Path) -> tuple[dict[str, Any], str]:
    spec_str = str(spec)
    if spec_str in builtin_names():
        text = builtin_text(spec_str)
        return read_mapping(text, "yaml", spec_str), spec_str
    path = Path(spec_str)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".toml"}:
        known = ", ".join(builtin_names())
        raise ScenarioError(
            f"scenario '{spec_str}': not a built-in scenario (known: {known}) "
            "and not a .yaml/.yml/.toml file"
        )
    if path.is_dir():
        raise ScenarioError(f"scenario file '{spec_str}': is a folder, not a file")
    if not path.is_file():
        raise ScenarioError(f"scenario file '{spec_str}': no such file")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"scenario file '{spec_str}': cannot be read ({exc})") from None
    return read_mapping(text, "toml" if suffix == ".toml" else "yaml", spec_str), spec_str


MAX_EXTENDS = 8
"""Longest chain of ``extends`` a scenario may have."""


def _merged(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``child`` over ``base``: sections merge field by field, every other value (lists
    included: a schedule is replaced whole) is the child's."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _resolve_extends(data: dict[str, Any], source: str, chain: tuple[str, ...] = ()) -> dict:
    """The mapping with its ``extends`` (a built-in name, or a file path relative to the
    extending file) read and merged under it, recursively; one-line errors for a chain that
    loops or is longer than :data:`MAX_EXTENDS`."""
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(
            f"{source}: extends: expected a scenario name or file, not {shown(parent)}"
        )
    if parent in builtin_names() or Path(parent).is_absolute() or source in builtin_names():
        spec = parent
    else:  # a file extends a file beside it
        spec = str(Path(source).parent / parent)
    if spec in chain or len(chain) >= MAX_EXTENDS:
        what = "loops" if spec in chain else f"is longer than {MAX_EXTENDS}"
        raise ScenarioError(f"{source}: extends: the chain {what} ({' -> '.join((*chain, spec))})")
    base, base_source = _read_source(spec)
    base = _resolve_extends(base, base_source, (*chain, spec))
    base.pop("name", None)  # the extending scenario has its own name
    return _merged(base, data)


def parse_assignments(items: list[str] | None, *, scalars_only: bool = True) -> dict[str, Any]:
    """Parse ``key=value`` strings (values read as YAML: numbers, booleans, strings, lists of
    them such as ``strategic.instruments=[none,blackmail]``; mappings and nested lists too
    unless ``scalars_only``) into a mapping of dotted fields. Errors are about ``set``."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError.bad("set", "expected key=value, e.g. shadow=0.9", f"'{item}'")
        try:
            value = load_yaml(raw, key) if raw.strip() else ""
        except ScenarioError as exc:
            if "malformed" not in str(exc):
                raise ScenarioError.bad("set", str(exc).split(": ", 1)[1], key) from None
            value = raw
        flat = isinstance(value, list) and not any(isinstance(v, dict | list) for v in value)
        if scalars_only and isinstance(value, dict | list) and not flat:
            raise ScenarioError.bad(
                "set", f"expected a value or a list of values, got '{raw}'", key
            )
        out[key] = value
    return out


def get_field(scenario: BaseModel, dotted: str) -> Any:
    """The value of a dotted scenario field, e.g. ``threat.credibility``."""
    node: Any = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


def field_label(model: type[BaseModel], dotted: str) -> str:
    """An axis label for the dotted field of ``model``: its name in words, its symbol (a
    field's ``json_schema_extra["symbol"]``, as in ``docs/model.md``) and its unit (the
    bracketed unit ending its description), e.g. ``threat credibility q [probability]``; the key
    itself if ``model`` has no such field."""
    node: Any = model
    field = None
    for part in dotted.split("."):
        fields = getattr(node, "model_fields", None)
        if not isinstance(fields, dict) or part not in fields:
            return dotted
        field = fields[part]
        node = field.annotation
    if field is None:
        return dotted
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    words = dotted.replace(".", " ").replace("_", " ")
    symbol = extra.get("symbol")
    units = re.findall(r"\[([^\[\]]+)\]", field.description or "")
    return " ".join(
        [words, *([str(symbol)] if symbol else []), *([f"[{units[-1]}]"] if units else [])]
    )


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of the mapping ``data`` with dotted fields set (sections created as needed)."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(parts[: i + 1])
                raise ScenarioError(f"{dotted}: '{where}' is a value, not a section")
            node = child
        node[parts[-1]] = value
    return data


def _field_names(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    model: type[BaseModel] = root
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _format_error(err: Any, root: type[BaseModel]) -> str:
    loc = tuple(p for p in err["loc"] if p not in ("function-after",))
    where = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[-1]), _field_names(loc, root), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{where}: unknown field{suggestion}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    msg = msg[:1].lower() + msg[1:]
    if kind != "value_error" and "input" in err and not isinstance(err["input"], dict):
        msg += f" (got {shown(err['input'])})"
    return f"{where}: {msg}" if where else msg


def validate(data: dict[str, Any], source: str = "scenario") -> ScenarioBase:
    """Validate a mapping into the scenario of its ``model`` (default: the dyad), raising a
    one-line :class:`ScenarioError` that names ``source`` and every field at fault."""
    _ensure()
    model = data.get("model", _DEFAULT_MODEL[0] if _DEFAULT_MODEL else None)
    if not isinstance(model, str) or model not in _SCHEMAS:
        known = ", ".join(_SCHEMAS)
        raise ScenarioError(f"{source}: model: unknown model {model!r} (known: {known})")
    root = _SCHEMAS[model]
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_format_error(e, root) for e in exc.errors())
        raise ScenarioError(f"{source}: {problems}") from None


def load_scenario(spec: str | Path, overrides: dict[str, Any] | None = None) -> ScenarioBase:
    """Load a built-in scenario by name, or a YAML/TOML file by path, and apply overrides.

    ``overrides`` maps dotted field paths to values, e.g. ``{"shadow": 0.9,
    "threat.credibility": 1.0}``. Returns the scenario of the model the file names (a
    :class:`backscratch.dyad.scenario.Scenario` unless it says ``model: tribute``).
    """
    data, source = _read_source(spec)
    data = _resolve_extends(data, source, (source,))
    data.setdefault("name", Path(source).stem if source not in builtin_names() else source)
    return validate(apply_overrides(data, overrides or {}), source=source)


def dump_yaml(scenario: BaseModel) -> str:
    """The scenario as YAML text that :func:`load_scenario` reads back to an equal scenario."""
    return yaml.safe_dump(scenario.model_dump(), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------- documentation


TABLE_HEAD = ["| field | type | default | meaning [unit], reference |", "| --- | --- | --- | --- |"]


def _bounds(metadata: Any) -> str:
    """Numeric bounds of annotated-types metadata in words: "≥ 0", "in [0, 1]", "> 0"."""
    lo = hi = None
    lo_open = hi_open = False
    for m in metadata:
        for attr, is_lo, is_open in (("ge", True, False), ("gt", True, True),
                                     ("le", False, False), ("lt", False, True)):  # fmt: skip
            v = getattr(m, attr, None)
            if v is not None:
                if is_lo:
                    lo, lo_open = v, is_open
                else:
                    hi, hi_open = v, is_open

    def num(v: float) -> str:
        return f"{int(v):,}" if float(v).is_integer() and abs(v) >= 10_000 else f"{v:g}"

    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{num(lo)}, {num(hi)}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '≥'} {num(lo)}"
    if hi is not None:
        return f"{'<' if hi_open else '≤'} {num(hi)}"
    return ""


def human_type(annotation: Any, metadata: Any = ()) -> str:
    """A field's type in words for people: "number in [0, 1]", "whole number ≥ 1", "one of:
    a, b", "list of (number ≥ 0), at most 2", "true or false", "text"."""
    import types
    import typing

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    inner_meta = list(metadata)
    if origin is typing.Annotated:
        base, *extra = args
        for e in extra:
            inner_meta += list(getattr(e, "metadata", [e]))
        return human_type(base, inner_meta)
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin is list:
        sizes = [m for m in metadata if hasattr(m, "min_length") or hasattr(m, "max_length")]
        words = f"list of ({human_type(args[0])})" if args else "list"
        lo = next((m.min_length for m in sizes if getattr(m, "min_length", None)), None)
        hi = next((m.max_length for m in sizes if getattr(m, "max_length", None)), None)
        if lo and hi:
            words += f", {lo} to {hi}"
        elif hi:
            words += f", at most {hi}"
        elif lo:
            words += f", at least {lo}"
        return words
    if origin is dict:
        return "mapping"
    if origin in (typing.Union, types.UnionType):
        kinds = [human_type(a, metadata) for a in args if a is not type(None)]
        words = " or ".join(kinds)
        return f"{words}, or null" if type(None) in args else words
    if annotation is bool:
        return "true or false"
    if annotation is str:
        return "text"
    names = {float: "number", int: "whole number"}
    if annotation in names:
        bounds = _bounds(metadata)
        return names[annotation] + (f" {bounds}" if bounds else "")
    kind = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
    return re.sub(r"backscratch(\.\w+)+\.", "", kind)


def _flow(value: Any) -> str:
    """A value as one line of YAML (flow style) that reads back to it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str, indent: str, width: int = 90) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width - len(indent) - 2, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}# ")  # fmt: skip


def scenario_template(scenario: BaseModel, source: str) -> str:
    """``scenario`` as a YAML file for people to edit: every field, each under a comment
    with its type and range in words (:func:`human_type`) and its meaning, unit and
    reference; it loads back to ``scenario``."""
    lines = [
        f"# {getattr(scenario, 'name', 'scenario')}: a backscratch scenario, from {source}.",
        "# Every field is listed with its type, range, unit and reference; change what you",
        "# need and delete the rest (a missing field takes the model's default).",
        "# Check it: backscratch run THIS-FILE --runs 100",
        "",
    ]

    def emit(model: BaseModel, indent: str) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                lines.extend(_comment(field.description or name, indent))
                lines.append(f"{indent}{name}:")
                emit(value, indent + "  ")
                continue
            kind = human_type(field.annotation, field.metadata)
            lines.extend(_comment(f"{kind}. {field.description or ''}".strip(), indent))
            dumped = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                dumped = [v.model_dump(mode="json") for v in value]
            elif isinstance(value, dict):
                dumped = {
                    k: [e.model_dump(mode="json") if isinstance(e, BaseModel) else e for e in v]
                    if isinstance(v, list)
                    else v
                    for k, v in value.items()
                }
            lines.append(f"{indent}{name}: {_flow(dumped)}")

    emit(scenario, "")
    return "\n".join(lines) + "\n"


def field_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    """One Markdown table row per field of ``model`` (nested sections flattened to dotted
    names): type in words with bounds (:func:`human_type`), default, description."""
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += field_rows(annotation, f"{prefix}{name}.")
            continue
        kind = human_type(annotation, field.metadata)
        if field.is_required():
            default = "required"
        else:
            default = f"`{field.get_default(call_default_factory=True)}`"
        desc = (field.description or "").replace("|", "\\|")
        kind = kind.replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {kind} | {default} | {desc} |")
    return rows


def yaml_example(mapping: dict[str, Any]) -> list[str]:
    """``mapping`` as a fenced YAML block (block style, in field order), for the field
    reference."""
    text = yaml.safe_dump(mapping, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=88)  # fmt: skip
    return ["```yaml", *text.rstrip("\n").split("\n"), "```"]


def section_reference(
    scenario: type[BaseModel],
    examples: Mapping[str, tuple[str, BaseModel]],
    notes: Mapping[str, str] | None = None,
) -> list[str]:
    """The field reference of ``scenario`` by section, as Markdown: first its top-level
    fields, then one part per section (a field whose type is a :class:`Section`), each with
    the section's description, a table of its fields (:func:`field_rows`), a note where
    ``notes`` has one (keyed by section name, ``""`` for the top level) and a YAML example:
    that section of ``examples[name]`` (a built-in's name and the scenario loaded from it;
    key ``""`` for the top level and the default for sections without their own)."""
    notes = notes or {}
    default_source, default_example = examples[""]
    fields = scenario.model_fields
    sections = [
        n
        for n, f in fields.items()
        if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)
    ]
    top = [n for n in fields if n not in sections]
    head = [*TABLE_HEAD]

    def example(names: list[str], source: str, scenario_: BaseModel) -> list[str]:
        data = {n: _dumped(getattr(scenario_, n)) for n in names}
        return [f"Example (from the built-in `{source}`):", "", *yaml_example(data)]

    lines = ["## Top level", ""]
    if notes.get(""):
        lines += [notes[""], ""]
    lines += [*head, *(r for n in top for r in _rows_of(scenario, n)), ""]
    lines += [*example(top, default_source, default_example), ""]
    for name in sections:
        source, ex = examples.get(name, examples[""])
        lines += [f"## `{name}`", "", fields[name].description or "", ""]
        if notes.get(name):
            lines += [notes[name], ""]
        lines += [*head, *field_rows(fields[name].annotation, f"{name}."), ""]  # type: ignore[arg-type]
        lines += [*example([name], source, ex), ""]
    return lines


def _rows_of(model: type[BaseModel], name: str) -> list[str]:
    """The table row of one top-level field of ``model``."""
    return [r for r in field_rows(model) if r.startswith(f"| `{name}` |")]


def _dumped(value: Any) -> Any:
    """A field's value as plain data for YAML: sections and lists or mappings of them
    dumped in JSON mode."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v) for k, v in value.items()}
    return value
