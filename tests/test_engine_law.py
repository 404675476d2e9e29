"""The decision guide's law as a property of the default rubric, over the whole profile space.

"The goal is to choose the lightest option that reliably meets product, risk, and economic
targets" (decision guide, conclusion): a project that is less ready (no eval set, fewer labels,
failure classes unknown, lower data readiness) or less constrained (lower control, lower
quality gap, no sovereignty, no moat) must never get a heavier primary, where
pretrained = calibrate < fine_tune < from_scratch.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import crosscheck, decision, profile, rubric

RUBRIC = rubric.load_rubric()
WEIGHT = {"pretrained": 0, "calibrate": 0, "fine_tune": 1, "from_scratch": 2}
LABELS = [0, 120, 500, 999, 1000, 5000, 100_000, 999_999, 1_000_000, 5_000_000]
# Flags from more to less: a fact known to hold, unknown, known not to hold.
FLAG_ORDER = [True, None, False]

flags = st.sampled_from(FLAG_ORDER)
contexts = st.fixed_dictionaries({
    "launch_weeks": st.one_of(st.none(), st.sampled_from([0, 1, 3, 6, 10, 30, 104, 200])),
    "labeled_examples": st.one_of(st.none(), st.sampled_from(LABELS)),
    "has_eval_set": flags,
    "failure_classes_known": flags,
    "monthly_volume": st.one_of(st.none(), st.sampled_from([100, 50_000, 100_000, 5_000_000])),
    "confidence_used_downstream": flags,
    "high_stakes": flags,
    "sovereignty_required": flags,
    "proprietary_data_moat": flags,
    "adaptation_tried": st.lists(st.sampled_from(profile.STRATEGIES), unique=True, max_size=4),
    "failure_cause": st.one_of(st.none(), st.sampled_from(profile.FAILURE_CAUSES)),
    "current_approach": st.one_of(st.none(), st.sampled_from(profile.APPROACHES)),
})
scores = st.lists(st.integers(0, 5), min_size=6, max_size=6)
fraction = st.one_of(st.none(), st.sampled_from([0.5, 0.8, 0.85, 0.9, 0.93, 0.95, 0.99]))
baselines = st.one_of(st.none(), st.fixed_dictionaries({
    "accuracy": fraction, "ece": st.one_of(st.none(), st.sampled_from([0.01, 0.04, 0.06, 0.2])),
    "target_accuracy": fraction}))


@st.composite
def measurements(draw):
    """None, or a hand-built measurement (the fields the engine reads)."""
    if not draw(st.booleans()):
        return None
    accuracy = draw(st.sampled_from([0.6, 0.85, 0.9, 0.95, 0.99]))
    ece = draw(st.sampled_from([0.01, 0.03, 0.08, 0.2]))
    return {"accuracy": accuracy, "ece": ece,
            "intervals": {"accuracy": [accuracy - 0.02, accuracy + 0.02], "ece": [max(0.0, ece - 0.02), ece + 0.02]},
            "significance": {"p_value": draw(st.sampled_from([0.001, 0.4]))},
            "post_calibration": {"temperature": {"ece": 0.02}}}


def primary(score_list, context, baseline, measured) -> str:
    facts = profile.Context(**context).model_dump()
    claimed = crosscheck.claims_of(profile.Baseline(**baseline) if baseline else None)
    self_scores = dict(zip(profile.DIMENSIONS, score_list, strict=True))
    metrics = crosscheck.compute_metrics(measured, claimed, self_scores["quality_gap"])
    return decision.decide(RUBRIC, self_scores, facts, metrics).primary


def lowered_scores(score_list):
    """One notch less of data readiness, control or quality gap."""
    for name in ("data_readiness", "control", "quality_gap"):
        index = profile.DIMENSIONS.index(name)
        if score_list[index] > 0:
            yield name, score_list[:index] + [score_list[index] - 1] + score_list[index + 1:]


def lowered_facts(context):
    """Each single step towards less ready or less constrained."""
    for name in ("has_eval_set", "failure_classes_known", "sovereignty_required", "proprietary_data_moat"):
        for weaker in FLAG_ORDER[FLAG_ORDER.index(context[name]) + 1:]:
            yield f"{name}={weaker}", {**context, name: weaker}
    labels = context["labeled_examples"]
    if labels is not None:
        for fewer in (n for n in LABELS if n < labels):
            yield f"labeled_examples={fewer}", {**context, "labeled_examples": fewer}


@settings(max_examples=400, deadline=None)
@given(scores, contexts, baselines, measurements())
def test_less_ready_or_less_constrained_never_gets_a_heavier_primary(score_list, context, baseline, measured):
    before = WEIGHT[primary(score_list, context, baseline, measured)]
    for change, lower in lowered_scores(score_list):
        after = primary(lower, context, baseline, measured)
        assert WEIGHT[after] <= before, (change, after)
    for change, weaker in lowered_facts(context):
        after = primary(score_list, weaker, baseline, measured)
        assert WEIGHT[after] <= before, (change, after)


def test_the_law_holds_by_hand_on_the_sovereign_example():
    # From scratch, then one step less on each side: never heavier, and fine-tuning where the
    # step closes the from-scratch path.
    context = dict(sovereignty_required=True, proprietary_data_moat=True, has_eval_set=True,
                   failure_classes_known=True, labeled_examples=3_000_000, adaptation_tried=["pretrained", "fine_tune"])
    full = [5, 5, 3, 2, 5, 5]
    assert primary(full, context, None, None) == "from_scratch"
    assert primary(full, {**context, "has_eval_set": None}, None, None) != "from_scratch"
    assert primary(full, {**context, "labeled_examples": 50_000}, None, None) != "from_scratch"
    assert primary([5, 3, 3, 2, 5, 5], context, None, None) != "from_scratch"
    # Control 5 (own the weights, sovereign) is a hard constraint of its own: lower it as well.
    assert primary([5, 5, 3, 2, 5, 4], {**context, "sovereignty_required": False, "proprietary_data_moat": False},
                   None, None) != "from_scratch"


@settings(max_examples=300, deadline=None)
@given(scores, contexts, baselines, measurements())
def test_whatever_blocks_fine_tuning_blocks_training_from_scratch(score_list, context, baseline, measured):
    # From scratch inherits every prerequisite of fine-tuning, so blocking fine-tuning can never
    # leave the heaviest option as the one open path. (A model trained from scratch that already
    # runs and meets its targets is kept, whatever starting one would need.)
    facts = profile.Context(**context).model_dump()
    claimed = crosscheck.claims_of(profile.Baseline(**baseline) if baseline else None)
    self_scores = dict(zip(profile.DIMENSIONS, score_list, strict=True))
    result = decision.decide(RUBRIC, self_scores, facts,
                             crosscheck.compute_metrics(measured, claimed, self_scores["quality_gap"]))
    if result.change_needed and result.status["fine_tune"] != "eligible":
        assert result.status["from_scratch"] != "eligible", result.blocked_by


@settings(max_examples=300, deadline=None)
@given(scores, contexts, baselines, measurements())
def test_no_blocked_strategy_ever_ranks_above_an_eligible_one(score_list, context, baseline, measured):
    # Interface section 3, including when the current approach is kept.
    facts = profile.Context(**context).model_dump()
    claimed = crosscheck.claims_of(profile.Baseline(**baseline) if baseline else None)
    self_scores = dict(zip(profile.DIMENSIONS, score_list, strict=True))
    result = decision.decide(RUBRIC, self_scores, facts,
                             crosscheck.compute_metrics(measured, claimed, self_scores["quality_gap"]))
    tiers = [decision.TIERS[result.status[sid]] for sid in result.ranking]
    assert tiers == sorted(tiers)
    assert result.primary not in result.companions
