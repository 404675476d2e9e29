"""The decision engine: profile + rubric (+ measured predictions) -> explained assessment.

The assessment dict returned by :func:`assess` is the JSON output of ``advisor
assess --format json`` (typed by :mod:`advisor.assessment`) and the only input of the reports. It must be
deterministic: no clocks, no unseeded randomness, floats rounded, and every
list whose order is not meaningful sorted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from advisor import __version__, crosscheck, economics, profile, rule, sensitivity
from advisor.assessment import Assessment
from advisor.errors import PredictionsError
from advisor.roadmap import schedule
from advisor.rubric import Rubric, default_rubric_name, load_rubric, vocabulary

DIGITS = sensitivity.DIGITS


@dataclass
class Decision:
    """One evaluation of the rubric for given dimension scores (what sensitivity re-runs)."""

    dimensions: dict[str, int]
    scores: dict[str, float] = field(default_factory=dict)
    contributions: dict[str, list[dict]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    blocked_by: dict[str, list[str]] = field(default_factory=dict)
    fired: list[dict] = field(default_factory=list)
    companions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str:
        return self.ranking[0]


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
    provisional = rule.evaluate(rub.readiness.condition, environment(decision.dimensions, facts, metrics))
    return build_assessment(loaded, rub, decision, self_scores, facts, metrics, measured, claimed, provisional,
                            money)


def money_figures(section, facts: dict, measured: dict | None, claimed: dict) -> dict | None:
    """The economics section's figures (None without one): what each strategy costs over the horizon."""
    return economics.assess_economics(section, economics.Evidence(
        monthly_volume=facts.get("monthly_volume"), current_approach=facts.get("current_approach"),
        measured_accuracy=(measured or {}).get("accuracy"), target_accuracy=claimed.get("target_accuracy")))


# --- decision ------------------------------------------------------------------------------


def effective_scores(self_scores: dict[str, int], metrics: dict) -> dict[str, int]:
    """Self-scores, with quality_gap raised to what a measured accuracy shortfall implies."""
    implied = crosscheck.evidence_quality_gap(metrics)
    scores = {name: self_scores[name] for name in profile.DIMENSIONS}
    if implied is not None and implied > scores["quality_gap"]:
        scores["quality_gap"] = implied
    return scores


def environment(dimensions: dict, facts: dict, metrics: dict) -> dict[str, dict]:
    return {"dimension": dimensions, "fact": facts, "metric": metrics}


def decide(rub: Rubric, self_scores: dict[str, int], facts: dict, metrics: dict) -> Decision:
    dims = effective_scores(self_scores, metrics)
    decision = Decision(dimensions=dims)
    env = environment(dims, facts, metrics)
    for strategy in rub.strategies:
        decision.contributions[strategy.id] = base_contributions(rub, strategy, dims)
        decision.blocked_by[strategy.id] = []
    for item in rub.rules:
        if rule.evaluate(item.condition, env):
            apply_rule(decision, item)
    finish(decision, rub)
    return decision


def base_contributions(rub: Rubric, strategy, dims: dict[str, int]) -> list[dict]:
    rows = [{"source": "base", "id": "base", "value": strategy.base, "detail": "starting score"}]
    for dimension in profile.DIMENSIONS:
        weight = rub.weight(dimension, strategy.id)
        if weight:
            rows.append({"source": "dimension", "id": dimension, "value": round(weight * dims[dimension], DIGITS),
                         "detail": f"{dimension} {dims[dimension]} x {weight:g}"})
    return rows


def apply_rule(decision: Decision, item) -> None:
    for effect in item.effects:
        target = effect.target
        decision.fired.append({"id": item.id, "effect": effect.kind, "target": target, "amount": effect.by,
                               "rationale": " ".join(item.rationale.split()), "source": item.source})
        if effect.adjust is not None:
            decision.contributions[target].append({"source": "rule", "id": item.id, "value": effect.by,
                                                   "detail": " ".join(item.rationale.split())})
        elif effect.veto is not None or effect.require is not None:
            decision.blocked_by[target].append(item.id)
        elif effect.companion is not None:
            decision.companions.append(target)
        else:
            decision.warnings.append(" ".join(effect.warn.split()))
            decision.fired[-1]["text"] = decision.warnings[-1]


def finish(decision: Decision, rub: Rubric) -> None:
    """Scores, statuses, ranking and companions from the contributions and fired effects."""
    vetoed = {f["target"] for f in decision.fired if f["effect"] == "veto"}
    order = {s.id: index for index, s in enumerate(rub.strategies)}
    for sid, rows in decision.contributions.items():
        decision.scores[sid] = round(sum(row["value"] for row in rows), DIGITS)
        decision.status[sid] = ("vetoed" if sid in vetoed else "gated" if decision.blocked_by[sid] else "eligible")
    decision.ranking = sorted(order, key=lambda s: (sensitivity.TIERS[decision.status[s]], -decision.scores[s], order[s]))
    rank = {sid: index for index, sid in enumerate(decision.ranking)}
    wanted = {c for c in decision.companions if c != decision.primary and decision.status[c] != "vetoed"}
    decision.companions = sorted(wanted, key=rank.__getitem__)
    # A companion effect aimed at the primary (or at a vetoed strategy) changes nothing;
    # listing it as fired would explain an outcome that did not happen.
    decision.fired = [f for f in decision.fired if f["effect"] != "companion" or f["target"] in wanted]
    decision.warnings = list(dict.fromkeys(decision.warnings))


# --- predictions ---------------------------------------------------------------------------


def predictions_line(loaded) -> str:
    line = loaded.lines.get(("baseline", "predictions"), 1) if loaded.lines else 1
    return f"{loaded.path}:{line}: baseline.predictions"


def load_predictions(loaded):
    """Load the attached predictions; every failure names the profile field that points at them."""
    from advisor import calibration as cal

    path = loaded.predictions_path
    where = predictions_line(loaded)
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


def build_assessment(loaded, rub, decision, self_scores, facts, metrics, measured, claimed, provisional,
                     money=None) -> dict:
    """The JSON-ready assessment, validated by :class:`advisor.assessment.Assessment` (a key
    added here must be added there too, with its description)."""
    primary = decision.primary
    margin = margin_of(decision)
    stages, launch = roadmap_weeks(rub, decision, facts)
    return Assessment.from_engine({
        "advisor_version": __version__,
        "recommendation": {
            "primary": primary,
            "companions": decision.companions,
            "summary": summary(rub, decision, margin, provisional),
            "reason": main_reason(decision),
            "provisional": provisional,
            "margin": margin,
            "first_steps": first_steps(rub, primary, provisional),
        },
        "strategies": strategy_rows(rub, decision),
        "dimensions": dimension_rows(rub, decision, self_scores),
        "rules": decision.fired,
        "calibration": calibration_section(measured, claimed, metrics, self_scores["quality_gap"]),
        "metrics": rounded(metrics),
        **sensitivity_sections(rub, decision, self_scores, facts, metrics, measured, claimed,
                               loaded.profile.economics),
        "weight_perturbation": perturbation(rub, decision),
        "roadmap": stages,
        "launch": launch,
        "economics": money,
        "metrics_to_track": [item.model_dump() for item in rub.metrics_to_track],
        "rollout_gates": list(rub.rollout_gates),
        "warnings": decision.warnings,
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
    closest = sensitivity.closest_values(lambda scores: (rerun(scores).ranking, rerun(scores).scores),
                                         self_scores, primary)
    for row in flips:
        row["closest"] = closest[row["dimension"]]
    conditions = [item.condition for item in rub.rules]
    found = sensitivity.fact_sensitivity(outcome, conditions, vocabulary()["fact"], facts, measured, claimed)
    names = {s.id: s.name for s in rub.strategies}
    dimension_names = {d.id: d.name for d in rub.dimensions}
    return {
        "sensitivity": flips,
        "fact_sensitivity": found,
        "what_would_change": sensitivity.what_would_change(flips, closest, found, primary, names, dimension_names),
    }


def margin_of(decision: Decision) -> float:
    """Primary's lead over the runner-up in rank order (negative when a blocked rival scores higher)."""
    if len(decision.ranking) < 2:
        return 0.0
    return round(decision.scores[decision.primary] - decision.scores[decision.ranking[1]], DIGITS)


def summary(rub: Rubric, decision: Decision, margin: float, provisional: bool) -> str:
    primary = rub.strategy(decision.primary)
    runner = rub.strategy(decision.ranking[1]) if len(decision.ranking) > 1 else None
    text = f"{primary.name} is the strategy to pursue now (score {decision.scores[primary.id]:.2f}"
    if runner and margin < 0:
        # A blocked strategy can outscore the primary; say why it still is not the answer.
        rules = ", ".join(decision.blocked_by[runner.id])
        text += (f"; {runner.name.lower()} scores higher ({decision.scores[runner.id]:.2f}) but is "
                 f"{decision.status[runner.id]} by {rules} until its prerequisites are met).")
    else:
        text += f"; margin {margin:+.2f} over {runner.name.lower()})." if runner else ")."
    reason = main_reason(decision)
    if reason:
        text += f" Main reason: {reason}"
    if decision.status[primary.id] != "eligible":
        text += " Every strategy is blocked by a rule; this one is the least blocked - resolve its prerequisites first."
    if decision.companions:
        text += " Then add: " + "; ".join(rub.strategy(c).name.lower() for c in decision.companions) + "."
    if provisional:
        text += " " + " ".join(rub.readiness.summary.split())
    return text


def first_steps(rub: Rubric, primary: str, provisional: bool) -> list[str]:
    """Readiness steps (when provisional), then the primary's steps, as the rubric writes them.

    A strategy step that restates a readiness step is the rubric's to fix; `rubric lint` reports it.
    """
    readiness = list(rub.readiness.first_steps) if provisional else []
    return readiness + list(rub.strategy(primary).first_steps)


def main_reason(decision: Decision) -> str | None:
    """The rationale of the rule that raised the primary's score the most, if any did."""
    boosts = [row for row in decision.contributions[decision.primary] if row["source"] == "rule" and row["value"] > 0]
    if not boosts:
        return None
    return max(boosts, key=lambda row: row["value"])["detail"]


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


def perturbation(rub: Rubric, decision: Decision) -> dict:
    ids = [s.id for s in rub.strategies]
    weights = np.array([[rub.weight(d, s) for s in ids] for d in profile.DIMENSIONS], dtype=float)
    fixed = np.array([sum(row["value"] for row in decision.contributions[s] if row["source"] != "dimension")
                      for s in ids])
    return sensitivity.weight_perturbation(ids, list(profile.DIMENSIONS), decision.dimensions, weights, fixed,
                                           decision.status, decision.primary)


def roadmap(rub: Rubric, decision: Decision) -> list[dict]:
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
