"""The two context facts of interface section 6: failure_cause and current_approach."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import profile, rubric
from advisor.errors import ProfileError

HEAD = """\
version: 1
project: {name: Fraud scoring}
scores: {quality_gap: 1, data_readiness: 4, latency: 3, cost: 3, governance: 3, control: 1}
context:
"""


def load(tmp_path: Path, context: str) -> profile.Profile:
    path = tmp_path / "profile.yaml"
    path.write_text(HEAD + context, encoding="utf-8")
    return profile.load_profile(path).profile


@pytest.mark.parametrize("cause", ["knowledge", "behaviour", "coverage", "confidence"])
@pytest.mark.parametrize("approach", ["none", "pretrained", "fine_tune", "calibrate", "from_scratch"])
def test_every_cause_and_approach_of_the_interface_loads(tmp_path, cause, approach):
    loaded = load(tmp_path, f"  failure_cause: {cause}\n  current_approach: {approach}\n")
    assert (loaded.context.failure_cause, loaded.context.current_approach) == (cause, approach)


def test_null_or_absent_means_unknown(tmp_path):
    loaded = load(tmp_path, "  failure_cause: null\n")
    assert loaded.context.failure_cause is None and loaded.context.current_approach is None


def test_a_misspelt_cause_or_approach_names_line_field_and_choices(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(HEAD + "  failure_cause: retrieval\n  current_approach: finetune\n", encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        profile.load_profile(path)
    assert info.value.details == [
        f"{path}:5: context.failure_cause: must be one of knowledge, behaviour, coverage, confidence (got 'retrieval')",
        f"{path}:6: context.current_approach: must be one of none, pretrained, fine_tune, calibrate, from_scratch "
        f"(got 'finetune')",
    ]


def test_json_schema_lists_the_choices():
    context = profile.json_schema()["$defs"]["Context"]["properties"]
    assert {"enum": ["knowledge", "behaviour", "coverage", "confidence"], "type": "string"} in \
        context["failure_cause"]["anyOf"]
    assert {"enum": ["none", "pretrained", "fine_tune", "calibrate", "from_scratch"], "type": "string"} in \
        context["current_approach"]["anyOf"]


def test_rules_can_read_both_as_texts_with_their_choices():
    facts = rubric.vocabulary()["fact"]
    assert facts["failure_cause"].type == "text" and facts["failure_cause"].choices == profile.FAILURE_CAUSES
    assert facts["current_approach"].choices == ("none",) + profile.STRATEGIES
    loaded = rubric.load_rubric()
    assert {"failure_cause", "current_approach"} <= set(loaded.facts)  # the questionnaire asks them
