"""Money per strategy: the profile's ``economics`` section and the figures derived from it.

Interface sections 6 and 7 fix the arithmetic. With H the horizon in months, V the monthly
volume and, for one strategy, build b, monthly m, per-request r, success rate s and cost per
error e (0 when not given)::

    total                  = b + H*m + H*V*r + H*V*(1 - s)*e
    per_successful_outcome = (b + H*m + H*V*r) / (H*V*s)

Each input is a number or a ``[low, high]`` range. The ``low`` end of a result takes the low
end of every cost and the high end of ``s``; the ``high`` end the opposite; a number is both
ends. The expressions are evaluated in exactly that order, so a reader who recomputes them
from the JSON inputs gets the same floats.

advisor invents no prices: a figure that is not given is *missing* (and named), never taken
as zero. The one default of the contract is ``cost_per_error`` = 0; the others this module
applies (horizon, currency label, and a success rate equal to the measured accuracy for the
model in production and for calibrating it, since calibration does not change accuracy) are
listed in the output's ``defaults``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator

# The strategy ids in their canonical order (profile.STRATEGIES; repeated here because the
# profile model imports this module).
STRATEGY_IDS = ("pretrained", "fine_tune", "calibrate", "from_scratch")
COSTS = ("build", "monthly", "per_request")
COMPONENTS = ("build", "running", "requests", "errors")
DEFAULT_CURRENCY = "USD"
# The decision guide asks for the total cost of ownership over 12 months.
DEFAULT_HORIZON = 12
MAX_HORIZON = 600
MAX_CURRENCY = 12


def problem(message: str) -> ValueError:
    """A problem in advisor's words: the profile's problem list shows a validator's message as written."""
    return ValueError(message)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    return str(value)


def _number(value: Any, what: str, lowest: float, highest: float | None) -> float:
    """One end of an amount, checked; raises the problem a reader needs to fix it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise problem(f"must be {what} (got {_shown(value)}){_quoted_hint(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise problem(f"must be {what}; {str(value)[:12]}... is too large to compute with") from None
    if not math.isfinite(number):
        raise problem(f"must be a finite number (got {_shown(value)})")
    if number < lowest or (highest is not None and number > highest):
        raise problem(f"must be {what} (got {_shown(value)})")
    return number


def _quoted_hint(value: Any) -> str:
    """How to write a figure typed as text ("40000-80000" where YAML needs a list)."""
    if not isinstance(value, str):
        return ""
    try:
        typed = parse_typed_amount(value)
    except ValueError:
        return ""
    if isinstance(typed, list):
        return f"; write a range as a list: [{typed[0]}, {typed[1]}]"
    return f"; write the number without quotes: {typed}"


def _amount_validator(what: str, lowest: float, highest: float | None):
    """A number or a ``[low, high]`` list of two, each end in range, low not above high."""
    expect = f"{what}, or a [low, high] range of them"

    def check(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise problem(f"a range has exactly two ends, [low, high] (got {_shown(value)})")
            low = _number(value[0], what, lowest, highest)
            high = _number(value[1], what, lowest, highest)
            if low > high:
                raise problem(f"the low end {value[0]} is above the high end {value[1]}; write [{value[1]}, {value[0]}]")
            return [value[0], value[1]]
        _number(value, expect, lowest, highest)
        return value

    return check


def _amount_schema(lowest: float, highest: float | None, description: str) -> dict:
    bound: dict[str, Any] = {"type": "number", "minimum": lowest}
    if highest is not None:
        bound["maximum"] = highest
    return {"anyOf": [bound, {"type": "array", "prefixItems": [bound, bound], "items": False, "minItems": 2},
                      {"type": "null"}],
            "description": description}


MONEY = "an amount of money of 0 or more"
RATE = "a share from 0 to 1"
_check_money = _amount_validator(MONEY, 0.0, None)
Money = Annotated[Any | None, PlainValidator(_check_money),
                  WithJsonSchema(_amount_schema(0.0, None, "an amount of money, or a [low, high] range"))]
Rate = Annotated[Any | None, PlainValidator(_amount_validator(RATE, 0.0, 1.0)),
                 WithJsonSchema(_amount_schema(0.0, 1.0, "a share from 0 to 1, or a [low, high] range"))]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StrategyFigures(_Model):
    build: Money = Field(None, description="one-off cost to build, adapt or integrate the strategy")
    monthly: Money = Field(None, description="fixed cost per month (hosting, licences, retraining, people)")
    per_request: Money = Field(None, description="marginal cost of one request or prediction")
    success_rate: Rate = Field(None, description="expected share of successful outcomes, 0..1")


class StrategyTable(_Model):
    pretrained: StrategyFigures | None = None
    fine_tune: StrategyFigures | None = None
    calibrate: StrategyFigures | None = None
    from_scratch: StrategyFigures | None = None


class Economics(_Model):
    currency: Annotated[str, Field(min_length=1, max_length=MAX_CURRENCY, strict=True,
                                   json_schema_extra={"expect": f"a currency label of 1 to {MAX_CURRENCY} characters"})] = Field(
        DEFAULT_CURRENCY, description="a label for the amounts, such as USD or EUR; nothing is converted")
    horizon_months: Annotated[int, Field(ge=1, le=MAX_HORIZON, strict=True,
                                         json_schema_extra={"expect": f"a whole number of months from 1 to {MAX_HORIZON}"})] = Field(
        DEFAULT_HORIZON, description="months the total cost of ownership covers (default 12)")
    cost_per_error: Money = Field(None, description="what one wrong outcome costs downstream (rework, refunds, review)")
    strategies: StrategyTable = Field(default_factory=StrategyTable,
                                      description="figures per strategy id; any subset of the four")

    @field_validator("currency")
    @classmethod
    def _plain_label(cls, value: str) -> str:
        if not value.strip() or any(not (ch.isprintable()) for ch in value):
            raise problem(f"must be a printable label such as USD or EUR (got {_shown(value)})")
        return value


NUMBER = re.compile(r"^(?:(?:\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)[kKmM]?$")
SCALES = {"k": 1_000, "m": 1_000_000}  # 40k, 1.5M
RANGE_SEPARATOR = re.compile(r"\s*(?:\u2013|\.\.|\bto\b)\s*|(?<=[\d.kKmM])\s*-\s*(?=[\d.])")


def parse_typed_amount(text: str) -> Any:
    """A figure typed at the questionnaire: ``0.002``, ``40,000``, ``40000-80000``, ``40000 to 80000``
    or ``[40000, 80000]`` -> a number or a ``[low, high]`` list (checked later, like a file's value).

    Raises ValueError, in the questionnaire's words, when the text is neither.
    """
    typed = text.strip()
    if typed.startswith("[") and typed.endswith("]"):
        parts = [part.strip() for part in typed[1:-1].split(",")]
    elif re.search(r",\s", typed):  # "40000, 80000", as a range is shown back; "40,000" is one number
        parts = [part.strip() for part in re.split(r",\s+", typed)]
    else:
        parts = RANGE_SEPARATOR.split(typed, maxsplit=1)
    if len(parts) > 2 or not all(NUMBER.match(part) for part in parts):
        raise ValueError(f"type a number (such as 40000 or 0.002) or a range low-high (such as 40000-80000 or "
                         f"[40000, 80000]); got {text.strip()!r}")
    values = [_typed_number(part) for part in parts]
    return values[0] if len(values) == 1 else values


def _typed_number(part: str) -> int | float:
    plain = part.replace(",", "").replace("_", "")
    scale = SCALES.get(plain[-1:].lower(), 1)
    plain = plain[:-1] if scale != 1 else plain
    value = int(plain) * scale if plain.isdigit() else float(plain) * scale
    return int(value) if isinstance(value, float) and scale != 1 and value.is_integer() else value


VOLUME_NEEDED = ("a per-request cost needs context.monthly_volume (requests per month) to become money; "
                 "add it, or remove per_request")


def volume_problems(data: Any) -> list[tuple[tuple, str]]:
    """Per-request costs need ``context.monthly_volume``: (location, message) for each one given without it.

    Works on the raw profile mapping, so it is reported with the other problems of a file.
    """
    if not isinstance(data, dict):
        return []
    context = data.get("context")
    if isinstance(context, dict) and context.get("monthly_volume") is not None:
        return []
    economics = data.get("economics")
    table = economics.get("strategies") if isinstance(economics, dict) else None
    if not isinstance(table, dict):
        return []
    found = []
    for sid, figures in table.items():
        if sid in STRATEGY_IDS and isinstance(figures, dict) and _valid_money(figures.get("per_request")):
            found.append((("economics", "strategies", sid, "per_request"), VOLUME_NEEDED))
    return found


def _valid_money(value: Any) -> bool:
    """A given figure that passes its own check (one that does not is reported for that alone)."""
    if value is None:
        return False
    try:
        _check_money(value)
    except ValueError:
        return False
    return True


# --- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    low: float
    high: float

    @classmethod
    def of(cls, value: Any) -> Span | None:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return cls(float(value[0]), float(value[1]))
        return cls(float(value), float(value))

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high}


NO_SPAN = {"low": None, "high": None}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _product(*factors: float) -> float | None:
    """The factors multiplied left to right (the contract's order), or None when the result is too
    large for a float (a volume of 10**400)."""
    try:
        result = factors[0]
        for factor in factors[1:]:
            result = result * factor
    except OverflowError:
        return None
    return _finite(result)


def _quotient(numerator: float, denominator: float) -> float | None:
    if denominator == 0:
        return None
    try:
        return _finite(numerator / denominator)
    except OverflowError:
        return None


def _pair(low: float | None, high: float | None) -> dict:
    return {"low": low, "high": high}


@dataclass(frozen=True)
class Inputs:
    """One strategy's figures as used: costs and success rate after defaults."""

    build: Span | None
    monthly: Span | None
    per_request: Span | None
    success_rate: Span | None


def components(x: Inputs, horizon: int, volume: int | None, error_cost: Span | None) -> dict[str, dict]:
    """Build, running, requests and errors over the horizon, each ``{low, high}`` (None where unknown)."""
    H, V = horizon, volume
    b, m, r, s = x.build, x.monthly, x.per_request, x.success_rate
    out = {"build": _pair(b.low, b.high) if b else dict(NO_SPAN),
           "running": _pair(_product(H, m.low), _product(H, m.high)) if m else dict(NO_SPAN),
           "requests": dict(NO_SPAN), "errors": dict(NO_SPAN)}
    if r is not None and V is not None:
        out["requests"] = _pair(_product(H, V, r.low), _product(H, V, r.high))
    if error_cost is None or error_cost.high == 0:
        out["errors"] = _pair(0.0, 0.0)  # e = 0 (the contract's default): errors cost nothing whatever s and V are
    elif V is not None and s is not None:
        e = error_cost
        out["errors"] = _pair(_product(H, V, 1 - s.high, e.low), _product(H, V, 1 - s.low, e.high))
    return out


def total_of(parts: dict[str, dict]) -> dict:
    """``b + H*m + H*V*r + H*V*(1 - s)*e`` per end, summed in the contract's order."""
    ends = {}
    for end in ("low", "high"):
        values = [parts[name][end] for name in COMPONENTS]
        ends[end] = None if any(v is None for v in values) else _finite(values[0] + values[1] + values[2] + values[3])
    return ends


def per_success(x: Inputs, horizon: int, volume: int | None) -> dict:
    """``(b + H*m + H*V*r) / (H*V*s)`` per end; None where unknown or where no outcome succeeds."""
    H, V = horizon, volume
    b, m, r, s = x.build, x.monthly, x.per_request, x.success_rate
    if b is None or m is None or r is None or s is None or V is None:
        return dict(NO_SPAN)
    return _pair(_per_success_end(b.low, m.low, r.low, s.high, H, V),
                 _per_success_end(b.high, m.high, r.high, s.low, H, V))


def _per_success_end(b: float, m: float, r: float, s: float, H: int, V: int) -> float | None:
    running, requests, successes = _product(H, m), _product(H, V, r), _product(H, V, s)
    if running is None or requests is None or successes is None:
        return None
    return _quotient(b + running + requests, successes)


def break_even(a: Inputs, b: Inputs, horizon: int, error_cost: Span | None) -> dict | None:
    """The monthly volume at which two strategies' totals are equal, per end.

    A total is ``F + V*k`` with F = b + H*m and k = H*r + H*(1 - s)*e, so the lines cross at
    V* = (F_b - F_a) / (k_a - k_b). Each end pairs like ends (low with low). Where they do not
    cross at a positive volume, ``monthly_volume`` is None and ``cheaper_below`` and
    ``cheaper_above`` both name the strategy that is cheaper at every volume (None on a tie).
    """
    lines_a, lines_b = _lines(a, horizon, error_cost), _lines(b, horizon, error_cost)
    if lines_a is None or lines_b is None:
        return None
    return {end: _crossing(lines_a[end], lines_b[end]) for end in ("low", "high")}


def _lines(x: Inputs, horizon: int, error_cost: Span | None) -> dict | None:
    H = horizon
    e = error_cost or Span(0.0, 0.0)
    b, m, r = x.build, x.monthly, x.per_request
    if b is None or m is None or r is None or (x.success_rate is None and e.high > 0):
        return None
    s = x.success_rate or Span(1.0, 1.0)  # unused when e = 0
    try:
        low = (b.low + H * m.low, H * r.low + H * (1 - s.high) * e.low)
        high = (b.high + H * m.high, H * r.high + H * (1 - s.low) * e.high)
    except OverflowError:
        return None
    if not all(math.isfinite(v) for v in low + high):
        return None
    return {"low": low, "high": high}


def _crossing(line_a: tuple[float, float], line_b: tuple[float, float]) -> dict:
    (fixed_a, slope_a), (fixed_b, slope_b) = line_a, line_b
    volume = None
    if slope_a != slope_b:
        volume = _finite((fixed_b - fixed_a) / (slope_a - slope_b))
    if volume is not None and volume > 0:
        below = "a" if fixed_a < fixed_b else "b"
        above = "a" if slope_a < slope_b else "b"
        return {"monthly_volume": volume, "cheaper_below": below, "cheaper_above": above}
    # No crossing at a positive volume: one line lies below the other at every positive volume.
    if slope_a != slope_b:
        winner: str | None = "a" if slope_a < slope_b else "b"
    else:
        winner = None if fixed_a == fixed_b else ("a" if fixed_a < fixed_b else "b")
    return {"monthly_volume": None, "cheaper_below": winner, "cheaper_above": winner}


# --- the whole section ---------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What the rest of the assessment knows that the figures can use."""

    monthly_volume: int | None = None
    current_approach: str | None = None   # context.current_approach
    measured_accuracy: float | None = None
    target_accuracy: float | None = None


def strategy_inputs(figures: StrategyFigures, sid: str, evidence: Evidence) -> tuple[Inputs, dict | None]:
    """The figures as used, and the default applied to ``success_rate`` if one was."""
    rate = Span.of(figures.success_rate)
    default = None
    if rate is None and evidence.measured_accuracy is not None:
        reason = None
        if sid == "calibrate":
            reason = ("the measured accuracy of the attached predictions: calibration changes how confident "
                      "the model says it is, not how often it is right")
        elif sid == evidence.current_approach:
            reason = "the measured accuracy of the attached predictions, taken from the strategy in production"
        if reason:
            accuracy = float(evidence.measured_accuracy)
            rate = Span(accuracy, accuracy)
            default = {"field": f"economics.strategies.{sid}.success_rate", "value": accuracy, "reason": reason}
    return Inputs(Span.of(figures.build), Span.of(figures.monthly), Span.of(figures.per_request), rate), default


def missing_inputs(sid: str, x: Inputs, volume: int | None) -> list[str]:
    """The fields that would complete this strategy's figures, in the order a reader fills them in."""
    missing = [f"economics.strategies.{sid}.{name}" for name in COSTS if getattr(x, name) is None]
    if x.success_rate is None:
        missing.append(f"economics.strategies.{sid}.success_rate")
    if volume is None:
        missing.append("context.monthly_volume")
    return missing


def notes_of(sid: str, x: Inputs, volume: int | None, total: dict, per: dict, missing: list[str],
             evidence: Evidence) -> list[str]:
    """Why a result is empty although nothing is missing, and figures that contradict the evidence."""
    notes = []
    rate = x.success_rate
    if volume == 0 and rate is not None:
        notes.append("No cost per successful outcome: the monthly volume is 0.")
    elif rate is not None and rate.high == 0:
        notes.append("No cost per successful outcome: the success rate is 0.")
    elif rate is not None and rate.low == 0:
        notes.append("No cost per successful outcome at the high end: the low end of the success rate is 0.")
    elif not missing and None in (per["low"], per["high"]):
        notes.append("The cost per successful outcome is too large to compute.")
    if not missing and None in (total["low"], total["high"]):
        notes.append("The total is too large to compute.")
    if (sid == "calibrate" and evidence.measured_accuracy is not None and rate is not None
            and not rate.low <= evidence.measured_accuracy <= rate.high):
        notes.append(f"The success rate given for calibrating differs from the measured accuracy "
                     f"{evidence.measured_accuracy:.4f}, although calibration does not change accuracy.")
    return notes


def meets_target(x: Inputs, target: float | None) -> bool | None:
    """True when even the low end of the success rate reaches the target, False when the high end misses it."""
    if target is None or x.success_rate is None:
        return None
    if x.success_rate.low >= target:
        return True
    if x.success_rate.high < target:
        return False
    return None


def assess_economics(econ: Economics | None, evidence: Evidence) -> dict | None:
    """The ``economics`` object of the assessment (interface section 7), or None without a section."""
    if econ is None:
        return None
    H, V = econ.horizon_months, evidence.monthly_volume
    error_cost = Span.of(econ.cost_per_error)
    defaults = section_defaults(econ)
    rows, inputs = [], {}
    for sid in STRATEGY_IDS:
        figures = getattr(econ.strategies, sid)
        if figures is None:
            continue
        x, default = strategy_inputs(figures, sid, evidence)
        if default:
            defaults.append(default)
        inputs[sid] = x
        parts = components(x, H, V, error_cost)
        per = per_success(x, H, V)
        total = total_of(parts)
        missing = missing_inputs(sid, x, V)
        rows.append({
            "id": sid,
            "inputs": {name: (getattr(x, name).as_dict() if getattr(x, name) else None)
                       for name in (*COSTS, "success_rate")},
            "success_rate_source": None if x.success_rate is None else ("measured" if default else "profile"),
            "components": parts,
            "total": total,
            "per_successful_outcome": per,
            "meets_target": meets_target(x, evidence.target_accuracy),
            "missing": missing,
            "notes": notes_of(sid, x, V, total, per, missing, evidence),
        })
    return {
        "currency": econ.currency,
        "horizon_months": H,
        "monthly_volume": V,
        "cost_per_error": error_cost.as_dict() if error_cost else None,
        "target_accuracy": evidence.target_accuracy,
        "strategies": rows,
        "break_even": break_evens(inputs, H, error_cost),
        **comparisons(rows, target_known=evidence.target_accuracy is not None,
                      errors_priced=error_cost is not None and error_cost.high > 0),
        "defaults": defaults,
        "missing": [f"economics.strategies.{sid}" for sid in STRATEGY_IDS if sid not in inputs],
    }


# What rules may read (metrics of the rubric's vocabulary); None without an economics section.
METRICS = {
    "cheapest_over_horizon": "the strategy with the lowest total over the horizon at both ends "
                             "(among at least two priced strategies)",
    "cheapest_meeting_target": "the same, among the strategies whose success rate reaches the target accuracy",
    "clearly_costlier": "strategies whose low-end total is above the high-end total of an alternative "
                        "that meets the target",
}


def metrics_of(section: dict | None) -> dict[str, Any]:
    """The economics metrics rules can test, from :func:`assess_economics`' result."""
    if section is None:
        return dict.fromkeys(METRICS)
    return {"cheapest_over_horizon": section["cheapest"], "cheapest_meeting_target": section["cheapest_meeting_target"],
            "clearly_costlier": list(section["clearly_costlier"])}


def section_defaults(econ: Economics) -> list[dict]:
    given = econ.model_fields_set
    found: list[dict[str, Any]] = []
    if "currency" not in given:
        found.append({"field": "economics.currency", "value": DEFAULT_CURRENCY,
                      "reason": "not given; a label only, amounts are taken as written"})
    if "horizon_months" not in given:
        found.append({"field": "economics.horizon_months", "value": DEFAULT_HORIZON,
                      "reason": "not given; the decision guide's 12-month total cost of ownership"})
    if econ.cost_per_error is None:
        found.append({"field": "economics.cost_per_error", "value": 0,
                      "reason": "not given, so wrong outcomes are not costed (the errors component is 0)"})
    return found


def break_evens(inputs: dict[str, Inputs], horizon: int, error_cost: Span | None) -> list[dict]:
    found = []
    ids = list(inputs)
    for i, first in enumerate(ids):
        for second in ids[i + 1:]:
            ends = break_even(inputs[first], inputs[second], horizon, error_cost)
            if ends is None:
                continue
            names = {"a": first, "b": second, None: None}
            found.append({"strategies": [first, second], **{
                end: {"monthly_volume": cross["monthly_volume"], "cheaper_below": names[cross["cheaper_below"]],
                      "cheaper_above": names[cross["cheaper_above"]]} for end, cross in ends.items()}})
    return found


def comparisons(rows: list[dict], target_known: bool, errors_priced: bool) -> dict:
    """What rules may read: the cheapest strategy over the horizon (overall, and among those that
    meet the accuracy target) and the strategies whose low end costs more than an alternative's high end.

    "Cheapest" means lowest total at both ends, among at least two priced strategies; otherwise None.
    An alternative counts against a strategy only when it meets the accuracy target, or, with no
    target known, when wrong outcomes are priced into the totals (a cheaper option that fails more
    is then already charged for it).
    """
    priced = [row for row in rows if None not in (row["total"]["low"], row["total"]["high"])]
    meeting = [row for row in priced if row["meets_target"]]
    costlier = set()
    for row in priced:
        for other in priced:
            if other is row or other["total"]["high"] >= row["total"]["low"]:
                continue
            if other["meets_target"] or (not target_known and errors_priced):
                costlier.add(row["id"])
    return {
        "cheapest": _cheapest(priced) if len(priced) >= 2 else None,
        "cheapest_meeting_target": _cheapest(meeting) if len(priced) >= 2 and meeting else None,
        "clearly_costlier": [sid for sid in STRATEGY_IDS if sid in costlier],
    }


def _cheapest(rows: list[dict]) -> str | None:
    """The strategy whose total is lowest at both ends (no tie), else None."""
    winners = set()
    for end in ("low", "high"):
        values = sorted((row["total"][end], row["id"]) for row in rows)
        if len(values) > 1 and values[0][0] == values[1][0]:
            return None
        winners.add(values[0][1])
    return winners.pop() if len(winners) == 1 else None
