"""What the built-in report templates see: the typed assessment and the reader-facing view.

One view serves the Markdown, HTML and ADR templates, so the three formats say the same
things; the templates only lay it out and escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.assessment import Assessment
from advisor.calibration.interval import THIN_COUNT
from advisor.report import evidence, inputs, summary


@dataclass
class BinRow:
    lower: float
    upper: float
    count: int
    confidence: float
    accuracy: float
    gap: float
    thin: bool


def reliability_rows(a: Assessment) -> list[BinRow]:
    """Non-empty reliability bins, each with its gap and whether it is too thin to weigh much."""
    if a.calibration is None:
        return []
    rows = []
    for b in a.calibration.measured.bins:
        if not b.count or b.confidence is None or b.accuracy is None:
            continue
        thin = b.thin if b.thin is not None else b.count < THIN_COUNT
        rows.append(BinRow(b.lower, b.upper, b.count, b.confidence, b.accuracy, b.accuracy - b.confidence, thin))
    return rows


def more_measures(a: Assessment) -> list[tuple[str, float | None, int]]:
    """(name, value, digits) of the secondary calibration measures that were computed."""
    if a.calibration is None:
        return []
    m = a.calibration.measured
    rows = [("MCE (largest bin gap)", m.mce, 4), ("NLL", m.nll, 4), ("Brier score", m.brier, 4),
            ("Fitted temperature", m.temperature, 3), ("ECE, equal-mass bins", m.ece_mass, 4),
            ("Class-wise ECE", m.classwise_ece, 4), ("Positive-class ECE (binary)", m.binary_positive_ece, 4),
            ("Debiased L2 calibration error", m.debiased_l2_error, 4)]
    return [row for row in rows if row[1] is not None]


POST_METHODS = (("before", "None (as measured)"), ("temperature", "Temperature scaling"),
                ("platt", "Platt scaling"), ("isotonic", "Isotonic regression"))


def post_rows(a: Assessment) -> list[tuple[str, object]]:
    if a.calibration is None or a.calibration.measured.post_calibration is None:
        return []
    post = a.calibration.measured.post_calibration
    if post.temperature is None and post.platt is None and post.isotonic is None:
        return []
    return [(name, getattr(post, key)) for key, name in POST_METHODS if getattr(post, key) is not None]


def context(a: Assessment, figures: dict | None = None, report_dir: Path | None = None) -> dict:
    """The context of the built-in templates. ``figures``: kind -> link (Markdown) or SVG text (HTML)."""
    brief = summary.summarize(a)
    all_risks = summary.risks(a, summary.names_of(a))
    return {
        "a": a,
        "s": brief,
        "figures": dict(figures or {}),
        "rules": evidence.fired_rules(a),
        "ranking": evidence.ranking(a),
        "breakdown": evidence.breakdown(a),
        "closest": evidence.closest_calls(a),
        "plan": evidence.plan(a),
        "confidence": evidence.uses_confidence(a),
        "other_risks": all_risks[1:],
        "inputs": inputs.collect(a, report_dir if report_dir is not None else Path.cwd()),
        "reliability": reliability_rows(a),
        "thin_count": THIN_COUNT,
        "more_measures": more_measures(a),
        "post": post_rows(a),
        "index_keys": [k for k in INDEX_ORDER if any(k in s.indices for s in a.strategies)],
    }


INDEX_ORDER = ("quality", "relative_cost", "launch_speed", "control", "setup_complexity", "data_requirements",
               "governance_burden")
