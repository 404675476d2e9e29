"""The assessment must not contradict itself: sensitivity rows, first steps, fired rules, sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import loaded_profile

from advisor import engine, lint, profile, rubric
from advisor.resource import default_rubric_path

RUBRIC = rubric.load_rubric()
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example(name: str) -> dict:
    return engine.assess_file(EXAMPLES / name / "profile.yaml")


def rerun_margin(loaded, dimension: str, value: int) -> tuple[str, float]:
    """Primary and recommendation margin of the profile with one score changed."""
    data = loaded.profile.model_dump()
    data["scores"][dimension] = value
    changed = profile.LoadedProfile(profile=profile.validate_profile_data(data, "x.yaml"), path=loaded.path,
                                    text="", sha256="0" * 64)
    result = engine.assess(changed, RUBRIC, measured=None)
    return result["recommendation"]["primary"], result["recommendation"]["margin"]


# --- 1. the closest call agrees with the flip and with the re-run decision ------------------


def test_sovereign_moat_closest_margins_are_the_rerun_margins_signed_by_outcome():
    result = example("sovereign-moat")
    rows = {row["dimension"]: row for row in result["sensitivity"]}
    # data_readiness 3 vetoes from_scratch: fine_tune 5.5 - 2 (already failed) = 3.5 leads pretrained
    # -2.9 by 6.4, so the primary loses by 6.4 (not by from_scratch's vetoed raw lead).
    assert rows["data_readiness"]["closest"] == {"to": 3, "change": -2, "margin": -6.4, "alternative": "fine_tune",
                                                 "primary_holds": False, "rivals_blocked": False}
    # quality_gap 2 gates from_scratch (the gap is small enough for adaptation): fine_tune 3.3 against -1.8.
    assert rows["quality_gap"]["closest"] == {"to": 2, "change": -3, "margin": -5.1, "alternative": "fine_tune",
                                              "primary_holds": False, "rivals_blocked": False}
    # governance 4 keeps from_scratch, by more: governance weighs against owning a model (9.1 against 4.4).
    assert rows["governance"]["closest"]["margin"] == 4.7 and rows["governance"]["closest"]["primary_holds"]
    assert result["recommendation"]["close_call"] is False


@pytest.mark.parametrize("name", ["sovereign-moat", "urgent-launch", "recurring-failures"])
def test_closest_rows_agree_with_flips_and_reruns(name):
    loaded = profile.load_profile(EXAMPLES / name / "profile.yaml")
    result = engine.assess(loaded, RUBRIC)
    primary = result["recommendation"]["primary"]
    for row in result["sensitivity"]:
        closest, flip = row["closest"], row["flip"]
        new_primary, margin = rerun_margin(loaded, row["dimension"], closest["to"])
        assert closest["primary_holds"] == (new_primary == primary)
        if closest["primary_holds"]:
            assert closest["margin"] == margin
        else:
            assert closest["margin"] <= 0 and closest["margin"] == -abs(margin)
            assert closest["alternative"] == new_primary
        if flip is not None:
            assert (closest["to"], closest["alternative"]) == (flip["to"], flip["new_primary"])
    assert "-0.0" not in json.dumps(result["sensitivity"])


# --- 2. first steps are not repeated -----------------------------------------------------------


def test_urgent_launch_first_steps_do_not_repeat_the_readiness_steps():
    steps = example("urgent-launch")["recommendation"]["first_steps"]
    assert steps[:2] == list(RUBRIC.readiness.first_steps)
    assert sum("eval set" in step and "held-out" in step for step in steps) == 1
    assert sum(step.lower().startswith("measure") for step in steps) == 1
    assert len(steps) > 2


def test_lint_reports_a_strategy_step_that_restates_a_readiness_step(tmp_path):
    text = default_rubric_path().read_text(encoding="utf-8")
    readiness_step = RUBRIC.readiness.first_steps[0]
    copy = readiness_step.replace("Build", "Build up").rstrip(".") + "!"
    first = RUBRIC.strategy("pretrained").first_steps[0]
    path = tmp_path / "rubric.yaml"
    path.write_text(text.replace(f"      - {first}\n", f"      - {first}\n      - \"{copy}\"\n", 1))
    custom = rubric.load_rubric(path)
    problems = lint.lint_rubric(custom)
    assert any(f"strategy 'pretrained' repeats the readiness step {readiness_step!r}" in p.message for p in problems)
    assert lint.lint_rubric(RUBRIC) == []
    # The engine renders what the rubric says; it does not second-guess the author's text.
    urgent = loaded_profile([2, 1, 2, 2, 1, 1], {"launch_weeks": 6, "has_eval_set": False})
    assert copy in engine.assess(urgent, custom, measured=None)["recommendation"]["first_steps"]


# --- 3. companion effects on the primary itself did nothing -----------------------------------


@pytest.mark.parametrize("name, rule_id, primary", [("recurring-failures", "stage-fine-tune-next", "fine_tune"),
                                                     ("calibrate", "calibrate-alongside", "calibrate")])
def test_companion_rules_aimed_at_the_primary_are_not_listed(name, rule_id, primary):
    result = example(name)
    assert result["recommendation"]["primary"] == primary
    assert rule_id not in {fired["id"] for fired in result["rules"]}
    assert all(not (f["effect"] == "companion" and f["target"] == primary) for f in result["rules"])
    rationale = " ".join(next(r for r in RUBRIC.rules if r.id == rule_id).rationale.split())
    assert rationale not in json.dumps(result)


def test_calibrate_alongside_still_fires_when_calibrate_is_a_companion():
    result = example("recurring-failures")
    assert result["recommendation"]["companions"] == ["calibrate"]
    assert ("calibrate-alongside", "companion", "calibrate") in {(f["id"], f["effect"], f["target"])
                                                                for f in result["rules"]}


# --- 4. plain English, yes/no -------------------------------------------------------------------


def test_no_baseline_sentence_is_plain_english():
    words = example("calibrate")["what_would_change"]
    assert ("If no baseline were given (it is now measured from the attached predictions), Pre-trained model "
            "with prompting and retrieval would become the primary strategy.") in words
    assert not any("Without a baseline" in sentence for sentence in words)


@pytest.mark.parametrize("name", ["sovereign-moat", "urgent-launch", "recurring-failures", "calibrate"])
def test_engine_text_prints_booleans_as_yes_no(name):
    result = example(name)
    texts = result["what_would_change"] + [result["recommendation"]["summary"]] + result["warnings"]
    assert not any(word in text for text in texts for word in ("True", "False", "None"))
    flags = [e for e in result["fact_sensitivity"] if isinstance(e["to"], bool)]
    assert all(isinstance(e["from"], bool) or e["from"] is None for e in flags)


def test_indices_not_taken_from_the_guide_say_where_they_come_from():
    strategies = {s["id"]: s for s in example("calibrate")["strategies"]}
    assert "Not in the decision guide" in strategies["calibrate"]["indices_note"]
    assert strategies["fine_tune"]["indices_note"] is None
