"""The decision engine: profile + rubric (+ measured predictions) -> explained assessment.

The assessment dict returned by :func:`assess` is the JSON output of ``advisor
assess --format json`` (typed by :mod:`advisor.assessment`) and the only input of the reports. It must be
deterministic: no clocks, no unseeded randomness, floats rounded, and every
list whose order is not meaningful sorted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from advisor import __version__, confinement, crosscheck, economics, profile, rule, sensitivity
from advisor import recommendation as words
from advisor.assessment import Assessment
from advisor.decision import DIGITS, Decision, decide, random_tuning
from advisor.errors import PredictionsError
from advisor.roadmap import schedule
from advisor.rubric import Rubric, default_rubric_name, load_rubric, vocabulary

# --- entry points --------------------------------------------------------------------------


def assess_file(profile_path, rubric_path=None) -> dict:
    """Load, measure and assess; raises the advisor's input errors on bad files."""
    loaded = profile.load_profile(profile_path)
    return assess(loaded, load_rubric(rubric_path))


def validate_file(profile_path, rubric_path=None) -> str:
    """Check a profile, the rubric and any attached predictions; a one-paragraph summary on success."""
    loaded = profile.load_profile(profile_path)
    rub = load_rubric(rubric_path)
    p = loaded.profile
    known = sorted(name for name, value in p.context.model_dump().items() if value not in (None, []))
    lines = [f"{loaded.path}: OK - project '{p.project.name}', 6 scores, "
             f"{len(known)} context facts ({', '.join(known) or 'none'}), rubric {rub.name} ({rub.path})"]
    if loaded.predictions_path is not None and p.baseline is not None:
        preds = load_predictions(loaded)
        lines.append(f"  predictions {p.baseline.predictions}: {preds.n_samples} samples, "
                     f"{preds.n_classes} classes ({preds.kind})")
    elif p.baseline is not None:
        lines.append("  baseline: claimed values only (no predictions attached)")
    return "\n".join(lines)


def assess(loaded, rub: Rubric, measured: dict | bool | None = True) -> dict:
    """The full assessment of a loaded profile.

    ``measured``: True = measure the attached predictions (if any); a dict = use this
    measurement instead (tests); None/False = ignore predictions.
    """
    p = loaded.profile
    if measured is True:
        measured = measure_attached(loaded)
    measured = measured or None
    claimed = crosscheck.claims_of(p.baseline)
    self_scores = p.scores.model_dump()
    facts = p.context.model_dump()
    money = money_figures(p.economics, facts, measured, claimed)
    metrics = crosscheck.compute_metrics(measured, claimed, self_scores["quality_gap"], money)
    decision = decide(rub, self_scores, facts, metrics)
    return build_assessment(loaded, rub, decision, self_scores, facts, metrics, measured, claimed, money)


def money_figures(section, facts: dict, measured: dict | None, claimed: dict) -> dict | None:
    """The economics section's figures (None without one): what each strategy costs over the horizon."""
    return economics.assess_economics(section, economics.Evidence(
        monthly_volume=facts.get("monthly_volume"), current_approach=facts.get("current_approach"),
        measured_accuracy=(measured or {}).get("accuracy"), target_accuracy=claimed.get("target_accuracy")))


# --- predictions ---------------------------------------------------------------------------


def predictions_line(loaded) -> str:
    line = loaded.lines.get(("baseline", "predictions"), 1) if loaded.lines else 1
    return f"{loaded.path}:{line}: baseline.predictions"


def load_predictions(loaded):
    """Load the attached predictions; every failure names the profile field that points at them."""
    from advisor import calibration as cal

    path = loaded.predictions_path
    where = predictions_line(loaded)
    outside = confinement.outside_problem(loaded.path, loaded.profile.baseline.predictions)
    if outside is not None:  # load_profile refuses it too; this is where the file would be read
        raise PredictionsError(f"{where}: {outside}")
    problem = profile.predictions_path_problem(path)
    if problem is not None:
        raise PredictionsError(f"{where}: {problem}: {loaded.profile.baseline.predictions} "
                               f"(paths are relative to the profile's folder)")
    try:
        return cal.load_predictions(path)
    except cal.PredictionsFormatError as exc:
        raise PredictionsError(f"{where}: {exc}") from None
    except OSError as exc:
        raise PredictionsError(f"{where}: cannot read {loaded.profile.baseline.predictions} ({exc})") from None


def measure_attached(loaded) -> dict | None:
    if loaded.predictions_path is None:
        return None
    from advisor import calibration as cal

    preds = load_predictions(loaded)
    try:
        baseline = loaded.profile.baseline
        measured = cal.measure(preds, target_accuracy=baseline.target_accuracy if baseline else None)
    except cal.PredictionsFormatError as exc:
        raise PredictionsError(f"{predictions_line(loaded)}: {exc}") from None
    # Name the file as the profile does: an absolute path would make the JSON differ between machines.
    measured["source"] = loaded.profile.baseline.predictions
    return measured


def file_sha256(path: Path) -> str:
    """SHA-256 of a file read in 1 MB pieces: predictions files can be larger than memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


# --- the assessment dict -------------------------------------------------------------------


def build_assessment(loaded, rub, decision, self_scores, facts, metrics, measured, claimed, money=None) -> dict:
    """The JSON-ready assessment, validated by :class:`advisor.assessment.Assessment` (a key
    added here must be added there too, with its description)."""
    primary = decision.primary
    margin = words.margin_of(decision)
    ready = words.readiness(rub, decision, facts, metrics)
    stages, launch = roadmap_weeks(rub, decision, facts)
    tracked = [item.model_dump() for item in rub.metrics_to_track]
    found = sensitivity_sections(rub, decision, self_scores, facts, metrics, measured, claimed,
                                 loaded.profile.economics)
    robustness = perturbation(rub, self_scores, facts, metrics, primary)
    dimension_names = {d.id: d.name for d in rub.dimensions}
    reasons = words.close_call(rub, decision, margin, found["sensitivity"], robustness, dimension_names)
    return Assessment.from_engine({
        "advisor_version": __version__,
        "recommendation": {
            "primary": primary,
            "companions": decision.companions,
            "summary": words.summary(rub, decision, margin, ready, metrics, [item["name"] for item in tracked]),
            "reason": words.main_reason(rub, decision),
            "provisional": ready.provisional,
            "margin": margin,
            "first_steps": words.first_steps(rub, decision, ready),
            "change_needed": decision.change_needed,
            "close_call": bool(reasons),
            "close_call_reasons": reasons,
        },
        "strategies": strategy_rows(rub, decision),
        "dimensions": dimension_rows(rub, decision, self_scores),
        "rules": decision.fired,
        "calibration": calibration_section(measured, claimed, metrics, self_scores["quality_gap"]),
        "metrics": rounded(metrics),
        **found,
        "weight_perturbation": robustness,
        "roadmap": stages,
        "launch": launch,
        "economics": money,
        "metrics_to_track": tracked,
        "rollout_gates": list(rub.rollout_gates),
        "warnings": decision.warnings + crosscheck.measurement_warnings(measured),
        "inputs": inputs(loaded, rub),
    })


def sensitivity_sections(rub, decision, self_scores, facts, metrics, measured, claimed, section=None) -> dict:
    """``sensitivity`` (dimension flips plus the closest call), ``fact_sensitivity``, ``what_would_change``."""
    cache: dict[tuple, Decision] = {}

    def rerun(scores: dict) -> Decision:
        key = tuple(scores[name] for name in profile.DIMENSIONS)
        if key not in cache:
            cache[key] = decide(rub, scores, facts, metrics)
        return cache[key]

    def outcome(new_facts: dict, new_measured: dict | None, new_claimed: dict) -> tuple[str, list[str]]:
        new_money = money_figures(section, new_facts, new_measured, new_claimed)
        new_metrics = crosscheck.compute_metrics(new_measured, new_claimed, self_scores["quality_gap"], new_money)
        result = decide(rub, self_scores, new_facts, new_metrics)
        return result.primary, result.companions

    primary = decision.primary
    flips = sensitivity.dimension_flips(lambda scores: rerun(scores).primary, self_scores, primary)
    closest = sensitivity.closest_values(
        lambda scores: (rerun(scores).ranking, rerun(scores).scores, rerun(scores).status), self_scores, primary)
    for row in flips:
        row["closest"] = closest[row["dimension"]]
    found = sensitivity.fact_sensitivity(outcome, decisive_conditions(rub), vocabulary()["fact"], facts, measured,
                                         claimed)
    names = {s.id: s.name for s in rub.strategies}
    dimension_names = {d.id: d.name for d in rub.dimensions}
    return {
        "sensitivity": flips,
        "fact_sensitivity": found,
        "what_would_change": sensitivity.what_would_change(flips, closest, found, primary, names, dimension_names),
    }


def decisive_conditions(rub: Rubric) -> list[rule.Condition]:
    """Every condition the decision reads, for the fact values worth trying: the rules, the
    keep condition, and the launch dates that gate or lower a strategy."""
    found = [item.condition for item in rub.rules]
    if rub.keep is not None:
        found.append(rub.keep.condition)
    if rub.launch_date is not None:
        found += [rule.Leaf("fact", "launch_weeks", "lt", end) for s in rub.strategies
                  for end in s.time_to_production_weeks]
    return found


def strategy_rows(rub: Rubric, decision: Decision) -> list[dict]:
    rows = []
    for rank, sid in enumerate(decision.ranking, start=1):
        strategy = rub.strategy(sid)
        rows.append({
            "id": sid, "name": strategy.name, "score": decision.scores[sid], "rank": rank,
            "status": decision.status[sid], "blocked_by": decision.blocked_by[sid],
            "purpose": " ".join(strategy.purpose.split()), "indices": dict(strategy.indices),
            "indices_note": " ".join(strategy.indices_note.split()) if strategy.indices_note else None,
            "contributions": decision.contributions[sid],
        })
    return rows


def dimension_rows(rub: Rubric, decision: Decision, self_scores: dict) -> list[dict]:
    rows = []
    for dim in rub.dimensions:
        score = decision.dimensions[dim.id]
        rows.append({"id": dim.id, "name": dim.name, "score": score, "level": dim.levels[score],
                     "self_score": self_scores[dim.id], "adjusted_by_evidence": score != self_scores[dim.id]})
    order = {name: index for index, name in enumerate(profile.DIMENSIONS)}
    return sorted(rows, key=lambda row: order[row["id"]])


def calibration_section(measured, claimed, metrics, quality_gap) -> dict | None:
    if measured is None:
        return None
    return {
        "measured": measured,
        "claimed": rounded(claimed),
        "findings": crosscheck.findings(measured, claimed, metrics, quality_gap),
        "evidence": "measured",
        "miscalibration_significant": metrics["miscalibration_significant"],
        "ece_after_temperature": rounded(metrics["ece_after_temperature"]),
    }


def perturbation(rub: Rubric, self_scores: dict, facts: dict, metrics: dict, primary: str) -> dict:
    """How often the primary survives random changes of the rubric's weights, amounts and thresholds."""
    def primary_under(rng, relative: float) -> str:
        return decide(rub, self_scores, facts, metrics, random_tuning(rub, rng, relative)).primary

    return sensitivity.perturbation(primary_under, primary)


def roadmap(rub: Rubric, decision: Decision) -> list[dict]:
    if not decision.change_needed and rub.keep is not None:
        return [{"stage": 1, "strategy": decision.primary, "when": "now: keep it running",
                 "actions": list(rub.keep.first_steps)}]
    stages = []
    for number, sid in enumerate([decision.primary] + decision.companions, start=1):
        step = rub.roadmap.get(sid)
        stages.append({"stage": number, "strategy": sid, "when": "now" if number == 1 else (step.when if step else "later"),
                       "actions": list(step.actions) if step else list(rub.strategy(sid).first_steps)})
    return stages


def roadmap_weeks(rub: Rubric, decision: Decision, facts: dict) -> tuple[list[dict], dict]:
    """The roadmap with each stage's weeks from today, and the launch summary (see advisor.roadmap)."""
    plan = rub.rollout_phases.model_dump() if rub.rollout_phases else {}
    weeks = {s.id: s.time_to_production_weeks for s in rub.strategies}
    if not decision.change_needed:
        # What is kept already runs in production: nothing to build, pilot or roll out.
        launch_weeks = facts.get("launch_weeks")
        return roadmap(rub, decision), {"launch_weeks": launch_weeks, "production": {"low": 0, "high": 0},
                                        "fits": None if launch_weeks is None else "fits", "flagged": [],
                                        "missing": []}
    return schedule(roadmap(rub, decision), weeks, plan, facts.get("has_eval_set"), facts.get("launch_weeks"))


def inputs(loaded, rub: Rubric) -> dict:
    p = loaded.profile
    predictions = None
    if loaded.predictions_path is not None:
        predictions = {"path": p.baseline.predictions, "sha256": file_sha256(loaded.predictions_path)}
    return {
        "profile": {"name": p.project.name, "summary": p.project.summary, "path": str(loaded.path),
                    "sha256": loaded.sha256, "context": p.context.model_dump(mode="json"),
                    "baseline": p.baseline.model_dump(mode="json") if p.baseline is not None else None},
        "rubric": {"name": rub.name, "version": str(rub.version), "path": rub.path, "sha256": rub.sha256,
                   "builtin": rub.path == default_rubric_name()},
        "predictions": predictions,
    }


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value
