"""The profile's ``economics`` section as people write it: the questionnaire's questions and
help, and the YAML a written profile (or ``advisor init``) shows.

No click here: the terminal session asks these questions; this module says what they are,
reads the typed answers (:func:`advisor.economics.parse_typed_amount`) and writes the YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from advisor.economics import DEFAULT_CURRENCY, DEFAULT_HORIZON, MAX_HORIZON, STRATEGY_IDS

INTRO = ("Optional: what each strategy would cost this project. advisor then compares the total "
         "cost of ownership over a horizon (12 months by default) and the cost per successful outcome. "
         "Give only the figures you know: advisor invents no prices. Any figure can be a range, "
         "typed as 40000-80000 or [40000, 80000].")


@dataclass(frozen=True)
class Question:
    key: str          # field name in the section (or in a strategy's figures)
    text: str
    help: str
    kind: str         # "amount" (money or a range), "rate" (0..1 or a range), "label", "months"


SECTION_QUESTIONS = (
    Question("currency", "Currency label for the amounts?",
             f"A label only, such as EUR or USD; nothing is converted. Default {DEFAULT_CURRENCY}.", "label"),
    Question("horizon_months", "Over how many months should the costs be totalled?",
             f"The decision guide asks for the total cost of ownership over 12 months, not just the build "
             f"cost. A whole number from 1 to {MAX_HORIZON}; default {DEFAULT_HORIZON}.", "months"),
    Question("cost_per_error", "What does one wrong outcome cost downstream?",
             "Rework, refunds, manual review or lost business caused by one wrong answer. Leave it blank "
             "and wrong outcomes are not costed.", "amount"),
)
FIGURE_QUESTIONS = (
    Question("build", "One-off cost to build it?",
             "Everything before it runs: integration, prompt and retrieval work, data labelling, training "
             "runs, evaluation. Blank if unknown.", "amount"),
    Question("monthly", "Fixed cost per month?",
             "Costs that do not grow with traffic: hosting reserved capacity, licences, retraining, the "
             "people who keep it running. Blank if unknown.", "amount"),
    Question("per_request", "Cost of one request?",
             "The marginal cost of one request or prediction (API tokens, GPU time). Needs the monthly "
             "volume (context.monthly_volume). Blank if unknown.", "amount"),
    Question("success_rate", "Share of successful outcomes, from 0 to 1?",
             "The share of requests this strategy would get right, such as 0.92, or a range such as "
             "0.90-0.95. Blank if unknown: with measured predictions attached, advisor uses the measured "
             "accuracy for the strategy in production and for calibrating it.", "rate"),
)
STRATEGY_PROMPT = "Give figures for {name} ({sid})?"


def yaml_number(value: Any) -> str:
    """A number as YAML reads it back as a number (PyYAML takes ``1e-05`` for text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def yaml_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_number(v) for v in value) + "]"
    return yaml_number(value)


EXAMPLE = {
    "currency": "USD",
    "horizon_months": 12,
    "cost_per_error": 4.0,
    "strategies": {
        "pretrained": {"build": 15000, "monthly": 6000, "per_request": [0.002, 0.004], "success_rate": 0.86},
        "fine_tune": {"build": [40000, 80000], "monthly": 9000, "per_request": 0.0009, "success_rate": [0.92, 0.95]},
    },
}
NOTES = {
    "currency": "a label for the amounts; nothing is converted",
    "horizon_months": "months the totals cover (default 12)",
    "cost_per_error": "what one wrong outcome costs downstream (rework, refunds, review)",
    "strategies": "any of " + ", ".join(STRATEGY_IDS) + "; each figure a number or a [low, high] range",
}


def yaml_lines(section: dict | None) -> list[str]:
    """The section as profile YAML lines: commented out with an example when ``section`` is None."""
    body = _section_lines(section if section is not None else EXAMPLE)
    if section is None:
        head = ["# Optional: what each strategy would cost, for the total cost of ownership over the horizon",
                "# and the cost per successful outcome. Give only what you know (advisor invents no prices);",
                "# per_request needs context.monthly_volume. Remove the leading '# ' to use it."]
        return head + ["# " + line for line in body]
    return ["# What each strategy would cost; each figure a number or a [low, high] range."] + body


def _section_lines(section: dict) -> list[str]:
    lines = ["economics:"]
    for key in ("currency", "horizon_months", "cost_per_error"):
        if section.get(key) is None:
            continue
        value = section[key] if key == "currency" else yaml_value(section[key])
        if key == "currency":
            value = _label(value)
        lines.append(f"  {key}: {value}  # {NOTES[key]}")
    strategies = section.get("strategies") or {}
    if strategies:
        lines.append(f"  strategies:  # {NOTES['strategies']}")
    for sid in STRATEGY_IDS:
        figures = strategies.get(sid)
        if figures is None:
            continue
        given = [f"{name}: {yaml_value(figures[name])}" for name in ("build", "monthly", "per_request", "success_rate")
                 if figures.get(name) is not None]
        lines.append(f"    {sid}: {{{', '.join(given)}}}")
    return lines


def _label(text: str) -> str:
    """A currency label as a YAML scalar (quoted unless plain letters, so `NO` or `1.5` stay text)."""
    if text.isalpha() and text.upper() not in ("NO", "YES", "ON", "OFF", "TRUE", "FALSE", "NULL", "Y", "N"):
        return text
    return "'" + text.replace("'", "''") + "'"
