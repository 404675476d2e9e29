"""The staged plan in weeks (eval set, pilot, canary, full rollout), worked out by hand."""

from __future__ import annotations

from advisor.roadmap import Weeks, fit, lay_out

TTP = {"pretrained": [1, 4], "fine_tune": [4, 12], "calibrate": [1, 2], "from_scratch": [26, 104]}
PHASES = {"eval_set": [2, 4], "canary": [1, 2], "full_rollout": [1, 3]}


def spans(stage):
    return [(p["id"], p["start"], p["end"], p["fits"]) for p in stage["phases"]]


def w(low, high):
    return {"low": low, "high": high}


def test_fine_tune_then_calibrate_against_a_twelve_week_launch():
    stages, launch = lay_out(["fine_tune", "calibrate"], TTP, PHASES, has_eval_set=False, launch_weeks=12)
    assert spans(stages[0]) == [
        ("eval_set", w(0, 0), w(2, 4), "fits"),
        ("pilot", w(2, 4), w(6, 16), "at_risk"),
        ("canary", w(6, 16), w(7, 18), "at_risk"),
        ("full_rollout", w(7, 18), w(8, 21), "at_risk"),
    ]
    # The companion follows the primary's rollout; the eval set is built once.
    assert spans(stages[1]) == [
        ("pilot", w(8, 21), w(9, 23), "at_risk"),
        ("canary", w(9, 23), w(10, 25), "at_risk"),
        ("full_rollout", w(10, 25), w(11, 28), "at_risk"),
    ]
    assert (stages[0]["start"], stages[0]["end"], stages[1]["end"]) == (w(0, 0), w(8, 21), w(11, 28))
    assert launch["production"] == w(8, 21) and launch["fits"] == "at_risk"
    assert [f["phase"] for f in launch["flagged"]] == ["pilot", "canary", "full_rollout"] * 2


def test_a_stage_that_cannot_fit_is_flagged():
    stages, launch = lay_out(["from_scratch"], TTP, PHASES, has_eval_set=True, launch_weeks=20)
    # No eval set phase (one exists); the pilot alone takes 26-104 weeks.
    assert spans(stages[0])[0] == ("pilot", w(0, 0), w(26, 104), "cannot_fit")
    assert launch["fits"] == "cannot_fit"
    assert launch["flagged"][0] == {"stage": 1, "strategy": "from_scratch", "phase": "pilot", "fits": "cannot_fit"}


def test_everything_fits_a_generous_launch():
    stages, launch = lay_out(["pretrained"], TTP, PHASES, has_eval_set=None, launch_weeks=13)
    # Unknown eval set: it is planned. 2-4, then 1-4 -> 3-8, 1-2 -> 4-10, 1-3 -> 5-13.
    assert stages[0]["end"] == w(5, 13)
    assert launch == {"launch_weeks": 13, "production": w(5, 13), "fits": "fits", "flagged": [], "missing": []}


def test_no_launch_date_means_no_verdict():
    stages, launch = lay_out(["calibrate"], TTP, PHASES, has_eval_set=True, launch_weeks=None)
    assert stages[0]["end"] == w(3, 7)
    assert launch["fits"] is None and launch["flagged"] == []


def test_missing_durations_are_named_not_guessed():
    stages, launch = lay_out(["fine_tune"], {}, {"canary": [1, 2]}, has_eval_set=True, launch_weeks=8)
    assert stages[0]["phases"][0]["weeks"] is None
    assert all(p["end"] is None and p["fits"] is None for p in stages[0]["phases"])
    assert launch["missing"] == ["strategies.fine_tune.time_to_production_weeks", "rollout_weeks.full_rollout"]


def test_weeks_are_read_defensively():
    assert Weeks.of([2, 5]) == Weeks(2, 5)
    assert Weeks.of(3) == Weeks(3, 3)
    for bad in (None, True, [5, 2], [1], "4-8", [-1, 2], {"low": 1}):
        assert Weeks.of(bad) is None


def test_fit_boundaries():
    assert fit(Weeks(2, 6), 6) == "fits"
    assert fit(Weeks(6, 7), 6) == "at_risk"
    assert fit(Weeks(7, 9), 6) == "cannot_fit"
    assert fit(None, 6) is None and fit(Weeks(1, 2), None) is None
