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
    cost: NonNegative = Field(
        0.4,
        description=(
            "Material cost to the target of complying, common to both types [payoff units "
            "per unit of demand]."
        ),
    )
    resolve_pliable: NonNegative = Field(
        0.0,
        description=(
            "Pliable type's extra cost of complying *under a threat* — the cost of being "
            "seen to bow to coercion [payoff units per unit of demand]. Sechser (2010): "
            "reputation costs of compliance with compellent threats."
        ),
    )
    resolve_resolute: NonNegative = Field(
        0.8,
        description=(
            "Resolute type's extra cost of complying under a threat, its private resolve "
            "[payoff units per unit of demand]. Must be at least `resolve_pliable`. A paid "
            "concession without a threat carries no such cost, so it reveals a price, not "
            "weakness (Walt 2013)."
        ),
    )
    noise: Annotated[float, Field(gt=0.0)] = Field(
        0.08,
        description=(
            "Scale of the target's private per-period logistic payoff shock [payoff units]. "
            "It purifies the types' mixed strategies (Harsanyi 1973), so that beliefs move "
            "gradually; as it goes to 0 play approaches the pure separating/pooling outcome."
        ),
    )

    @model_validator(mode="after")
    def _ordered_resolve(self) -> Target:
        if self.resolve_resolute < self.resolve_pliable:
            raise ValueError(
                f"resolve_resolute ({self.resolve_resolute}) must be >= resolve_pliable "
                f"({self.resolve_pliable}): the resolute type is the one that finds giving in "
                "to threats costlier"
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


class ThirdParties(_Section):
    """Other states that watch the target and may come with threats of their own (MODEL.md §3)."""

    count: Annotated[int, Field(ge=0, le=100_000)] = Field(
        0,
        description=(
            "Number M of potential third-party demanders watching the public history "
            "[count]. Each period each enters with a threat demand of its own with the entry "
            "probability below. Oye (1985): the number of players."
        ),
    )
    entry_cost: NonNegative = Field(
        0.5,
        description=(
            "Cost to a third party of entering (making a demand) [payoff units]. A third "
            "party enters when its expected gain, mu * value * x(mu) - (1 - mu) * "
            "credibility * execution_cost * punishment - entry_cost, is positive (up to the "
            "entry noise): the chain-store logic of Kreps & Wilson (1982) and Milgrom & "
            "Roberts (1982), entry rising in the belief that the target is pliable."
        ),
    )
    noise: Annotated[float, Field(gt=0.0)] = Field(
        0.05,
        description=(
            "Scale of the logistic noise in third parties' entry decisions [payoff units]."
        ),
    )


class Hedging(_Section):
    """The target's latent capability (e.g. enrichment): a deterrent that threats feed (§4).

    Two stocks: capacity K (think centrifuges) and the latent capability L it produces (think
    enriched material; breakout time shrinks as L grows). Each period
    ``K <- max(0, K + base + threat_sensitivity * threat - relationship_sensitivity *
    relationship)`` and ``L <- max(0, L + productivity * K - rollback * honoured)``.
    """

    initial: NonNegative = Field(
        0.0, description="Latent-capability stock L_0 at the start [latency units]."
    )
    initial_capacity: NonNegative = Field(
        0.0, description="Capacity K_0 at the start [capacity units]."
    )
    base: float = Field(
        0.0,
        description=(
            "Change in capacity per period with no threat and no relationship; negative: "
            "capacity decays or is dismantled [capacity units per period]."
        ),
    )
    threat_sensitivity: NonNegative = Field(
        0.0,
        description=(
            "Extra capacity built per unit of expected punishment faced this period (from "
            "the demander and every entered third party) [capacity units per payoff unit]. "
            "Narang (2017); Walt (2013): threats raise the value of a latent deterrent."
        ),
    )
    relationship_sensitivity: NonNegative = Field(
        0.0,
        description=(
            "Capacity forgone per unit of expected reward on offer this period "
            "[capacity units per payoff unit]: the value of the relationship."
        ),
    )
    productivity: NonNegative = Field(
        1.0,
        description=(
            "Latent capability produced per unit of capacity per period [latency units per "
            "capacity unit per period]."
        ),
    )
    rollback: NonNegative = Field(
        0.0,
        description=(
            "Latency given up for each honoured exchange (complied, reward delivered) "
            "[latency units per exchange]: rollback for relief, e.g. LEU shipped out in the "
            "2009 fuel-swap proposal."
        ),
    )
    threshold: Annotated[float, Field(gt=0.0)] = Field(
        1.0,
        description=(
            "Threshold L* whose first crossing is recorded per run (think breakout "
            "capability) [latency units]."
        ),
    )
    cost_to_demander: NonNegative = Field(
        0.0,
        description="Demander's loss per unit of latency per period [payoff units per latency unit].",
    )


class Domestic(_Section):
    """The demander's domestic politics (MODEL.md §5)."""

    hawk_bias: NonNegative = Field(
        0.0,
        description=(
            "Hawk bias eta: weight in the leader's objective on toughness, the demand backed "
            "by a threat minus rewards paid [weight, payoff units per payoff unit]. 0 is a "
            "unitary rational state; Walt (2013): 'the funhouse world of official Washington'."
        ),
    )
    audience_cost: NonNegative = Field(
        0.0,
        description=(
            "Cost to the leader of backing down from a threat that was resisted [payoff "
            "units per back-down]. Fearon (1994); Tomz (2007)."
        ),
    )


class Mediation(_Section):
    """A guarantor who holds the goods raises the reliability of an exchange (MODEL.md §1.5)."""

    guarantor: bool = Field(
        False,
        description=(
            "Whether a guarantor holds the goods in every period (a schedule can switch it "
            "per period) [true/false]. The 2010 Tehran Declaration: LEU deposited in Turkey."
        ),
    )
    reliability: Probability = Field(
        0.98,
        description=(
            "Reliability of a promised reward when a guarantor holds it (used instead of "
            "`offer.reliability` when higher) [probability]."
        ),
    )


class Calendar(_Section):
    """Dates of the periods, for scheduled policies and dated outputs."""

    start: str = Field("2000-01", description="Month of period 0, as YYYY-MM [date].")
    months_per_period: Annotated[int, Field(ge=1, le=120)] = Field(
        1, description="Length of a period [months]."
    )

    @model_validator(mode="after")
    def _valid_start(self) -> Calendar:
        month_index(self.start, "start")
        return self

    def period_of(self, date: str) -> int:
        """Index of the period containing month ``date`` (negative: before the start)."""
        return (month_index(date) - month_index(self.start)) // self.months_per_period

    def dates(self, horizon: int) -> list[str]:
        """``YYYY-MM`` of the first month of each of ``horizon`` periods."""
        m0 = month_index(self.start)
        out = []
        for t in range(horizon):
            m = m0 + t * self.months_per_period
            out.append(f"{m // 12:04d}-{m % 12 + 1:02d}")
        return out


class ScheduleEntry(_Section):
    """From ``date`` on (until the next entry), the demander uses ``policy``."""

    date: str = Field(description="First month the entry applies, as YYYY-MM [date].")
    policy: Policy = Field(description="Instrument policy from that month on [choice].")
    guarantor: bool | None = Field(
        None,
        description=(
            "Whether a guarantor holds the goods from that month on (default: "
            "`mediation.guarantor`) [true/false]."
        ),
    )
    note: str = Field("", description="What happened, with its source.")

    @model_validator(mode="after")
    def _valid_date(self) -> ScheduleEntry:
        month_index(self.date, "date")
        return self


def month_index(text: str, field: str = "date") -> int:
    """Months since year 0 of a ``YYYY-MM`` string; ``ValueError`` naming ``field`` if malformed."""
    parts = str(text).split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise ValueError(f"{field} '{text}' is not a month of the form YYYY-MM")
    return int(parts[0]) * 12 + int(parts[1]) - 1


def _check_schedule(entries: list[ScheduleEntry], where: str) -> None:
    for i in range(1, len(entries)):
        if month_index(entries[i].date) <= month_index(entries[i - 1].date):
            raise ValueError(
                f"{where}[{i}].date '{entries[i].date}' is not after "
                f"{where}[{i - 1}].date '{entries[i - 1].date}': dates must increase"
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
    third_parties: ThirdParties = Field(
        default_factory=ThirdParties, description="Third-party demanders (contagion)."
    )
    hedging: Hedging = Field(default_factory=Hedging, description="The target's latency.")
    domestic: Domestic = Field(default_factory=Domestic, description="Domestic politics.")
    mediation: Mediation = Field(default_factory=Mediation, description="A guarantor.")
    calendar: Calendar = Field(default_factory=Calendar, description="Dates of periods.")
    schedule: list[ScheduleEntry] = Field(
        default_factory=list,
        description=(
            "Dated instrument changes, in increasing date order; before the first entry the "
            "demander uses `policy`. Empty: `policy` throughout [list of entries]."
        ),
    )
    counterfactuals: dict[str, list[ScheduleEntry]] = Field(
        default_factory=dict,
        description=(
            "Named alternative schedules, run on the same parameters and seeds by "
            "`compare --policies NAME,...` [mapping of name to schedule]."
        ),
    )
    solver: Solver = Field(default_factory=Solver, description="Numerical settings.")

    @model_validator(mode="after")
    def _schedules_in_order(self) -> Scenario:
        _check_schedule(self.schedule, "schedule")
        for name, entries in self.counterfactuals.items():
            _check_schedule(entries, f"counterfactuals.{name}")
        return self

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


def read_mapping(text: str, fmt: str, source: str) -> dict[str, Any]:
    """Parse scenario text (``fmt`` yaml or toml; YAML with ``safe_load``) into a mapping,
    with a one-line :class:`ScenarioError` naming ``source`` if it is malformed."""
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
        return read_mapping(text, "yaml", spec_str), spec_str
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
    return read_mapping(text, "toml" if suffix == ".toml" else "yaml", spec_str), spec_str


def parse_assignments(items: list[str] | None, scalars_only: bool = True) -> dict[str, Any]:
    """Parse ``key=value`` strings (values read as YAML: numbers, booleans, strings; lists
    too unless ``scalars_only``)."""
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
        if scalars_only and isinstance(value, dict | list):
            raise ScenarioError(f"--set {key}: expected a single value, got '{raw}'")
        out[key] = value
    return out


def get_field(scenario: BaseModel, dotted: str) -> Any:
    """The value of a dotted scenario field, e.g. ``threat.credibility``."""
    node = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


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


def _field_names(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> list[str]:
    model: type[BaseModel] = root or Scenario
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _format_error(err: dict[str, Any], root: type[BaseModel] | None = None) -> str:
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
        msg += f" (got {err['input']!r})"
    return f"{where}: {msg}" if where else msg


def validate(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a mapping into a :class:`Scenario`, raising a one-line :class:`ScenarioError`.

    A mapping with ``model: tribute`` is a tribute-model scenario
    (:class:`backscratch.scenario_tribute.TributeScenario`).
    """
    root: type[BaseModel] = Scenario
    if data.get("model") == "tribute":
        from backscratch.tribute.scenario import TributeScenario

        root = TributeScenario
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_format_error(e, root) for e in exc.errors())
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


TABLE_HEAD = ["| field | type | default | meaning [unit], reference |", "| --- | --- | --- | --- |"]


def field_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    """One Markdown table row per field of ``model`` (nested sections flattened to dotted
    names): type with bounds, default, description."""
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += field_rows(annotation, f"{prefix}{name}.")
            continue
        kind = getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
        kind = kind.replace("backscratch.scenario.", "")
        bounds = [str(m) for m in field.metadata]
        if bounds:
            kind += " (" + ", ".join(bounds) + ")"
        if field.is_required():
            default = "required"
        else:
            default = f"`{field.get_default(call_default_factory=True)}`"
        desc = (field.description or "").replace("|", "\\|")
        kind = kind.replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {kind} | {default} | {desc} |")
    return rows


def fields_markdown() -> str:
    """Every scenario field with its type, default and description, as a Markdown table."""
    lines = [
        "# Scenario fields",
        "",
        "Generated by `backscratch schema` from `src/backscratch/scenario.py`; do not edit by hand.",
        "",
        *TABLE_HEAD,
        *field_rows(Scenario),
        "",
        "Each entry of `schedule` (and of every counterfactual schedule) has:",
        "",
        *TABLE_HEAD,
        *field_rows(ScheduleEntry, "schedule[]."),
    ]
    return "\n".join(lines) + "\n"
