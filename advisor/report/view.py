"""What the built-in report templates see: the typed assessment and the reader-facing view.

One view serves the Markdown, HTML and ADR templates, so the three formats say the same
things; the templates only lay it out and escape it.
"""

from __future__ import annotations

from pathlib import Path

from advisor.assessment import Assessment
from advisor.calibration.interval import THIN_COUNT
from advisor.report import evidence, inputs, measured, summary


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
        "bin_rows": measured.reliability_rows(a),
        "thin_count": THIN_COUNT,
        "more_measures": measured.more_measures(a),
        "post": measured.post_rows(a),
        "segments": measured.segment_rows(a),
        "segment_sentence": measured.segment_sentence(a),
        "selective": measured.selective_sentence(a),
        "concentration": measured.concentration_sentence(a),
        "measurement_notes": measured.measurement_notes(a),
        "index_keys": [k for k in INDEX_ORDER if any(k in s.indices for s in a.strategies)],
    }


INDEX_ORDER = ("quality", "relative_cost", "launch_speed", "control", "setup_complexity", "data_requirements",
               "governance_burden")
