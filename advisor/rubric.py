"""The rubric: dimensions, strategies, weights and rules, as data.

A rubric is a YAML file (the shipped one is ``rubrics/default.yaml``). Loading
validates its shape with pydantic and then every cross-reference (dimension,
fact, metric and strategy names, rule ids, conditions), and reports every
problem as ``file:line: where: message``. :mod:`advisor.lint` goes further and
finds rules that can never fire and effects that change nothing.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from advisor import crosscheck, document, profile, rule
from advisor.document import Lines
from advisor.errors import Location, Problem, RubricError, dotted, sorted_problems
from advisor.resource import default_rubric_path
from advisor.validation import problems_of

INDICES = ("quality", "relative_cost", "launch_speed", "control", "setup_complexity", "data_requirements",
           "governance_burden")
EFFECT_KEYS = ("adjust", "veto", "require", "companion", "warn")
# Bounds on sizes keep loading and linting fast for any file under the 1 MiB cap (the lint
# compares every pair of first steps); the shipped rubric is far inside them.
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Steps = Annotated[list[Text], Field(min_length=1, max_length=20)]
# Scores add bases, weights x anchors and adjustments: finite and bounded, so that no
# rubric can make a score overflow to infinity or become NaN.
Amount = Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)]
# Weeks to production: from days (calibration) to years (training from scratch); 520 weeks is ten years.
Weeks = Annotated[float, Field(ge=0.0, le=520.0, allow_inf_nan=False)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Dimension(Model):
    id: Text
    name: Text
    question: Text
    explanation: Text
    levels: Annotated[list[Text], Field(min_length=6, max_length=6)]


class Fact(Model):
    question: Text
    help: Text


class Guarded(Model):
    """A part of the rubric that applies while its ``when`` condition holds (parsed at load)."""

    when: Any
    _condition: Any = PrivateAttr(default=None)

    @property
    def condition(self) -> rule.Condition:
        return self._condition


class Prerequisite(Guarded):
    """What a strategy needs before it can be pursued for real; ``when`` says it is missing.

    A missing prerequisite of the primary makes the recommendation provisional, with
    ``first_steps`` (if any) listed before the strategy's own steps."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    summary: Text
    first_steps: Annotated[list[Text], Field(max_length=20)] = Field(default_factory=list)


class Strategy(Model):
    id: Text
    name: Text
    purpose: Text
    base: Amount
    indices: dict[str, Annotated[int, Field(ge=0, le=100)]]
    indices_note: str | None = None
    # [low, high]: typical weeks from the decision to production. The engine compares the
    # launch date with it, and the economics roadmap schedules its stages with it.
    time_to_production_weeks: Annotated[list[Weeks], Field(min_length=2, max_length=2)]
    first_steps: Annotated[list[Text], Field(max_length=20)] = Field(default_factory=list)
    prerequisites: Annotated[list[Prerequisite], Field(max_length=20)] = Field(default_factory=list)

    @field_validator("time_to_production_weeks")
    @classmethod
    def _weeks_in_order(cls, weeks: list[float]) -> list[float]:
        if weeks[0] > weeks[1]:
            raise ValueError(f"the low end {weeks[0]:g} is above the high end {weeks[1]:g}")
        return weeks


class Effect(Model):
    adjust: str | None = None
    by: Amount | None = None
    veto: str | None = None
    require: str | None = None
    companion: str | None = None
    warn: Text | None = None

    @model_validator(mode="after")
    def _one_effect(self):
        given = [key for key in EFFECT_KEYS if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(EFFECT_KEYS)} (got {', '.join(given) or 'none'})")
        if (self.adjust is None) != (self.by is None):
            raise ValueError("'adjust: STRATEGY' and 'by: AMOUNT' go together")
        return self

    @property
    def kind(self) -> str:
        """The effect's name in the assessment: adjust, veto, gate, companion or warning."""
        return {"adjust": "adjust", "veto": "veto", "require": "gate", "companion": "companion",
                "warn": "warning"}[self.key]

    @property
    def key(self) -> str:
        return next(key for key in EFFECT_KEYS if getattr(self, key) is not None)

    @property
    def target(self) -> str | None:
        return None if self.warn is not None else getattr(self, self.key)


class Rule(Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    when: Any
    effects: Annotated[list[Effect], Field(min_length=1, max_length=20)]
    rationale: Text
    source: Text
    # The strategies the rule's warnings are about: they are shown only while one of them is
    # in play (the primary, a companion, or a blocked strategy that outscores the primary), so
    # a report never warns against a path nobody proposed. Empty: always shown.
    about: Annotated[list[Text], Field(max_length=4)] = Field(default_factory=list)
    _condition: Any = PrivateAttr(default=None)

    @property
    def condition(self) -> rule.Condition:
        return self._condition


class Readiness(Guarded):
    summary: Text
    first_steps: Steps


class Keep(Guarded):
    """When measured evidence meets the targets and nothing calls for change: keep what runs."""

    summary: Text
    first_steps: Steps


class LaunchDate(Model):
    """How a launch date (``context.launch_weeks``) is held against each strategy's time to production.

    Before the low end the strategy cannot make the date and is gated; between the two ends
    only its fast end makes it, and its score moves by ``at_risk_by``."""

    at_risk_by: Amount
    source: Text


class CloseCall(Model):
    """When a recommendation needs human review (a one-notch flip of any dimension always does)."""

    margin: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
    survival: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Stage(Model):
    when: Text
    actions: Steps


class Tracked(Model):
    name: Text
    why: Text


Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class PhaseShares(Model):
    pilot: Share
    canary: Share
    full_rollout: Share

    @model_validator(mode="after")
    def _whole(self):
        if abs(self.pilot + self.canary + self.full_rollout - 1.0) > 1e-9:
            raise ValueError(f"pilot, canary and full_rollout must add up to 1 "
                             f"(got {self.pilot + self.canary + self.full_rollout:g})")
        return self


class RolloutPhases(Model):
    """How the roadmap lays a strategy's time to production out in phases (see advisor.roadmap)."""

    eval_set_weeks: Annotated[list[Weeks], Field(min_length=2, max_length=2)]
    shares: PhaseShares

    @field_validator("eval_set_weeks")
    @classmethod
    def _weeks_in_order(cls, weeks: list[float]) -> list[float]:
        return Strategy._weeks_in_order(weeks)


class Rubric(Model):
    version: Annotated[str, Field(min_length=1)] | int
    name: Text
    description: Text
    dimensions: list[Dimension]
    facts: dict[str, Fact]
    strategies: list[Strategy]
    weights: dict[str, dict[str, Amount]]
    # Named conditions, used in conditions below them as {condition: NAME}.
    conditions: Annotated[dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")], Any],
                          Field(max_length=100)] = Field(default_factory=dict)
    rules: Annotated[list[Rule], Field(max_length=500)]
    readiness: Readiness
    roadmap: dict[str, Stage]
    metrics_to_track: list[Tracked]
    rollout_gates: list[Text]
    # Optional: without it the roadmap names the missing durations instead of guessing them.
    rollout_phases: RolloutPhases | None = None
    # Optional: without them nothing is ever kept as it is, launch dates are not checked, and
    # only a one-notch flip makes a close call.
    keep: Keep | None = None
    launch_date: LaunchDate | None = None
    close_call: CloseCall | None = None
    _path: str = PrivateAttr(default="")
    _sha256: str = PrivateAttr(default="")
    _lines: Lines = PrivateAttr(default_factory=Lines)
    _named: dict = PrivateAttr(default_factory=dict)

    @property
    def named(self) -> dict[str, rule.Condition]:
        """The named conditions, parsed."""
        return self._named

    @property
    def path(self) -> str:
        return self._path

    @property
    def sha256(self) -> str:
        return self._sha256

    @property
    def lines(self) -> Lines:
        return self._lines

    def strategy(self, strategy_id: str) -> Strategy:
        return next(s for s in self.strategies if s.id == strategy_id)

    def weight(self, dimension: str, strategy_id: str) -> float:
        return self.weights.get(dimension, {}).get(strategy_id, 0.0)


# --- loading -------------------------------------------------------------------------------


def default_rubric_name() -> str:
    return "rubrics/default.yaml"


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read and validate a rubric (None = the shipped default); RubricError lists every problem."""
    file = Path(path) if path is not None else default_rubric_path()
    source = str(path) if path is not None else default_rubric_name()
    doc = document.read_document(file, RubricError)
    data, lines = document.parse_yaml(doc.text, source, RubricError)
    loaded = validate_rubric_data(data, source, lines)
    loaded._path = source
    loaded._sha256 = doc.sha256
    loaded._lines = lines
    return loaded


def validate_rubric_data(data: Any, source: str, lines: Lines) -> Rubric:
    if not isinstance(data, dict):
        raise RubricError.of(Problem(source, 1, (), "a rubric must be a YAML mapping"))
    try:
        loaded = Rubric.model_validate(data)
    except ValidationError as exc:
        fail(source, problems_of(exc.errors(), Rubric, data, source, lines, label=labeller(data)))
    fail(source, located(source, lines, data, reference_problems(loaded, data)))
    return loaded


def fail(source: str, problems: list[Problem]) -> None:
    if not problems:
        return
    problems = sorted_problems(problems)
    if len(problems) == 1:
        raise RubricError.of(problems[0])
    raise RubricError(f"{len(problems)} problems in the rubric", file=source, problems=problems)


def located(source: str, lines: Lines, data: Any, found: list[tuple[Location, str]]) -> list[Problem]:
    """(location, message) pairs found in a rubric as problems on the lines of their locations."""
    name = labeller(data)
    return [Problem(source, lines.near(loc), loc, message, name(loc)) for loc, message in found]


def labeller(data: Any):
    """How a location in this rubric is named: a rule by its id as well as its index."""
    rules = data.get("rules") if isinstance(data, dict) else None

    def label(loc: Location) -> str | None:
        if len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
            return None
        head = f"rules[{loc[1]}]"
        item = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            head += f" (id: {item['id']})"
        rest = dotted(loc[2:]) if loc[2:] else ""
        return f"{head}.{rest}" if rest and not rest.startswith("[") else head + rest

    return label


# --- cross-references ----------------------------------------------------------------------


def vocabulary() -> dict[str, dict[str, rule.Subject]]:
    """Every name a rule condition may read, by kind."""
    dimensions = {name: rule.Subject("dimension", name, "number", 0, 5, integer=True, optional=False)
                  for name in profile.DIMENSIONS}
    facts = {name: fact_subject(name, annotation) for name, annotation in profile.CONTEXT_FACTS.items()}
    return {"dimension": dimensions, "fact": facts, "metric": crosscheck.metric_subjects()}


def fact_subject(name: str, annotation: Any) -> rule.Subject:
    choices = literal_choices(annotation)
    if choices:
        return rule.Subject("fact", name, "text", choices=choices)
    kinds = leaf_types(annotation)
    if list in kinds:
        return rule.Subject("fact", name, "list", choices=profile.STRATEGIES, optional=False)
    if bool in kinds:
        return rule.Subject("fact", name, "flag")
    if float in kinds:
        return rule.Subject("fact", name, "number", 0.0, 1.0)
    if int in kinds:
        return rule.Subject("fact", name, "number", 0, None, integer=True)
    return rule.Subject("fact", name, "text")


def literal_choices(annotation: Any) -> tuple:
    """The allowed texts of an (optional) Literal annotation; () for any other type."""
    if typing.get_origin(annotation) is typing.Literal:
        return tuple(typing.get_args(annotation))
    for arg in typing.get_args(annotation) if typing.get_origin(annotation) is typing.Union else ():
        found = literal_choices(arg)
        if found:
            return found
    return ()


def leaf_types(annotation: Any) -> set:
    origin = typing.get_origin(annotation)
    if origin is None:
        return {annotation}
    if origin is list:
        return {list}
    found: set = set()
    for arg in typing.get_args(annotation):
        if not isinstance(arg, (str, int)) or isinstance(arg, type):
            found |= leaf_types(arg)
    return found


def reference_problems(loaded: Rubric, data: dict) -> list[tuple[tuple, str]]:
    """Every name that does not resolve, as (location, message); also parses the conditions."""
    problems: list[tuple[tuple, str]] = []
    problems += id_set_problems("dimensions", [d.id for d in loaded.dimensions], profile.DIMENSIONS, "dimension")
    problems += id_set_problems("strategies", [s.id for s in loaded.strategies], profile.STRATEGIES, "strategy")
    for index, strategy in enumerate(loaded.strategies):
        missing = [name for name in INDICES if name not in strategy.indices]
        extra = [name for name in strategy.indices if name not in INDICES]
        for name in extra:
            problems.append((("strategies", index, "indices", name), f"unknown index '{name}'{rule.hint(name, list(INDICES))}"))
        if missing:
            problems.append((("strategies", index, "indices"), f"missing indices: {', '.join(missing)}"))
    for name in loaded.facts:
        if name not in profile.CONTEXT_FACTS:
            problems.append((("facts", name), f"unknown fact '{name}'{rule.hint(name, list(profile.CONTEXT_FACTS))}"))
    problems += weight_problems(loaded)
    problems += named_problems(loaded)
    problems += rule_problems(loaded)
    problems += attach_condition(loaded.readiness, ("readiness", "when"), loaded.named)
    if loaded.keep is not None:
        problems += attach_condition(loaded.keep, ("keep", "when"), loaded.named)
    for index, strategy in enumerate(loaded.strategies):
        for number, needed in enumerate(strategy.prerequisites):
            problems += attach_condition(needed, ("strategies", index, "prerequisites", number, "when"), loaded.named)
    for name in loaded.roadmap:
        if name not in profile.STRATEGIES:
            problems.append((("roadmap", name), f"unknown strategy '{name}'{rule.hint(name, list(profile.STRATEGIES))}"))
    return problems


def id_set_problems(section: str, ids: list[str], expected: tuple, noun: str) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    seen: set = set()
    for index, item in enumerate(ids):
        if item in seen:
            problems.append(((section, index, "id"), f"duplicate {noun} id '{item}'"))
        elif item not in expected:
            problems.append(((section, index, "id"), f"unknown {noun} '{item}'{rule.hint(item, list(expected))}"))
        seen.add(item)
    missing = [name for name in expected if name not in seen]
    if missing:
        problems.append(((section,), f"missing {noun} {', '.join(missing)} (the profile needs all of {', '.join(expected)})"))
    return problems


def weight_problems(loaded: Rubric) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    for dimension, row in loaded.weights.items():
        if dimension not in profile.DIMENSIONS:
            problems.append((("weights", dimension), f"weights for unknown dimension '{dimension}'"
                             f"{rule.hint(dimension, list(profile.DIMENSIONS))}"))
        for strategy in row:
            if strategy not in profile.STRATEGIES:
                problems.append((("weights", dimension, strategy), f"weight for unknown strategy '{strategy}'"
                                 f"{rule.hint(strategy, list(profile.STRATEGIES))}"))
    return problems


def named_problems(loaded: Rubric) -> list[tuple[tuple, str]]:
    """Parse the named conditions in order: each may use only those above it (so none loops)."""
    problems: list[tuple[tuple, str]] = []
    for name, raw in loaded.conditions.items():
        try:
            loaded._named[name] = rule.parse_condition(raw, vocabulary(), (), dict(loaded._named))
        except rule.ConditionProblem as problem:
            problems.append((("conditions", name) + problem.path, problem.message))
    return problems


def rule_problems(loaded: Rubric) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(loaded.rules):
        if item.id in seen:
            problems.append((("rules", index, "id"), f"duplicate rule id (first used by rules[{seen[item.id]}])"))
        seen.setdefault(item.id, index)
        problems += attach_condition(item, ("rules", index, "when"), loaded.named)
        for number, effect in enumerate(item.effects):
            target = effect.target
            if target is not None and target not in profile.STRATEGIES:
                problems.append((("rules", index, "effects", number, effect.key),
                                 f"unknown strategy '{target}'{rule.hint(target, list(profile.STRATEGIES))}"))
        for number, target in enumerate(item.about):
            if target not in profile.STRATEGIES:
                problems.append((("rules", index, "about", number),
                                 f"unknown strategy '{target}'{rule.hint(target, list(profile.STRATEGIES))}"))
        if item.about and not any(effect.warn is not None for effect in item.effects):
            problems.append((("rules", index, "about"), "'about' selects when warnings show, but this rule has none"))
    return problems


def attach_condition(owner, loc: tuple, named: dict) -> list[tuple[tuple, str]]:
    """Parse ``owner.when`` into the condition the engine evaluates; the problem if it does not parse."""
    try:
        owner._condition = rule.parse_condition(owner.when, vocabulary(), (), named)
    except rule.ConditionProblem as problem:
        return [(loc + problem.path, problem.message)]
    return []


# --- describe ------------------------------------------------------------------------------


def describe(loaded: Rubric, fmt: str = "text") -> str:
    """The rubric for people: ``text`` (readable summary) or ``yaml`` (normalized data)."""
    if fmt == "yaml":
        return yaml.safe_dump(loaded.model_dump(mode="json", exclude_none=True), sort_keys=False,
                              allow_unicode=True, width=100)
    return "\n".join(describe_lines(loaded))


def describe_lines(loaded: Rubric) -> list[str]:
    out = [f"Rubric {loaded.name} (version {loaded.version}) from {loaded.path}", "", loaded.description.strip(), "",
           "Dimensions (score 0..5):"]
    for dim in loaded.dimensions:
        out.append(f"  {dim.id} - {dim.name}: {dim.question}")
        out.extend(f"      {level}: {text}" for level, text in enumerate(dim.levels))
    out += ["", "Strategies:"]
    for strategy in loaded.strategies:
        weights = ", ".join(f"{d} {loaded.weight(d, strategy.id):+g}" for d in profile.DIMENSIONS
                            if loaded.weight(d, strategy.id))
        out.append(f"  {strategy.id} - {strategy.name}: {strategy.purpose}")
        low, high = strategy.time_to_production_weeks
        out.append(f"      base {strategy.base:g}; weights: {weights or 'none'}; {low:g}-{high:g} weeks to production")
        out.append("      indices: " + ", ".join(f"{k} {v}" for k, v in strategy.indices.items()))
    out += ["", f"Rules ({len(loaded.rules)}):"]
    for item in loaded.rules:
        effects = "; ".join(effect_text(effect) for effect in item.effects)
        out.append(f"  {item.id}: {effects}")
        out.append(f"      why: {item.rationale.strip()}  [{item.source}]")
    out += ["", "Metrics rules can read:"]
    out.extend(f"  {name}: {help_text}" for name, (_, help_text) in crosscheck.METRICS.items())
    return out


def effect_text(effect: Effect) -> str:
    if effect.adjust is not None:
        return f"{effect.adjust} {effect.by:+g}"
    if effect.warn is not None:
        return "warning"
    return f"{effect.kind} {effect.target}"

