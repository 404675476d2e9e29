"""The project profile (README, "Profile reference"): models, loading and validation.

There is exactly one validation path, :func:`validate_profile_data`, shared by
profile files and questionnaire answers. Problems are collected, never raised
one at a time, and each is reported as ``file:line: field.path: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from advisor import confinement, document
from advisor.document import Lines
from advisor.economics import Economics, volume_problems
from advisor.errors import Problem, ProfileError, sorted_problems
from advisor.text import refused_character
from advisor.validation import not_a_mapping, problems_of

DIMENSIONS = ("quality_gap", "data_readiness", "latency", "cost", "governance", "control")
STRATEGIES = ("pretrained", "fine_tune", "calibrate", "from_scratch")
# The calibration source document treats an ECE above 0.05 as miscalibration worth fixing.
DEFAULT_TARGET_ECE = 0.05
StrategyId = Literal["pretrained", "fine_tune", "calibrate", "from_scratch"]
# What the failure analysis found (interface section 6): the cause decides which strategy can help.
FAILURE_CAUSES = ("knowledge", "behaviour", "coverage", "confidence")
FailureCause = Literal["knowledge", "behaviour", "coverage", "confidence"]
# What runs in production today; `none` when nothing does yet.
APPROACHES = ("none",) + STRATEGIES
Approach = Literal["none", "pretrained", "fine_tune", "calibrate", "from_scratch"]

# What a field accepts, in the words an error message uses ("must be ...").
SCORE = "an integer from 0 to 5"
FRACTION = "a number from 0 to 1"
COUNT = "a whole number of 0 or more"
FLAG = "true or false"

Score = Annotated[int, Field(ge=0, le=5, strict=True, json_schema_extra={"expect": SCORE})]
Fraction = Annotated[float, Field(ge=0.0, le=1.0, strict=True, json_schema_extra={"expect": FRACTION})]
Count = Annotated[int, Field(ge=0, strict=True, json_schema_extra={"expect": COUNT})]
Flag = Annotated[bool, Field(strict=True, json_schema_extra={"expect": FLAG})]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Project(Model):
    name: Annotated[str, Field(min_length=1, strict=True, json_schema_extra={"expect": "a non-empty text"})]
    summary: Annotated[str | None, Field(strict=True, json_schema_extra={"expect": "a text"})] = None

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(f"must be a non-empty text (got {value!r})")
        return value

    @field_validator("name", "summary")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        # Typed answers do not pass through the file reader, which refuses these already.
        found = refused_character(value or "", in_value=True)
        if found:
            raise ValueError(f"control character U+{ord(found.group()):04X} is not allowed in text")
        return value


class Scores(Model):
    quality_gap: Score = Field(description="0 = a pre-trained model already meets the target; 5 = far below it")
    data_readiness: Score = Field(description="0 = no labeled in-domain data, no eval set; 5 = large, clean, labeled, governed corpus")
    latency: Score = Field(description="0 = no latency constraint; 5 = strict real-time budget a large hosted model cannot meet")
    cost: Score = Field(description="0 = unit cost is irrelevant; 5 = unit economics dominate (high volume, thin margin)")
    governance: Score = Field(description="0 = no regulatory or audit pressure; 5 = strict audit, regulated decisions")
    control: Score = Field(description="0 = any hosted vendor model is acceptable; 5 = must own weights and deploy sovereign / on-prem")


class Context(Model):
    launch_weeks: Count | None = Field(None, description="weeks until production launch is needed")
    labeled_examples: Count | None = Field(None, description="labeled in-domain examples available")
    has_eval_set: Flag | None = Field(None, description="a held-out eval set with routine, edge and adversarial cases exists")
    failure_classes_known: Flag | None = Field(None, description="recurring, measured failure classes have been identified")
    monthly_volume: Count | None = Field(None, description="requests or predictions per month")
    confidence_used_downstream: Flag | None = Field(None, description="predicted confidence drives thresholds, routing or human review")
    high_stakes: Flag | None = Field(None, description="errors harm people, money or safety")
    sovereignty_required: Flag | None = Field(None, description="weights must be owned and run on own infrastructure")
    proprietary_data_moat: Flag | None = Field(None, description="a large proprietary corpus unlike public pre-training data")
    adaptation_tried: Annotated[
        list[StrategyId],
        Field(json_schema_extra={"expect": "a list of strategy ids (" + ", ".join(STRATEGIES) + ")"}),
    ] = Field(default_factory=list, description="strategies already tried that failed to meet the target")
    # Interface section 6; last, so the questionnaire asks them after the first part's facts.
    failure_cause: Annotated[
        FailureCause | None,
        Field(json_schema_extra={"expect": "one of " + ", ".join(FAILURE_CAUSES)}),
    ] = Field(None, description=("what the failure analysis found: knowledge (facts the model cannot know), "
                                 "behaviour (recurring wrong outputs), coverage (domain or language barely "
                                 "covered) or confidence (confidences mislead)"))
    current_approach: Annotated[
        Approach | None,
        Field(json_schema_extra={"expect": "one of " + ", ".join(APPROACHES)}),
    ] = Field(None, description="what runs in production today: none, pretrained, fine_tune, calibrate or from_scratch")

    @field_validator("adaptation_tried", mode="before")
    @classmethod
    def _null_means_none_tried(cls, value):
        # Every other context fact takes `null` for "unknown"; here that is an empty list.
        return [] if value is None else value


class Baseline(Model):
    accuracy: Fraction | None = Field(None, description="claimed baseline accuracy, 0..1")
    ece: Fraction | None = Field(None, description="claimed expected calibration error, 0..1")
    target_accuracy: Fraction | None = Field(None, description="target accuracy, 0..1")
    target_ece: Fraction = Field(DEFAULT_TARGET_ECE, description="target expected calibration error, 0..1")
    predictions: Annotated[
        str | None, Field(min_length=1, strict=True, json_schema_extra={"expect": "a file path"})
    ] = Field(None, description="attached predictions file, relative to the profile's folder")


class Profile(Model):
    # A strict int, not Literal[1]: YAML's `true` and `1.0` must not pass for version 1.
    version: Annotated[int, Field(strict=True, ge=1, le=1, json_schema_extra={"const": 1})] = Field(
        description="profile format version; must be 1")
    project: Project
    scores: Scores
    context: Context = Field(default_factory=Context)
    baseline: Baseline | None = None
    economics: Economics | None = Field(
        None, description="money per strategy: build, monthly, per_request and success_rate, each a number or a "
                          "[low, high] range (interface section 6)")


CONTEXT_FACTS: dict[str, Any] = {name: info.annotation for name, info in Context.model_fields.items()}


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile plus what a report needs to reproduce it."""

    profile: Profile
    path: Path
    text: str
    sha256: str
    lines: Lines = field(default_factory=Lines, compare=False, repr=False)

    @property
    def predictions_path(self) -> Path | None:
        baseline = self.profile.baseline
        if baseline is None or baseline.predictions is None:
            return None
        return (self.path.parent / baseline.predictions).resolve()


def load_profile(path: str | Path) -> LoadedProfile:
    """Read, parse and validate a profile file; raise ProfileError listing every problem."""
    path = Path(path)
    doc = document.read_document(path, ProfileError)
    data, lines = parse_yaml(doc.text, str(path))
    problems = field_problems(data, str(path), lines) + missing_predictions(data, path, lines)
    if problems:
        raise_problems(str(path), problems)
    profile = Profile.model_validate(data)
    return LoadedProfile(profile=profile, path=path, text=doc.text, sha256=doc.sha256, lines=lines)


def parse_yaml(text: str, source: str) -> tuple[Any, Lines]:
    """Parse profile YAML safely (see :mod:`advisor.document`) and map field paths to lines."""
    return document.parse_yaml(text, source, ProfileError)


def validate_profile_data(data: Any, source: str | None, lines: Lines | None = None) -> Profile:
    """Validate already-parsed profile data; raise ProfileError with every problem at once."""
    problems = field_problems(data, source, lines)
    if problems:
        raise_problems(source, problems)
    return Profile.model_validate(data)


def raise_problems(source: str | None, problems: list[Problem]):
    problems = sorted_problems(problems)
    noun = "problem" if len(problems) == 1 else "problems"
    raise ProfileError(f"{len(problems)} {noun} in the profile", file=source, problems=problems)


def missing_predictions(data: Any, path: Path, lines: Lines) -> list[Problem]:
    """A missing attached predictions file, listed with the other problems rather than after them."""
    baseline = data.get("baseline") if isinstance(data, dict) else None
    target = baseline.get("predictions") if isinstance(baseline, dict) else None
    if not isinstance(target, str) or not target:
        return []
    loc = ("baseline", "predictions")
    outside = confinement.outside_problem(path, target)
    if outside is not None:
        return [Problem(str(path), lines.get(loc, 1), loc, outside)]
    problem = predictions_path_problem(path.parent / target)
    if problem is None:
        return []
    return [Problem(str(path), lines.get(loc, 1), loc, f"{problem}: {target} (paths are relative to the profile's "
                    f"folder{confinement.expansion_hint(target, '; ')})")]


def predictions_path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a predictions file, if it visibly cannot."""
    try:
        path.stat()
    except OSError as exc:  # missing, a loop of links, a name too long, a folder we may not enter
        return document.os_problem(exc, path)
    except ValueError:  # a NUL character, which no file name can hold
        return "cannot be read (the name holds a NUL character)"
    if path.is_dir():
        return "is a folder, not a file"
    return None


def field_problems(data: Any, source: str | None, lines: Lines | None = None) -> list[Problem]:
    """Every problem of ``data`` as a profile (``source`` None: typed answers, which have no file)."""
    if not isinstance(data, dict):
        return [not_a_mapping(data, source, lines,
                              "the profile must be a YAML mapping with version, project and scores")]
    lines = lines if lines is not None else Lines()
    problems = [Problem(source, lines.near(loc) if source else None, loc, message)
                for loc, message in volume_problems(data)]
    try:
        Profile.model_validate(data)
    except ValidationError as exc:
        problems += problems_of(exc.errors(), Profile, data, source, lines)
    return sorted_problems(problems)


def json_schema() -> dict:
    """JSON Schema of profile version 1, for editors (yaml-language-server)."""
    schema = Profile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "advisor project profile, version 1"
    return strip_expect(schema)


def strip_expect(node):
    if isinstance(node, dict):
        return {key: strip_expect(value) for key, value in node.items() if key != "expect"}
    if isinstance(node, list):
        return [strip_expect(item) for item in node]
    return node
