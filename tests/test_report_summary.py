"""The report's executive summary and the evidence after it: one screen first, nothing repeated,
nothing generic that does not apply to the project."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import loaded_profile

from advisor import engine, report
from advisor.rubric import load_rubric

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUBRIC = load_rubric(None)


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"assessment_{name}.json").read_text())


def summary_of(text: str) -> str:
    return text[text.index("## Summary"):text.index("## Why")]


def example(name: str) -> str:
    return (EXAMPLES / name / "report.md").read_text(encoding="utf-8")


def test_main_reason_is_given_even_when_no_rule_favours_the_winner():
    plain = fixture("plain")
    assert not any(r["effect"] == "adjust" and r["target"] == "pretrained" for r in plain["rules"])
    text = summary_of(report.render_markdown(plain))
    # by hand: pretrained starts at 2.50, fine-tune at 1.00 + 1.20 (quality gap); no rule raises either
    assert ("- **Main reason:** No rule singles it out; it starts from a higher base score in the rubric than "
            "fine-tune a pre-trained model.\n") in text


def test_every_summary_line_is_its_own_list_item_and_first_steps_are_their_own_list():
    for name in ("urgent-launch", "recurring-failures", "sovereign-moat", "calibrate", "economics"):
        text = example(name)
        lines = summary_of(text).splitlines()
        items = [line for line in lines if line.startswith("- **")]
        assert items and items[0].startswith("- **Margin:**"), name
        assert any(line.startswith("- **Main reason:** ") for line in items), name
        # no summary paragraph glues a sentence onto "Main reason" (it would merge once rendered)
        body = [line for line in lines[1:] if line and not line.startswith(("- **", "**Decision", "The rest",
                                                                             "answer, the plan"))]
        assert body == [], (name, body)
        plan = text[text.index("## Plan"):]
        assert "\nFirst steps:\n\n1. " in plan, name
        before = text[:text.index("First steps:")]
        assert before.endswith("\n\n"), name


def test_summary_fits_one_screen_and_comes_first():
    for name in ("urgent-launch", "recurring-failures", "sovereign-moat", "calibrate", "economics"):
        text = example(name)
        assert text.index("## Summary") < text.index("## Why")
        assert len(summary_of(text).splitlines()) <= 16, name


def test_the_main_rationale_appears_once():
    text = example("calibrate")
    rationale = "calibrating is the cheapest fix and the one that addresses the actual problem"
    assert text.count(rationale) == 1
    assert "The main reason, given in the summary." in text


def test_score_breakdown_has_one_row_per_item_not_per_strategy_and_item():
    text = example("sovereign-moat")
    folded = text[text.index("<summary>How each score is built"):]
    folded = folded[:folded.index("</details>")]
    rows = [line for line in folded.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    assessment = engine.assess_file(EXAMPLES / "sovereign-moat" / "profile.yaml")
    adjusting = {r["id"] for r in assessment["rules"] if r["effect"] == "adjust"}
    # header + base + six dimensions + one per adjusting rule + total
    assert len(rows) == 1 + 1 + 6 + len(adjusting) + 1


def test_keep_the_current_approach_when_no_change_is_needed(tmp_path):
    shutil.copy(EXAMPLES / "calibrate" / "predictions.npz", tmp_path)
    profile = (EXAMPLES / "calibrate" / "profile.yaml").read_text()
    profile = profile.replace("confidence_used_downstream: true", "confidence_used_downstream: false")
    profile = profile.replace("  adaptation_tried: []", "  adaptation_tried: []\n  current_approach: pretrained")
    (tmp_path / "profile.yaml").write_text(profile)
    a = engine.assess_file(tmp_path / "profile.yaml")
    assert a["recommendation"]["change_needed"] is False
    text = summary_of(report.render_markdown(a))
    assert text.startswith("## Summary\n\n**Decision: Keep the current approach: pre-trained model with "
                           "prompting and retrieval**\n")
    assert "- **Decision:**" not in text and "Production is expected" not in text
    assert "- **Next step (week 1):** Keep measuring accuracy, ECE and task success on live traffic" in text


def test_close_call_and_provisional_are_said():
    data = fixture("plain")
    data["recommendation"]["close_call"] = True
    text = summary_of(report.render_markdown(data))
    assert "a close call; review it with the people who own the decision before committing" in text
    assert "- **Provisional:**" in text


def test_cost_line_for_the_primary_when_economics_are_given():
    text = summary_of(example("economics"))
    assessment = engine.assess_file(EXAMPLES / "economics" / "profile.yaml")
    primary = assessment["recommendation"]["primary"]
    total = next(s["total"] for s in assessment["economics"]["strategies"] if s["id"] == primary)
    line = next(line for line in text.splitlines() if line.startswith("- **12-month cost:**"))
    assert f"EUR {total['low']:,.0f} to {total['high']:,.0f}" in line
    assert "including the cost of wrong outcomes" in line
    assert "12-month cost" not in summary_of(example("calibrate"))


def test_top_risk_is_specific_to_the_project():
    # a launch the plan cannot make comes first
    a = engine.assess(loaded_profile([3, 4, 2, 3, 2, 1], {"launch_weeks": 1, "has_eval_set": False,
                                                          "failure_classes_known": True}), RUBRIC)
    text = summary_of(report.render_markdown(a))
    assert re.search(r"- \*\*Top risk:\*\* Production in weeks? [\d.-]+ cannot make the launch in week 1\.", text)
    # the calibrate example: the measured predictions contradict the claimed ECE
    assert "- **Top risk:** The claimed baseline is contradicted by the measured predictions" in example("calibrate")


@pytest.mark.parametrize("confidence, shown", [(False, False), (True, True)])
def test_confidence_gates_and_metrics_only_when_confidence_is_used(confidence, shown):
    context = {"has_eval_set": True, "failure_classes_known": True, "monthly_volume": 2_000_000,
               "confidence_used_downstream": confidence, "adaptation_tried": ["pretrained"]}
    a = engine.assess(loaded_profile([3, 4, 2, 3, 2, 1], context), RUBRIC)
    assert "calibrate" not in [a["recommendation"]["primary"], *a["recommendation"]["companions"]] or confidence
    text = report.render_markdown(a)
    plan_and_appendix = text[text.index("## Plan"):text.index("## Risks")] + text[text.index("## Appendix"):]
    assert ("expected calibration error" in plan_and_appendix.lower()) is shown


def test_next_step_names_its_week_and_the_launch():
    text = summary_of(example("recurring-failures"))
    assert re.search(r"- \*\*Next step \(week 1\):\*\* .+ Production is expected in weeks [\d.]+-[\d.]+ "
                     r"\(launch needed by week 16\)\.", text)


def test_what_would_change_is_in_the_summary_once():
    text = example("calibrate")
    first = engine.assess_file(EXAMPLES / "calibrate" / "profile.yaml")["what_would_change"][0]
    assert text.count(first) == 1
    assert f"- **What would change the answer:** {first}" in text.replace("\\", "")


def test_no_section_number_a_reader_cannot_look_up():
    for name in ("urgent-launch", "recurring-failures", "sovereign-moat", "calibrate", "economics"):
        assert "(section 5)" not in example(name)


def test_typed_and_plain_assessments_render_the_same():
    data = fixture("calibrated")
    from advisor.assessment import Assessment

    assert report.render_markdown(Assessment.model_validate(copy.deepcopy(data))) == report.render_markdown(data)


def test_a_lead_over_blocked_rivals_is_not_called_a_margin():
    text = summary_of(example("urgent-launch"))
    a = engine.assess_file(EXAMPLES / "urgent-launch" / "profile.yaml")
    assert all(s["status"] != "eligible" for s in a["strategies"][1:])
    assert ("- **Margin:** It is the only strategy open now: every other one is gated or vetoed by a rule of the "
            "rubric (see the ranking)") in text
    assert "points ahead of" not in text
