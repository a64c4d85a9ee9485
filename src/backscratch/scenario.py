"""Scenarios as data: the pydantic schema, YAML/TOML loading and ``--set`` overrides.

A scenario is plain data. Every model parameter is a field below, documented with its unit
and, where one exists, the literature it comes from. ``backscratch schema`` prints the same
documentation as a Markdown table (``docs/scenario-fields.md`` is that output).

Loading never executes anything from the file: YAML goes through ``yaml.safe_load`` and TOML
through :mod:`tomllib`. Every problem is raised as :class:`ScenarioError` with a one-line
message that names the field and the problem.
"""

from __future__ import annotations

import difflib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

POLICIES = ("blackmail", "backscratching", "mixed", "none")
Policy = Literal["blackmail", "backscratching", "mixed", "none"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class ScenarioError(ValueError):
    """A scenario (or an override of one) is invalid; the message is one line for the user."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Demander(_Section):
    """The state that wants a concession (D)."""

    name: str = Field("Demander", description="Label of the demanding state in outputs.")
    value: NonNegative = Field(
        2.0,
        description="Value to D of one unit of concession [payoff units per unit of demand].",
    )
    demand_rule: Literal["fixed", "learning"] = Field(
        "learning",
        description=(
            "How D sizes each demand: `fixed` always demands `demand`; `learning` scales the "
            "demand with the public belief that the target is pliable (see "
            "`backscratch.strategies.demanders`) [choice]."
        ),
    )
    demand: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description=(
            "Demand made of a target believed surely pliable (mu = 1) [units of concession]. "
            "The fixed rule always demands this much."
        ),
    )
    demand_floor: Probability = Field(
        0.3,
        description=(
            "Fraction of `demand` that the learning rule still asks of a target believed "
            "surely resolute (mu = 0) [fraction, 0-1]."
        ),
    )


class Target(_Section):
    """The state asked to concede (T), whose resolve is private."""

    name: str = Field("Target", description="Label of the target state in outputs.")
    strategy: Literal["forward_looking", "myopic", "always_comply", "always_resist"] = Field(
        "forward_looking",
        description=(
            "Target strategy (see `backscratch.strategies.targets`): `forward_looking` solves "
            "the reputation game by dynamic programming over the public belief; `myopic` "
            "weighs this period only; `always_comply` / `always_resist` are rule-based "
            "[choice]."
        ),
    )
    prior_pliable: Probability = Field(
        0.5,
        description=(
            "Prior probability mu_0 that the target is the pliable type [probability]. "
            "Kreps & Wilson (1982); Milgrom & Roberts (1982)."
        ),
    )
    cost_pliable: NonNegative = Field(
        0.4,
        description="Pliable type's cost of complying [payoff units per unit of demand].",
    )
    cost_resolute: NonNegative = Field(
        1.2,
        description=(
            "Resolute type's cost of complying, its private resolve [payoff units per unit "
            "of demand]. Must be at least `cost_pliable`."
        ),
    )
    noise: Annotated[float, Field(gt=0.0)] = Field(
        0.15,
        description=(
            "Scale of the target's private per-period logistic payoff shock [payoff units]. "
            "It purifies the types' mixed strategies (Harsanyi 1973), so that beliefs move "
            "gradually; as it goes to 0 play approaches the pure separating/pooling outcome."
        ),
    )

    @model_validator(mode="after")
    def _ordered_costs(self) -> Target:
        if self.cost_resolute < self.cost_pliable:
            raise ValueError(
                f"cost_resolute ({self.cost_resolute}) must be >= cost_pliable "
                f"({self.cost_pliable}): the resolute type is the one that finds complying costlier"
            )
        return self


class Threat(_Section):
    """Blackmail: "I will do Z, which hurts you, unless you do Y" (Oye 1979)."""

    punishment: NonNegative = Field(
        1.0,
        description="Harm P done to the target if a threat is carried out [payoff units].",
    )
    credibility: Probability = Field(
        0.6,
        description=(
            "Probability q that D carries out the threat when the target resists; otherwise D "
            "backs down [probability]. Schelling (1966); Sechser (2010)."
        ),
    )
    execution_cost: NonNegative = Field(
        0.3,
        description=(
            "Cost to D of carrying out a threat, per unit of punishment inflicted (k: D loses "
            "k*P) [payoff units per unit of punishment]. Drezner (1998): sanctions hurt the "
            "sender too."
        ),
    )


class Offer(_Section):
    """Backscratching: "I will do X, which you want, if you do Y" (Oye 1979)."""

    price: NonNegative = Field(
        1.3,
        description=(
            "Reward R paid to the target per unit of concession when it complies [payoff "
            "units per unit of demand]."
        ),
    )
    reliability: Probability = Field(
        0.9,
        description=(
            "Probability rho that a promised reward is actually delivered after the target "
            "complies (the promiser's commitment problem; a guarantor raises it) "
            "[probability]. Oye (1979); Walt (2013) on the 2010 Tehran Declaration."
        ),
    )


class Solver(_Section):
    """Numerical settings of the target's dynamic programme."""

    belief_grid: Annotated[int, Field(ge=3, le=10001)] = Field(
        201,
        description=(
            "Number of points of the public-belief grid on which the target's value "
            "functions are solved (linear interpolation between points) [count]."
        ),
    )


class Scenario(_Section):
    """A complete, validated description of one experiment."""

    name: str = Field("custom", description="Short name of the scenario.")
    description: str = Field("", description="One-line description shown by `scenarios`.")
    model: Literal["dyad"] = Field("dyad", description="Which model the scenario is for.")
    policy: Policy = Field(
        "blackmail",
        description=(
            "Demander's instrument (see `backscratch.strategies.demanders`): `blackmail` "
            "(threat), `backscratching` (offer), `mixed` (both: diplomacy backed by pressure) "
            "or `none` (no demand, the baseline) [choice]. Oye (1979, 1992)."
        ),
    )
    horizon: Annotated[int, Field(ge=1, le=100_000)] = Field(
        40, description="Number of periods H simulated and solved [periods]."
    )
    shadow: Probability = Field(
        0.9,
        description=(
            "Shadow of the future delta: probability that the relationship continues after "
            "each period, used as the per-period discount factor [probability]. Axelrod "
            "(1984); Oye (1985)."
        ),
    )
    runs: Annotated[int, Field(ge=1, le=100_000_000)] = Field(
        2000, description="Number of independent simulated runs [count]."
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        0, description="Root seed of `numpy.random.SeedSequence` for the runs [integer]."
    )
    demander: Demander = Field(default_factory=Demander, description="The demanding state.")
    target: Target = Field(default_factory=Target, description="The target state.")
    threat: Threat = Field(default_factory=Threat, description="The threat instrument.")
    offer: Offer = Field(default_factory=Offer, description="The offer instrument.")
    solver: Solver = Field(default_factory=Solver, description="Numerical settings.")

    def with_updates(self, **fields: Any) -> Scenario:
        """Return a validated copy with top-level or dotted fields replaced."""
        return validate(_apply_overrides(self.model_dump(), fields), source=self.name)


# ---------------------------------------------------------------------------- loading


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("backscratch") / "scenarios"
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtins() -> dict[str, Scenario]:
    """All built-in scenarios, by name."""
    return {name: load_scenario(name) for name in builtin_names()}


def _read_mapping(text: str, fmt: str, source: str) -> dict[str, Any]:
    try:
        if fmt == "toml":
            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
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
        text = (resources.files("backscratch") / "scenarios" / f"{spec_str}.yaml").read_text(
            "utf-8"
        )
        return _read_mapping(text, "yaml", spec_str), spec_str
    path = Path(spec_str)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".toml"}:
        known = ", ".join(builtin_names())
        raise ScenarioError(
            f"scenario '{spec_str}': not a built-in scenario (known: {known}) "
            "and not a .yaml/.yml/.toml file"
        )
    if not path.is_file():
        raise ScenarioError(f"scenario file '{spec_str}': no such file")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"scenario file '{spec_str}': cannot be read ({exc})") from None
    return _read_mapping(text, "toml" if suffix == ".toml" else "yaml", spec_str), spec_str


def parse_assignments(items: list[str] | None) -> dict[str, Any]:
    """Parse ``key=value`` strings (values read as YAML scalars: numbers, booleans, strings)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError(f"--set '{item}': expected key=value, e.g. --set shadow=0.9")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        if isinstance(value, (dict, list)):
            raise ScenarioError(f"--set {key}: expected a single value, got '{raw}'")
        out[key] = value
    return out


def _apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
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


def _field_names(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(p for p in err["loc"] if p not in ("function-after",))
    where = ".".join(str(p) for p in loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[-1]), _field_names(loc), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{where}: unknown field{suggestion}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    msg = msg[:1].lower() + msg[1:]
    if kind != "value_error" and "input" in err and not isinstance(err["input"], dict):
        msg += f" (got {err['input']!r})"
    return f"{where}: {msg}" if where else msg


def validate(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a mapping into a :class:`Scenario`, raising a one-line :class:`ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_format_error(e) for e in exc.errors())
        raise ScenarioError(f"{source}: {problems}") from None


def load_scenario(spec: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a built-in scenario by name, or a YAML/TOML file by path, and apply overrides.

    ``overrides`` maps dotted field paths to values, e.g. ``{"shadow": 0.9,
    "threat.credibility": 1.0}``.
    """
    data, source = _read_source(spec)
    data.setdefault("name", Path(source).stem if source not in builtin_names() else source)
    return validate(_apply_overrides(data, overrides or {}), source=source)


def dump_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`load_scenario` reads back to an equal scenario."""
    return yaml.safe_dump(scenario.model_dump(), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------------- documentation


def fields_markdown() -> str:
    """Every scenario field with its type, default and description, as a Markdown table."""
    lines = [
        "# Scenario fields",
        "",
        "Generated by `backscratch schema` from `src/backscratch/scenario.py`; do not edit by hand.",
        "",
        "| field | type | default | meaning [unit], reference |",
        "| --- | --- | --- | --- |",
    ]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")
                continue
            kind = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
            bounds = [str(m) for m in field.metadata]
            if bounds:
                kind += " (" + ", ".join(bounds) + ")"
            default = field.get_default(call_default_factory=False)
            desc = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{prefix}{name}` | {kind} | `{default}` | {desc} |")

    walk(Scenario, "")
    return "\n".join(lines) + "\n"
