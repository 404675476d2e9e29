"""The staged plan in weeks (eval set, pilot, canary, full rollout), worked out by hand."""

from __future__ import annotations

from advisor.roadmap import Weeks, fit, lay_out

TTP = {"pretrained": [1, 6], "fine_tune": [4, 12], "calibrate": [0.5, 3], "from_scratch": [26, 156]}
PLAN = {"eval_set_weeks": [2, 4], "shares": {"pilot": 0.6, "canary": 0.2, "full_rollout": 0.2}}


def spans(stage):
    return [(p["id"], p["weeks"], p["end"], p["fits"]) for p in stage["phases"]]


def w(low, high):
    return {"low": low, "high": high}


def test_fine_tune_then_calibrate_against_a_twelve_week_launch():
    stages, launch = lay_out(["fine_tune", "calibrate"], TTP, PLAN, has_eval_set=False, launch_weeks=12)
    # Eval set 2-4 weeks; then fine_tune's 4-12 weeks split 60/20/20: 2.4-7.2, 0.8-2.4, 0.8-2.4.
    assert spans(stages[0]) == [
        ("eval_set", w(2, 4), w(2, 4), "fits"),
        ("pilot", w(2.4, 7.2), w(4.4, 11.2), "fits"),
        ("canary", w(0.8, 2.4), w(5.2, 13.6), "at_risk"),
        ("full_rollout", w(0.8, 2.4), w(6, 16), "at_risk"),
    ]
    # The companion follows the primary's rollout (0.5-3 weeks split the same way); the eval set is built once.
    assert spans(stages[1]) == [
        ("pilot", w(0.3, 1.8), w(6.3, 17.8), "at_risk"),
        ("canary", w(0.1, 0.6), w(6.4, 18.4), "at_risk"),
        ("full_rollout", w(0.1, 0.6), w(6.5, 19), "at_risk"),
    ]
    assert (stages[0]["start"], stages[0]["end"], stages[1]["start"]) == (w(0, 0), w(6, 16), w(6, 16))
    assert launch["production"] == w(6, 16) and launch["fits"] == "at_risk"
    assert [(f["stage"], f["phase"]) for f in launch["flagged"]] == [
        (1, "canary"), (1, "full_rollout"), (2, "pilot"), (2, "canary"), (2, "full_rollout")]


def test_the_rollout_ends_one_time_to_production_after_the_pilot_starts():
    stages, _ = lay_out(["from_scratch"], TTP, PLAN, has_eval_set=True, launch_weeks=None)
    assert stages[0]["phases"][0]["start"] == w(0, 0)
    assert stages[0]["end"] == w(26, 156)


def test_a_stage_that_cannot_fit_is_flagged():
    stages, launch = lay_out(["from_scratch"], TTP, PLAN, has_eval_set=True, launch_weeks=12)
    # No eval set phase (one exists); the pilot alone takes 15.6-93.6 weeks.
    assert spans(stages[0])[0] == ("pilot", w(15.6, 93.6), w(15.6, 93.6), "cannot_fit")
    assert launch["fits"] == "cannot_fit"
    assert launch["flagged"][0] == {"stage": 1, "strategy": "from_scratch", "phase": "pilot", "fits": "cannot_fit"}


def test_everything_fits_a_generous_launch():
    stages, launch = lay_out(["pretrained"], TTP, PLAN, has_eval_set=None, launch_weeks=10)
    # Unknown eval set: it is planned (2-4), then 1-6 weeks: production in 3-10 weeks.
    assert stages[0]["end"] == w(3, 10)
    assert launch == {"launch_weeks": 10, "production": w(3, 10), "fits": "fits", "flagged": [], "missing": []}


def test_no_launch_date_means_no_verdict():
    stages, launch = lay_out(["calibrate"], TTP, PLAN, has_eval_set=True, launch_weeks=None)
    assert stages[0]["end"] == w(0.5, 3)
    assert launch["fits"] is None and launch["flagged"] == []


def test_missing_durations_are_named_not_guessed():
    stages, launch = lay_out(["fine_tune"], {}, {"shares": {"pilot": 1.0}}, has_eval_set=False, launch_weeks=8)
    assert all(p["weeks"] is None and p["end"] is None and p["fits"] is None for p in stages[0]["phases"])
    assert launch["missing"] == ["rollout_phases.eval_set_weeks", "strategies.fine_tune.time_to_production_weeks"]
    _, launch = lay_out(["fine_tune"], TTP, {"shares": {"pilot": 1.0}}, has_eval_set=True, launch_weeks=8)
    assert launch["missing"] == ["rollout_phases.shares.canary", "rollout_phases.shares.full_rollout"]


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
