"""The economics figures (interface sections 6-7), checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from advisor.economics import Economics, Evidence, assess_economics, parse_typed_amount, volume_problems

# The contract's own example (interface section 6), with 2,000,000 requests a month.
CONTRACT = {
    "currency": "EUR",
    "horizon_months": 12,
    "cost_per_error": 4.0,
    "strategies": {
        "pretrained": {"build": 15000, "monthly": 6000, "per_request": [0.002, 0.004], "success_rate": 0.86},
        "fine_tune": {"build": [40000, 80000], "monthly": 9000, "per_request": 0.0009, "success_rate": [0.92, 0.95]},
    },
}


def figures(section, volume=2_000_000, **evidence):
    return assess_economics(Economics.model_validate(section), Evidence(monthly_volume=volume, **evidence))


def row(result, sid):
    return next(r for r in result["strategies"] if r["id"] == sid)


def test_no_section_gives_null():
    assert assess_economics(None, Evidence(monthly_volume=10)) is None


def test_contract_example_by_hand():
    result = figures(CONTRACT)
    assert (result["currency"], result["horizon_months"], result["monthly_volume"]) == ("EUR", 12, 2_000_000)
    pre, ft = row(result, "pretrained"), row(result, "fine_tune")
    # pretrained: build 15,000; running 12 x 6,000; requests 12 x 2e6 x 0.002..0.004;
    # errors 12 x 2e6 x (1 - 0.86) x 4 = 13,440,000.
    assert pre["components"]["build"] == {"low": 15000, "high": 15000}
    assert pre["components"]["running"] == {"low": 72000, "high": 72000}
    assert pre["components"]["requests"] == pytest.approx({"low": 48000, "high": 96000}, rel=1e-12)
    assert pre["components"]["errors"] == pytest.approx({"low": 13_440_000, "high": 13_440_000}, rel=1e-12)
    assert pre["total"] == pytest.approx({"low": 13_575_000, "high": 13_623_000}, rel=1e-12)
    # (15,000 + 72,000 + 48,000) / (24e6 x 0.86) and (15,000 + 72,000 + 96,000) / (24e6 x 0.86)
    assert pre["per_successful_outcome"] == pytest.approx({"low": 135000 / 20_640_000, "high": 183000 / 20_640_000},
                                                          rel=1e-12)
    # fine_tune: the low end takes build 40,000 and s = 0.95, the high end build 80,000 and s = 0.92.
    assert ft["components"]["errors"] == pytest.approx({"low": 4_800_000, "high": 7_680_000}, rel=1e-12)
    assert ft["total"] == pytest.approx({"low": 4_969_600, "high": 7_889_600}, rel=1e-12)
    assert ft["per_successful_outcome"] == pytest.approx({"low": 169600 / 22_800_000, "high": 209600 / 22_080_000},
                                                         rel=1e-12)
    assert pre["missing"] == ft["missing"] == []


def test_formulas_hold_exactly_as_written():
    """Recomputing the contract's expressions from the reported inputs gives the very same floats."""
    result = figures(CONTRACT)
    H, V, e = 12, 2_000_000, 4.0
    for r in result["strategies"]:
        x = r["inputs"]
        for end, other in (("low", "high"), ("high", "low")):
            b, m, rr = x["build"][end], x["monthly"][end], x["per_request"][end]
            s = x["success_rate"][other]
            assert r["total"][end] == b + H * m + H * V * rr + H * V * (1 - s) * e
            assert r["per_successful_outcome"][end] == (b + H * m + H * V * rr) / (H * V * s)


def test_break_even_by_hand():
    # Low ends: F = b + 12 m, k = 12 r + 12 (1 - s) e.
    # pretrained F 87,000, k 0.024 + 6.72 = 6.744; fine_tune F 148,000, k 0.0108 + 2.4 = 2.4108.
    # High ends: pretrained F 87,000, k 0.048 + 6.72; fine_tune F 188,000, k 0.0108 + 3.84.
    (pair,) = figures(CONTRACT)["break_even"]
    assert pair["strategies"] == ["pretrained", "fine_tune"]
    assert pair["low"] == {"monthly_volume": pytest.approx(61000 / 4.3332, rel=1e-12),
                           "cheaper_below": "pretrained", "cheaper_above": "fine_tune"}
    assert pair["high"] == {"monthly_volume": pytest.approx(101000 / 2.9172, rel=1e-12),
                            "cheaper_below": "pretrained", "cheaper_above": "fine_tune"}


def test_break_even_totals_are_equal_there():
    pair = figures(CONTRACT)["break_even"][0]
    volume = pair["low"]["monthly_volume"]
    at = figures(CONTRACT, volume=volume)  # a float volume: the figures accept any number
    assert row(at, "pretrained")["total"]["low"] == pytest.approx(row(at, "fine_tune")["total"]["low"], rel=1e-12)


def test_no_break_even_when_one_is_cheaper_at_every_volume():
    section = {"strategies": {
        "pretrained": {"build": 1000, "monthly": 100, "per_request": 0.001},
        "fine_tune": {"build": 5000, "monthly": 200, "per_request": 0.002},
        "calibrate": {"build": 1000, "monthly": 100, "per_request": 0.001},
    }}
    pairs = {tuple(p["strategies"]): p for p in figures(section)["break_even"]}
    cheaper = {"monthly_volume": None, "cheaper_below": "pretrained", "cheaper_above": "pretrained"}
    assert pairs[("pretrained", "fine_tune")]["low"] == cheaper
    # Identical lines: neither is cheaper.
    tie = {"monthly_volume": None, "cheaper_below": None, "cheaper_above": None}
    assert pairs[("pretrained", "calibrate")]["high"] == tie


def test_without_cost_per_error_errors_cost_nothing_and_the_default_is_named():
    section = {"strategies": {"pretrained": {"build": 0, "monthly": 500, "per_request": 0.01}}}
    result = figures(section, volume=1000)
    pre = row(result, "pretrained")
    # 0 + 12 x 500 + 12 x 1,000 x 0.01 + 0 = 6,120, whatever the (unknown) success rate.
    assert pre["total"] == {"low": 6120.0, "high": 6120.0}
    assert pre["components"]["errors"] == {"low": 0.0, "high": 0.0}
    assert pre["per_successful_outcome"] == {"low": None, "high": None}
    assert pre["missing"] == ["economics.strategies.pretrained.success_rate"]
    defaults = {d["field"]: d["value"] for d in result["defaults"]}
    assert defaults == {"economics.currency": "USD", "economics.horizon_months": 12, "economics.cost_per_error": 0}
    assert result["currency"] == "USD" and result["cost_per_error"] is None


def test_horizon_changes_every_time_dependent_term():
    section = {"horizon_months": 36, "cost_per_error": 2,
               "strategies": {"fine_tune": {"build": 10000, "monthly": 1000, "per_request": 0.5, "success_rate": 0.9}}}
    ft = row(figures(section, volume=100), "fine_tune")
    # 10,000 + 36 x 1,000 + 36 x 100 x 0.5 + 36 x 100 x 0.1 x 2 = 10,000 + 36,000 + 1,800 + 720
    assert ft["total"]["low"] == pytest.approx(48520, rel=1e-12)
    # (10,000 + 36,000 + 1,800) / (36 x 100 x 0.9)
    assert ft["per_successful_outcome"]["low"] == pytest.approx(47800 / 3240, rel=1e-12)


def test_a_partial_section_computes_what_it_can_and_names_what_is_missing():
    section = {"cost_per_error": 1,
               "strategies": {"fine_tune": {"build": [20000, 30000], "per_request": 0.001, "success_rate": 0.9}}}
    result = figures(section, volume=10_000)
    ft = row(result, "fine_tune")
    assert ft["components"]["build"] == {"low": 20000.0, "high": 30000.0}
    assert ft["components"]["running"] == {"low": None, "high": None}
    assert ft["components"]["requests"] == pytest.approx({"low": 120.0, "high": 120.0}, rel=1e-12)
    assert ft["components"]["errors"] == pytest.approx({"low": 12_000.0, "high": 12_000.0}, rel=1e-12)
    assert ft["total"] == {"low": None, "high": None}
    assert ft["per_successful_outcome"] == {"low": None, "high": None}
    assert ft["missing"] == ["economics.strategies.fine_tune.monthly"]
    assert result["missing"] == ["economics.strategies.pretrained", "economics.strategies.calibrate",
                                 "economics.strategies.from_scratch"]
    assert result["break_even"] == [] and result["cheapest"] is None


def test_missing_volume_is_named_and_blocks_only_what_needs_it():
    section = {"cost_per_error": 3, "strategies": {"pretrained": {"build": 100, "monthly": 10, "success_rate": 0.5}}}
    pre = row(figures(section, volume=None), "pretrained")
    assert pre["components"]["running"] == {"low": 120.0, "high": 120.0}
    assert pre["components"]["errors"] == {"low": None, "high": None}
    assert pre["missing"] == ["economics.strategies.pretrained.per_request", "context.monthly_volume"]


def test_success_rate_defaults_to_measured_accuracy_for_calibrate_and_the_current_approach():
    section = {"cost_per_error": 10, "strategies": {
        "pretrained": {"build": 0, "monthly": 1000, "per_request": 0.01},
        "calibrate": {"build": 2000, "monthly": 0, "per_request": 0.01},
        "fine_tune": {"build": 30000, "monthly": 2000, "per_request": 0.004},
    }}
    result = figures(section, volume=10_000, measured_accuracy=0.8, current_approach="pretrained")
    pre, cal, ft = row(result, "pretrained"), row(result, "calibrate"), row(result, "fine_tune")
    assert pre["inputs"]["success_rate"] == cal["inputs"]["success_rate"] == {"low": 0.8, "high": 0.8}
    assert pre["success_rate_source"] == cal["success_rate_source"] == "measured"
    # Nothing is known about a fine-tuned model's accuracy: no default, and it is missing.
    assert ft["inputs"]["success_rate"] is None and ft["success_rate_source"] is None
    assert ft["missing"] == ["economics.strategies.fine_tune.success_rate"]
    # calibrate: 2,000 + 0 + 12 x 10,000 x 0.01 + 12 x 10,000 x 0.2 x 10 = 2,000 + 1,200 + 240,000
    assert cal["total"]["low"] == pytest.approx(243_200, rel=1e-12)
    # (2,000 + 1,200) / (120,000 x 0.8)
    assert cal["per_successful_outcome"]["high"] == pytest.approx(3200 / 96_000, rel=1e-12)
    reasons = {d["field"]: d["reason"] for d in result["defaults"]}
    assert "calibration" in reasons["economics.strategies.calibrate.success_rate"]
    assert "in production" in reasons["economics.strategies.pretrained.success_rate"]
    assert "economics.strategies.fine_tune.success_rate" not in reasons


def test_a_given_success_rate_wins_over_the_measured_accuracy():
    section = {"strategies": {"calibrate": {"build": 1, "monthly": 1, "per_request": 0, "success_rate": 0.95}}}
    cal = row(figures(section, volume=10, measured_accuracy=0.9), "calibrate")
    assert cal["inputs"]["success_rate"] == {"low": 0.95, "high": 0.95}
    assert cal["success_rate_source"] == "profile"
    assert any("does not change accuracy" in note for note in cal["notes"])


def test_without_a_measurement_no_success_rate_is_invented():
    section = {"strategies": {"calibrate": {"build": 1, "monthly": 1, "per_request": 0}}}
    result = figures(section, volume=10, current_approach="calibrate")
    assert row(result, "calibrate")["inputs"]["success_rate"] is None
    assert not [d for d in result["defaults"] if d["field"].endswith("success_rate")]


def test_zero_volume_and_zero_success_have_no_cost_per_success():
    section = {"strategies": {"pretrained": {"build": 10, "monthly": 1, "per_request": 1, "success_rate": [0, 0.5]}}}
    pre = row(figures(section, volume=100), "pretrained")
    # Low end: (10 + 12 + 1,200) / (1,200 x 0.5); high end divides by s = 0.
    assert pre["per_successful_outcome"] == {"low": pytest.approx(1222 / 600, rel=1e-12), "high": None}
    assert pre["notes"] == ["No cost per successful outcome at the high end: the low end of the success rate is 0."]
    pre = row(figures(section, volume=0), "pretrained")
    assert pre["total"] == {"low": 22.0, "high": 22.0}
    assert pre["per_successful_outcome"] == {"low": None, "high": None}
    assert pre["notes"] == ["No cost per successful outcome: the monthly volume is 0."]


def test_huge_volume_gives_no_figure_rather_than_infinity():
    section = {"strategies": {"pretrained": {"build": 1, "monthly": 1, "per_request": 1e300, "success_rate": 1}}}
    pre = row(figures(section, volume=10 ** 30), "pretrained")
    assert pre["total"] == {"low": None, "high": None}
    assert pre["notes"] == ["The cost per successful outcome is too large to compute.", "The total is too large to compute."]


def test_cheapest_and_clearly_costlier():
    result = figures(CONTRACT, target_accuracy=0.9)
    # fine_tune: 4.97M-7.89M and meets 0.90 at its low end (0.92); pretrained: 13.58M-13.62M and misses.
    assert row(result, "fine_tune")["meets_target"] is True
    assert row(result, "pretrained")["meets_target"] is False
    assert result["cheapest"] == "fine_tune"
    assert result["cheapest_meeting_target"] == "fine_tune"
    assert result["clearly_costlier"] == ["pretrained"]


def test_a_cheaper_option_that_misses_the_target_does_not_make_another_costlier():
    section = {"strategies": {
        "pretrained": {"build": 0, "monthly": 100, "per_request": 0, "success_rate": 0.7},
        "fine_tune": {"build": 50000, "monthly": 500, "per_request": 0, "success_rate": 0.95},
    }}
    result = figures(section, volume=1000, target_accuracy=0.9)
    assert result["cheapest"] == "pretrained"
    assert result["cheapest_meeting_target"] == "fine_tune"
    assert result["clearly_costlier"] == []


def test_overlapping_ranges_have_no_cheapest():
    section = {"strategies": {
        "pretrained": {"build": [0, 10000], "monthly": 0, "per_request": 0},
        "fine_tune": {"build": [5000, 6000], "monthly": 0, "per_request": 0},
    }}
    result = figures(section, volume=1)
    assert result["cheapest"] is None and result["clearly_costlier"] == []


# --- validation ----------------------------------------------------------------------------


def problems(section) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ValidationError) as caught:
        Economics.model_validate(section)
    return [(err["loc"], err["type"], err["msg"].removeprefix("Value error, ")) for err in caught.value.errors()]


@pytest.mark.parametrize("value, phrase", [
    (-1, "must be an amount of money of 0 or more, or a [low, high] range of them (got -1)"),
    (float("nan"), "must be a finite number (got nan)"),
    (float("inf"), "must be a finite number (got inf)"),
    ([80000, 40000], "the low end 80000 is above the high end 40000; write [40000, 80000]"),
    ([1, 2, 3], "a range has exactly two ends, [low, high] (got a list of 3)"),
    ([-5, 10], "must be an amount of money of 0 or more (got -5)"),
    ("40000-80000", "(got '40000-80000'); write a range as a list: [40000, 80000]"),
    (True, "(got true)"),
    (10 ** 400, "too large to compute with"),
])
def test_bad_money_is_one_clear_problem(value, phrase):
    (found,) = problems({"strategies": {"fine_tune": {"build": value}}})
    loc, kind, message = found
    assert loc == ("strategies", "fine_tune", "build") and kind == "value_error"
    assert phrase in message


@pytest.mark.parametrize("value, phrase", [
    (1.2, "must be a share from 0 to 1, or a [low, high] range of them (got 1.2)"),
    (-0.1, "(got -0.1)"),
    ([0.9, 1.01], "must be a share from 0 to 1 (got 1.01)"),
    ([0.95, 0.9], "the low end 0.95 is above the high end 0.9"),
])
def test_bad_success_rate_is_one_clear_problem(value, phrase):
    (found,) = problems({"strategies": {"pretrained": {"success_rate": value}}})
    assert found[0] == ("strategies", "pretrained", "success_rate")
    assert phrase in found[2]


def test_unknown_strategy_id_is_refused():
    (found,) = problems({"strategies": {"fine_tuning": {"build": 1}}})
    assert found[:2] == (("strategies", "fine_tuning"), "extra_forbidden")


def test_cost_per_error_and_horizon_are_checked():
    assert problems({"cost_per_error": -2})[0][0] == ("cost_per_error",)
    assert problems({"horizon_months": 0})[0][0] == ("horizon_months",)
    assert problems({"horizon_months": 6.5})[0][0] == ("horizon_months",)
    assert problems({"currency": ""})[0][0] == ("currency",)


def test_per_request_without_monthly_volume_is_a_problem():
    data = {"context": {}, "economics": {"strategies": {"pretrained": {"per_request": 0.01}, "fine_tune": {"build": 1}}}}
    (found,) = volume_problems(data)
    assert found[0] == ("economics", "strategies", "pretrained", "per_request")
    assert "context.monthly_volume" in found[1]
    data["context"]["monthly_volume"] = 0
    assert volume_problems(data) == []


def test_valid_section_keeps_what_was_written():
    econ = Economics.model_validate(CONTRACT)
    assert econ.strategies.fine_tune.build == [40000, 80000]
    assert econ.strategies.pretrained.build == 15000
    assert econ.model_dump(exclude_none=True)["strategies"]["pretrained"]["per_request"] == [0.002, 0.004]
    assert math.isclose(Economics().horizon_months, 12)


# --- figures typed at the questionnaire ----------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("40000", 40000), ("0.002", 0.002), (" 40,000 ", 40000), ("1_500", 1500), (".5", 0.5), ("2e-3", 0.002),
    ("40000-80000", [40000, 80000]), ("40000 - 80000", [40000, 80000]), ("40,000 to 80,000", [40000, 80000]),
    ("0.002..0.004", [0.002, 0.004]), ("[40000, 80000]", [40000, 80000]), ("[0.92,0.95]", [0.92, 0.95]),
    ("40000\u201380000", [40000, 80000]), ("40000, 80000", [40000, 80000]), ("40,000, 80,000", [40000, 80000]),
])
def test_typed_amounts(text, value):
    assert parse_typed_amount(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1-2-3", "[1, 2, 3]", "-5", "40000 80000", "$400", "1,00"])
def test_typed_amount_that_is_not_a_figure(text):
    with pytest.raises(ValueError, match="type a number"):
        parse_typed_amount(text)


def test_a_typed_range_is_checked_like_a_files():
    """Parsing only reads the text; the model then refuses a reversed range as it would in a file."""
    value = parse_typed_amount("80000-40000")
    assert value == [80000, 40000]
    assert "is above the high end" in problems({"strategies": {"fine_tune": {"build": value}}})[0][2]


def test_the_volume_problem_is_not_added_to_another_problem_of_the_same_figure():
    data = {"economics": {"strategies": {"fine_tune": {"per_request": -1}, "fine_tuning": {"per_request": 1}}}}
    assert volume_problems(data) == []
