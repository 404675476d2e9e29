"""What would flip the recommendation, checked by hand on a near-tie profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advisor import engine, profile, rubric, sensitivity

RUBRIC = rubric.load_rubric()


def assess(scores, context=None):
    data = {"version": 1, "project": {"name": "t"}, "scores": dict(zip(profile.DIMENSIONS, scores)),
            "context": context or {}}
    loaded = profile.LoadedProfile(profile=profile.validate_profile_data(data, "t.yaml"), path=Path("t.yaml"),
                                   text="", sha256="0" * 64)
    return engine.assess(loaded, RUBRIC, measured=None)


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


def test_weight_perturbation_by_hand():
    # Two strategies; only weights differ. x = 1; A: 1.0*w, B: fixed 0.9 (no weight).
    # A wins unless its factor drops below 0.9: P = (0.9 - 0.8) / 0.4 = 0.25 of the trials go to B.
    result = sensitivity.weight_perturbation(
        ["A", "B"], ["d"], {"d": 1}, np.array([[1.0, 0.0]]), np.array([0.0, 0.9]),
        {"A": "eligible", "B": "eligible"}, "A", trials=4000)
    assert abs(result["alternatives"]["B"] - 0.25) < 0.03
    assert result["primary_survival"] + result["alternatives"]["B"] == 1.0


def test_weight_perturbation_respects_gates():
    result = sensitivity.weight_perturbation(
        ["A", "B"], ["d"], {"d": 5}, np.array([[0.0, 1.0]]), np.array([1.0, 0.0]),
        {"A": "eligible", "B": "gated"}, "A", trials=50)
    assert result["primary_survival"] == 1.0 and result["alternatives"] == {"A": 1.0}


def test_perturbation_in_the_assessment_is_reproducible():
    first = assess([2, 2, 2, 2, 2, 2])["weight_perturbation"]
    second = assess([2, 2, 2, 2, 2, 2])["weight_perturbation"]
    assert first == second
    assert first["trials"] == 200 and first["relative"] == 0.2
    assert abs(sum(first["alternatives"].values()) - 1.0) < 1e-9
    assert first["primary_survival"] == first["alternatives"].get("pretrained", 0.0)
