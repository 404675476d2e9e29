"""What would flip the recommendation, checked by hand on a near-tie profile."""

from __future__ import annotations

import json

import pytest
from helpers import loaded_profile

from advisor import crosscheck, decision, engine, profile, rubric, rule, sensitivity

RUBRIC = rubric.load_rubric()


def assess(scores, context=None, baseline=None, measured=None):
    return engine.assess(loaded_profile(scores, context, baseline), RUBRIC, measured=measured)


def test_smallest_flips_on_a_near_tie():
    # All scores 2, no facts: pretrained 7 - 2*1.7 = 3.6, fine_tune 2*1.5 = 3.0 (margin 0.6).
    result = assess([2, 2, 2, 2, 2, 2])
    assert result["recommendation"]["primary"] == "pretrained"
    assert result["recommendation"]["margin"] == 0.6
    flips = {row["dimension"]: row["flip"] for row in result["sensitivity"]}
    # quality_gap 3: pretrained 3.1, fine_tune 3.4.
    assert flips["quality_gap"] == {"to": 3, "change": 1, "new_primary": "fine_tune"}
    # data_readiness 3: pretrained 3.4, fine_tune 3.5.
    assert flips["data_readiness"] == {"to": 3, "change": 1, "new_primary": "fine_tune"}
    # latency 3 moves the gap by 0.5 only (3.3 vs 3.2); at 4 the strict-latency rule fires too.
    assert flips["latency"] == {"to": 4, "change": 2, "new_primary": "fine_tune"}
    assert [row["score"] for row in result["sensitivity"]] == [2] * 6


def test_no_flip_is_null():
    result = assess([0, 0, 0, 0, 0, 0])
    flips = {row["dimension"]: row["flip"] for row in result["sensitivity"]}
    assert flips["governance"] is None  # pretrained keeps >= 6.5 against at most 1.5 for the others


def test_dimension_flips_prefers_the_smaller_change_then_the_lower_score():
    calls = []

    def primary_for(scores):
        calls.append(scores["a"])
        return "other" if scores["a"] in (1, 3) else "same"

    flips = sensitivity.dimension_flips(primary_for, {"a": 2}, "same")
    assert flips == [{"dimension": "a", "score": 2, "flip": {"to": 1, "change": -1, "new_primary": "other"}}]
    assert calls == [1]


def test_perturbation_by_hand():
    # One factor per trial in [0.8, 1.2]: A keeps the lead unless it drops below 0.9,
    # P = (0.9 - 0.8) / 0.4 = 0.25 of the trials go to B.
    result = sensitivity.perturbation(lambda rng, relative: "A" if rng.uniform(1 - relative, 1 + relative) >= 0.9
                                      else "B", "A", trials=4000)
    assert abs(result["alternatives"]["B"] - 0.25) < 0.03
    assert result["primary_survival"] + result["alternatives"]["B"] == 1.0
    assert result["varies"] == ["weights", "rule amounts", "thresholds"]


def test_perturbation_without_noise_reproduces_the_decision():
    # relative 0: every factor is 1 and every shift 0, so each trial is the decision itself.
    loaded = loaded_profile([2, 2, 2, 2, 2, 2])
    facts = loaded.profile.context.model_dump()
    scores = loaded.profile.scores.model_dump()
    metrics = crosscheck.compute_metrics(None, crosscheck.claims_of(None), 2)

    def primary_under(rng, relative):
        return decision.decide(RUBRIC, scores, facts, metrics, decision.random_tuning(RUBRIC, rng, relative)).primary

    assert sensitivity.perturbation(primary_under, "pretrained", trials=20, relative=0.0)["primary_survival"] == 1.0


def test_a_moved_threshold_changes_what_a_rule_sees():
    # latency 4 fires strict-latency (ge 4); the same threshold moved to 4.5 does not.
    plan = decision.plan_of(RUBRIC)
    leaf = next(leaf for leaf in plan.leaves if (leaf.kind, leaf.name, leaf.op, leaf.value) == ("dimension", "latency",
                                                                                                  "ge", 4))
    env = {"dimension": {"latency": 4}, "fact": {}, "metric": {}}
    assert rule.evaluate(leaf, env) and not rule.evaluate(leaf, env, {id(leaf): 4.5})


def test_perturbation_in_the_assessment_is_reproducible():
    first = assess([2, 2, 2, 2, 2, 2])["weight_perturbation"]
    second = assess([2, 2, 2, 2, 2, 2])["weight_perturbation"]
    assert first == second
    assert first["trials"] == 200 and first["relative"] == 0.2
    assert abs(sum(first["alternatives"].values()) - 1.0) < 1e-9
    assert first["primary_survival"] == first["alternatives"].get("pretrained", 0.0)


# --- closest call per dimension ------------------------------------------------------------


def test_closest_value_on_the_near_tie():
    result = assess([2, 2, 2, 2, 2, 2])
    closest = {row["dimension"]: row["closest"] for row in result["sensitivity"]}
    # governance 5: pretrained 7 - (1 + 0.4 + 0.6 + 0.4 + 0.5 + 0.8) = 3.3, fine_tune 0.8+1+0.4+0.4+0.5+0.2 = 3.3;
    # the tie goes to pretrained (rubric order), so no flip but a zero margin.
    assert closest["governance"] == {"to": 5, "change": 3, "margin": 0.0, "alternative": "fine_tune",
                                     "primary_holds": True, "rivals_blocked": False}
    assert next(r for r in result["sensitivity"] if r["dimension"] == "governance")["flip"] is None
    # The primary is lost from quality_gap 3 on; the closest value is that flip. There pretrained 3.1,
    # fine_tune 3.4: fine_tune's re-run margin 0.3, signed negative because the primary changed.
    assert closest["quality_gap"] == {"to": 3, "change": 1, "margin": -0.3, "alternative": "fine_tune",
                                      "primary_holds": False, "rivals_blocked": False}


def test_closest_values_prefers_lost_primary_then_smallest_margin_then_smallest_change():
    def standing_for(scores):
        a = scores["a"]
        totals = {"same": 5.0, "other": {0: 4.0, 1: 4.5, 3: 4.5, 4: 1.0, 5: 2.0}[a]}
        ranking = ["same", "other"] if a != 5 else ["other", "same"]  # a gate at 5
        return ranking, totals

    # "other" wins at 5 by the gate although it scores 3 less: the re-run margin 2 - 5 = -3 stays
    # negative (the primary is lost), never the +3 of the primary's raw lead.
    assert sensitivity.closest_values(standing_for, {"a": 2}, "same") == {
        "a": {"to": 5, "change": 3, "margin": -3.0, "alternative": "other", "primary_holds": False, "rivals_blocked": False}}

    def overtaken(scores):
        a = scores["a"]
        totals = {"same": 5.0, "other": 5.0 + a - 2}
        return sorted(totals, key=lambda s: -totals[s]), totals

    # Lost at 3, 4 and 5; the closest is the flip (3, margin -1), not the widest loss (5, margin -3).
    assert sensitivity.closest_values(overtaken, {"a": 2}, "same")["a"] == {
        "to": 3, "change": 1, "margin": -1.0, "alternative": "other", "primary_holds": False, "rivals_blocked": False}

    def no_gate(scores):
        _ranking, totals = standing_for(scores)
        return ["same", "other"], totals

    assert sensitivity.closest_values(no_gate, {"a": 2}, "same")["a"] == {
        "to": 1, "change": -1, "margin": 0.5, "alternative": "other", "primary_holds": True, "rivals_blocked": False}


# --- fact changes --------------------------------------------------------------------------


def subject(name):
    return rubric.vocabulary()["fact"][name]


def conditions():
    return [item.condition for item in RUBRIC.rules]


def test_thresholds_come_from_the_rule_conditions():
    assert sensitivity.thresholds(conditions(), subject("launch_weeks")) == [7, 8]          # lt 8
    # lt 1000 (thin data, overfitting) and lt 1,000,000 (data at scale for training from scratch)
    assert sensitivity.thresholds(conditions(), subject("labeled_examples")) == [999, 1000, 999_999, 1_000_000]
    assert sensitivity.thresholds(conditions(), subject("monthly_volume")) == [99999, 100000]  # ge 100000
    assert sensitivity.thresholds(conditions(), subject("has_eval_set")) == []


def test_thresholds_by_operator_within_the_range():
    count = rule.Subject("fact", "n", "number", 0, None, integer=True)
    leaf = lambda op, value: rule.Leaf("fact", "n", op, value)  # noqa: E731
    assert sensitivity.thresholds([leaf("le", 5)], count) == [5, 6]
    assert sensitivity.thresholds([leaf("gt", 5)], count) == [5, 6]
    assert sensitivity.thresholds([leaf("eq", 3)], count) == [2, 3, 4]
    assert sensitivity.thresholds([leaf("lt", 0)], count) == [0]  # -1 is out of range
    nested = rule.Group("not", (rule.Group("any", (leaf("in", (10, 20)), rule.Leaf("fact", "m", "ge", 50))),))
    assert sensitivity.thresholds([nested], count) == [9, 10, 11, 19, 20, 21]


def test_fact_values_per_type():
    assert sensitivity.fact_values([], subject("has_eval_set"), None) == [True, False]
    assert sensitivity.fact_values([], subject("has_eval_set"), True) == [False]
    assert sensitivity.fact_values(conditions(), subject("launch_weeks"), 7) == [8, None]
    assert sensitivity.fact_values(conditions(), subject("launch_weeks"), None) == [7, 8]
    assert sensitivity.fact_values([], subject("adaptation_tried"), ["fine_tune"]) == [
        ["pretrained", "fine_tune"], ["fine_tune", "calibrate"], ["fine_tune", "from_scratch"]]


def test_fact_flips_on_the_near_tie_by_hand():
    # pretrained 3.6 vs fine_tune 3.0. Sovereignty costs pretrained 1.5 (and gives fine_tune the
    # open-weights step, +1) and a failed pre-trained attempt costs it 1.5: both hand the lead to
    # fine_tune. A behaviour failure gives fine_tune 1.5; a confidence failure gives calibrate 4
    # (1.4 + 4 = 5.4). Confidence used downstream with an unknown ECE adds calibrate as a companion.
    result = assess([2, 2, 2, 2, 2, 2])
    assert result["fact_sensitivity"] == [
        {"fact": "adaptation_tried", "from": [], "to": ["pretrained"], "new_primary": "fine_tune",
         "new_companions": [], "changes": "primary"},
        {"fact": "failure_cause", "from": None, "to": "behaviour", "new_primary": "fine_tune",
         "new_companions": [], "changes": "primary"},
        {"fact": "failure_cause", "from": None, "to": "confidence", "new_primary": "calibrate",
         "new_companions": [], "changes": "primary"},
        {"fact": "sovereignty_required", "from": None, "to": True, "new_primary": "fine_tune",
         "new_companions": [], "changes": "primary"},
        {"fact": "confidence_used_downstream", "from": None, "to": True, "new_primary": "pretrained",
         "new_companions": ["calibrate"], "changes": "companions"},
    ]
    assert sensitivity.condition_phrase(result["fact_sensitivity"][3]) == (
        "If sovereignty required were yes instead of unknown")


def test_dimension_flips_and_fact_flips_are_ordered_by_size():
    words = assess([2, 2, 2, 2, 2, 2])["what_would_change"]
    # Dimension flips weigh |change| / 5, a learnt or flipped fact 1: five dimension flips (quality_gap and
    # data_readiness +1; latency, cost and control +2), then the first fact flip; the rest is cut at six.
    then = "Fine-tune a pre-trained model would become the primary strategy."
    assert words == [
        f"If Quality gap were scored 3 instead of 2, {then}",
        f"If Data readiness were scored 3 instead of 2, {then}",
        f"If Latency budget were scored 4 instead of 2, {then}",
        f"If Unit economics were scored 4 instead of 2, {then}",
        f"If Control requirements were scored 4 instead of 2, {then}",
        f"If adaptation tried also included pretrained, {then}",
    ]
    assert len(words) == sensitivity.MAX_SENTENCES


def test_launch_deadline_threshold_flips_the_primary():
    # [3, 2, 2, 2, 2, 2]: pretrained 3.1, fine_tune 3.4; a launch in 6 weeks with data_readiness 2
    # adds 2 to pretrained and takes 1 from fine_tune (5.1 vs 2.4). From 8 weeks that rule stops,
    # but until 12 weeks the launch falls inside fine-tuning's 4-12 weeks to production (-1:
    # pretrained 3.1 against 2.4); at 12 fine-tuning fits (3.1 vs 3.4).
    result = assess([3, 2, 2, 2, 2, 2], {"launch_weeks": 6})
    assert result["recommendation"]["primary"] == "pretrained"
    launch = [e for e in result["fact_sensitivity"] if e["fact"] == "launch_weeks"]
    assert launch == [
        {"fact": "launch_weeks", "from": 6, "to": 12, "new_primary": "fine_tune", "new_companions": [],
         "changes": "primary"},
        {"fact": "launch_weeks", "from": 6, "to": None, "new_primary": "fine_tune", "new_companions": [],
         "changes": "primary"},
    ]
    words = result["what_would_change"]
    # data_readiness 4 (size 2/5: at 3 the launch penalty leaves a 2.9 tie, which goes to pretrained) comes
    # first; 6 -> 12 weeks is size 6/12.
    assert words[0].startswith("If Data readiness were scored 4 instead of 2")
    assert words[1] == ("If launch weeks were 12 instead of 6, Fine-tune a pre-trained model would become the "
                        "primary strategy.")


CLAIMED = {"accuracy": 0.9, "ece": 0.1, "target_accuracy": 0.85}
CONFIDENT = {"has_eval_set": True, "failure_classes_known": True, "confidence_used_downstream": True}


def test_claims_moved_across_their_targets():
    # calibrate 1.7 + 6 (accurate but miscalibrated) = 7.7 against pretrained 4.6.
    result = assess([1, 3, 1, 2, 2, 1], CONFIDENT, CLAIMED)
    assert result["recommendation"]["primary"] == "calibrate"
    found = result["fact_sensitivity"]
    assert found == [
        # ECE at its target: the +6 goes, calibrate falls to 1.7. Size 0.05.
        {"fact": "baseline.ece", "from": 0.1, "to": 0.05, "new_primary": "pretrained", "new_companions": [],
         "changes": "primary"},
        # Accuracy just below its target gates calibrate; it stays a companion (confidence is used). Size 0.06.
        {"fact": "baseline.accuracy", "from": 0.9, "to": 0.84, "new_primary": "pretrained",
         "new_companions": ["calibrate"], "changes": "primary"},
        {"fact": "baseline", "from": "claimed", "to": None, "new_primary": "pretrained",
         "new_companions": ["calibrate"], "changes": "primary"},
        {"fact": "confidence_used_downstream", "from": True, "to": False, "new_primary": "pretrained",
         "new_companions": [], "changes": "primary"},
    ]
    words = result["what_would_change"]
    assert words[0] == ("If baseline ece were 0.05 instead of 0.1, Pre-trained model with prompting and retrieval "
                        "would become the primary strategy.")
    assert words[2].startswith("If no baseline were given (it is now claimed in the profile), Pre-trained model")


def test_measured_evidence_is_moved_without_measuring_again(monkeypatch, tmp_path):
    calls = []
    fake = {"accuracy": 0.93, "ece": 0.12, "n_samples": 2000, "n_classes": 10,
            "intervals": {"level": 0.95, "accuracy": [0.91, 0.95], "ece": [0.10, 0.14]},
            "significance": {"p_value": 0.001, "ece_if_calibrated": 0.01, "ece_if_calibrated_95": 0.02},
            "post_calibration": {"temperature": {"ece": 0.03}}}
    monkeypatch.setattr(engine, "measure_attached", lambda loaded: calls.append(1) or fake)
    baseline = {**CLAIMED, "ece": 0.03, "predictions": "p.npz"}
    (tmp_path / "p.npz").write_bytes(b"not read")
    loaded = loaded_profile([1, 3, 1, 2, 2, 1], CONFIDENT, baseline)
    loaded = profile.LoadedProfile(profile=loaded.profile, path=tmp_path / "t.yaml", text="", sha256="0" * 64)
    result = engine.assess(loaded, RUBRIC)
    assert calls == [1]
    assert result["recommendation"]["primary"] == "calibrate"
    moved = {e["fact"]: e for e in result["fact_sensitivity"]}
    assert moved["baseline.accuracy"]["from"] == 0.93 and moved["baseline.accuracy"]["to"] == 0.84
    assert moved["baseline.ece"]["from"] == 0.12 and moved["baseline.ece"]["to"] == 0.05
    assert moved["baseline"]["from"] == "measured" and moved["baseline"]["to"] is None


# --- the scenario profiles -----------------------------------------------------------------

URGENT = ([2, 1, 2, 2, 1, 1], dict(launch_weeks=6, labeled_examples=400, has_eval_set=False,
                                   failure_classes_known=False, monthly_volume=60000,
                                   confidence_used_downstream=False, high_stakes=False, sovereignty_required=False,
                                   proprietary_data_moat=False, adaptation_tried=[]))
RECURRING = ([3, 4, 2, 3, 2, 1], dict(launch_weeks=16, labeled_examples=20000, has_eval_set=True,
                                      failure_classes_known=True, monthly_volume=2_000_000,
                                      confidence_used_downstream=True, adaptation_tried=["pretrained"]),
             dict(accuracy=0.90, target_accuracy=0.97))


def test_urgent_launch_needs_more_than_an_eval_set_and_failure_analysis():
    scores, context = URGENT
    result = assess(scores, context)
    assert result["recommendation"]["primary"] == "pretrained"
    # No single fact changes the primary: only confidence use adds calibrate as a companion.
    assert [e["changes"] for e in result["fact_sensitivity"]] == ["companions"]
    assert result["what_would_change"][0].startswith("No single change of one score or one context fact")
    # Both prerequisites at once only lift fine_tune's gates: 1.3 against pretrained's 6.3 (the launch rule).
    both = assess(scores, {**context, "has_eval_set": True, "failure_classes_known": True})
    assert both["recommendation"]["primary"] == "pretrained"
    assert next(s for s in both["strategies"] if s["id"] == "fine_tune")["status"] == "eligible"


def test_recurring_failures_hinge_on_the_eval_set_and_the_failure_analysis():
    # Accuracy misses its target, so calibrate is gated: without fine-tuning the pre-trained model leads.
    result = assess(*RECURRING)
    assert result["recommendation"]["primary"] == "fine_tune"
    primary = {e["fact"]: e for e in result["fact_sensitivity"] if e["changes"] == "primary"}
    # Besides the two prerequisites: a launch in 3 weeks (before fine-tuning's 4 weeks at the earliest)
    # and failures traced to missing knowledge (retrieval work first) gate fine-tuning too.
    assert set(primary) == {"has_eval_set", "failure_classes_known", "launch_weeks", "failure_cause"}
    assert primary["has_eval_set"]["to"] is False and primary["has_eval_set"]["new_primary"] == "pretrained"
    assert (primary["launch_weeks"]["to"], primary["failure_cause"]["to"]) == (3, "knowledge")
    companions = [e for e in result["fact_sensitivity"] if e["changes"] == "companions"]
    assert companions == [{"fact": "confidence_used_downstream", "from": True, "to": False,
                           "new_primary": "fine_tune", "new_companions": [], "changes": "companions"}]


def test_new_keys_are_deterministic():
    first = json.dumps(assess(*RECURRING))
    second = json.dumps(assess(*RECURRING))
    assert first == second
    data = json.loads(first)
    assert {"fact_sensitivity", "what_would_change"} <= set(data)
    assert all(set(row) == {"dimension", "score", "flip", "closest"} for row in data["sensitivity"])


def test_a_primary_whose_rivals_are_all_blocked_never_has_a_closest_call_against_one():
    # the urgent launch: fine_tune is gated at every score, so "would lead Fine-tune by 4.00"
    # would name a rival no score can promote
    def standing_for(scores):
        return ["pretrained", "fine_tune"], {"pretrained": 4.0, "fine_tune": 2.0 + scores["a"] / 10}, \
            {"pretrained": "eligible", "fine_tune": "gated"}

    row = sensitivity.closest_values(standing_for, {"a": 2}, "pretrained")["a"]
    assert row["rivals_blocked"] is True and row["primary_holds"] is True
    sentence = sensitivity.closest_sentence({"a": row}, "pretrained", str, {"a": "A"})
    assert sentence == ("No single change of one score or one context fact changes the primary strategy: every "
                        "other strategy is blocked by a rule, so only meeting that rule's condition could change it.")


def test_rivals_in_the_primarys_own_tier_are_still_a_contest():
    # everything gated (a launch next week): scores still decide between gated strategies
    def standing_for(scores):
        return ["pretrained", "fine_tune"], {"pretrained": 4.0, "fine_tune": 3.8 + scores["a"] / 100}, \
            {"pretrained": "gated", "fine_tune": "gated"}

    row = sensitivity.closest_values(standing_for, {"a": 2}, "pretrained")["a"]
    assert row["rivals_blocked"] is False and row["margin"] == pytest.approx(0.15)
