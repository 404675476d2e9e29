"""Economics in the assessment: the JSON section, the decision evidence, and the CLI's refusals."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import cli, engine, profile
from advisor.economics import STRATEGY_IDS
from advisor.rubric import load_rubric

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUBRIC = load_rubric(None)

# An invoice-extraction team leaning towards fine-tuning (known failure classes, solid data,
# high volume) whose own figures say the pre-trained model already reaches the target for half the money.
INVOICES = {
    "version": 1,
    "project": {"name": "Invoice field extraction"},
    "scores": {"quality_gap": 2, "data_readiness": 3, "latency": 2, "cost": 3, "governance": 2, "control": 1},
    "context": {"launch_weeks": 16, "labeled_examples": 6000, "has_eval_set": True, "failure_classes_known": True,
                "monthly_volume": 3_000_000, "confidence_used_downstream": False},
    "baseline": {"target_accuracy": 0.93},
}
INVOICE_MONEY = {
    "currency": "EUR",
    "cost_per_error": 0.05,
    "strategies": {
        "pretrained": {"build": 10000, "monthly": 2000, "per_request": 0.001, "success_rate": [0.93, 0.95]},
        "fine_tune": {"build": [60000, 120000], "monthly": 15000, "per_request": 0.0004,
                      "success_rate": [0.95, 0.97]},
    },
}


def assess(data: dict, measured=None) -> dict:
    loaded = profile.LoadedProfile(profile=profile.validate_profile_data(data, "t.yaml"), path=Path("t.yaml"),
                                   text="", sha256="0" * 64)
    return engine.assess(loaded, RUBRIC, measured=measured)


def with_money(data: dict, money: dict) -> dict:
    return {**copy.deepcopy(data), "economics": copy.deepcopy(money)}


def scores(result: dict) -> dict[str, float]:
    return {s["id"]: s["score"] for s in result["strategies"]}


def test_without_an_economics_section_the_key_is_null():
    result = assess(INVOICES)
    assert "economics" in result and result["economics"] is None
    assert result["metrics"]["cheapest_meeting_target"] is None


def test_the_economics_object_has_the_contract_shape():
    section = assess(with_money(INVOICES, INVOICE_MONEY))["economics"]
    assert {"currency", "horizon_months", "monthly_volume", "strategies"} <= set(section)
    assert (section["currency"], section["horizon_months"], section["monthly_volume"]) == ("EUR", 12, 3_000_000)
    assert [row["id"] for row in section["strategies"]] == ["pretrained", "fine_tune"]
    for row in section["strategies"]:
        assert set(row["total"]) == set(row["per_successful_outcome"]) == {"low", "high"}
        assert set(row["components"]) == {"build", "running", "requests", "errors"}
    pre = section["strategies"][0]
    # 10,000 + 12 x 2,000 + 36e6 x 0.001 + 36e6 x (1 - 0.95) x 0.05 = 10,000 + 24,000 + 36,000 + 90,000
    assert pre["total"] == pytest.approx({"low": 160_000, "high": 196_000}, rel=1e-12)
    assert json.dumps(section)  # plain JSON


def test_economics_changes_this_decision():
    """Without figures the rubric prefers fine-tuning; the team's own figures make the
    pre-trained model the cheapest option that meets the target, and fine-tuning costs more
    at its low end (EUR 308,400) than the pre-trained model at its high end (EUR 196,000)."""
    before = assess(INVOICES)
    after = assess(with_money(INVOICES, INVOICE_MONEY))
    assert before["recommendation"]["primary"] == "fine_tune"
    assert after["recommendation"]["primary"] == "pretrained"
    assert after["economics"]["cheapest_meeting_target"] == "pretrained"
    assert after["economics"]["clearly_costlier"] == ["fine_tune"]
    delta = {sid: round(scores(after)[sid] - scores(before)[sid], 6) for sid in STRATEGY_IDS}
    assert delta == {"pretrained": 1.5, "fine_tune": -1.5, "calibrate": 0.0, "from_scratch": 0.0}
    fired = {r["id"] for r in after["rules"]}
    assert {"cheapest-meeting-target-pretrained", "costlier-than-an-alternative-fine-tune"} <= fired


def test_figures_that_agree_with_the_rubric_reinforce_it():
    money = copy.deepcopy(INVOICE_MONEY)
    money["cost_per_error"] = 4.0  # expensive errors: the pre-trained model's extra misses cost more than tuning
    result = assess(with_money(INVOICES, money))
    assert result["recommendation"]["primary"] == "fine_tune"
    assert result["economics"]["cheapest_meeting_target"] == "fine_tune"


def test_an_enormous_budget_never_opens_training_from_scratch():
    """From scratch priced as by far the cheapest option that meets the target, everything else
    absurdly expensive: it gains points, but its gates stand and it is not the answer."""
    money = {"cost_per_error": 0, "strategies": {
        "from_scratch": {"build": 1, "monthly": 1, "per_request": 0, "success_rate": 0.999},
        **{sid: {"build": 1e15, "monthly": 1e12, "per_request": 1e6, "success_rate": 0.99}
           for sid in ("pretrained", "fine_tune", "calibrate")},
    }}
    data = with_money(INVOICES, money)
    data["scores"]["control"] = 5  # even with ownership pressure and no hard reason
    result = assess(data)
    plain = assess({**data, "economics": None})
    scratch = next(s for s in result["strategies"] if s["id"] == "from_scratch")
    assert result["economics"]["cheapest_meeting_target"] == "from_scratch"
    assert scratch["status"] != "eligible"
    assert result["recommendation"]["primary"] != "from_scratch"
    assert {s["id"]: s["status"] for s in result["strategies"]} == {s["id"]: s["status"] for s in plain["strategies"]}


amounts = st.one_of(st.floats(0, 1e12, allow_nan=False),
                    st.tuples(st.floats(0, 1e12), st.floats(0, 1e12)).map(sorted))
rates = st.one_of(st.floats(0, 1), st.tuples(st.floats(0, 1), st.floats(0, 1)).map(sorted))
figures = st.fixed_dictionaries({}, optional={"build": amounts, "monthly": amounts, "per_request": amounts,
                                              "success_rate": rates})
sections = st.fixed_dictionaries({"strategies": st.dictionaries(st.sampled_from(STRATEGY_IDS), figures)},
                                 optional={"cost_per_error": amounts})


@settings(max_examples=60, deadline=None)
@given(sections, st.lists(st.integers(0, 5), min_size=6, max_size=6), st.booleans())
def test_money_changes_scores_never_statuses(section, dims, moat):
    """Gates and vetoes (the hard reasons) are the same with any figures at all: money can only
    move scores, so it never opens training from scratch by itself."""
    data = copy.deepcopy(INVOICES)
    data["scores"] = dict(zip(profile.DIMENSIONS, dims, strict=True))
    data["context"]["proprietary_data_moat"] = moat
    plain = assess(data)
    priced = assess(with_money(data, section))
    assert ({s["id"]: s["status"] for s in priced["strategies"]}
            == {s["id"]: s["status"] for s in plain["strategies"]})
    if next(s for s in plain["strategies"] if s["id"] == "from_scratch")["status"] != "eligible":
        assert priced["recommendation"]["primary"] != "from_scratch" or all(
            s["status"] != "eligible" for s in priced["strategies"])


def test_success_rate_defaults_to_the_measured_accuracy_for_calibrate(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(EXAMPLES / "calibrate", folder)
    data = yaml.safe_load((folder / "profile.yaml").read_text())
    data["economics"] = {"cost_per_error": 2.0, "strategies": {
        "calibrate": {"build": 3000, "monthly": 100, "per_request": 0},
        "fine_tune": {"build": 40000, "monthly": 2000, "per_request": 0.001}}}
    (folder / "profile.yaml").write_text(yaml.safe_dump(data))
    result = engine.assess_file(folder / "profile.yaml")
    accuracy = result["calibration"]["measured"]["accuracy"]
    rows = {row["id"]: row for row in result["economics"]["strategies"]}
    assert rows["calibrate"]["inputs"]["success_rate"] == {"low": accuracy, "high": accuracy}
    assert rows["calibrate"]["success_rate_source"] == "measured"
    assert rows["fine_tune"]["inputs"]["success_rate"] is None
    (default,) = [d for d in result["economics"]["defaults"] if d["field"].endswith("success_rate")]
    assert default["field"] == "economics.strategies.calibrate.success_rate" and default["value"] == accuracy
    # 3,000 + 12 x 100 + 0 + 12 x 300,000 x (1 - accuracy) x 2
    assert rows["calibrate"]["total"]["low"] == 3000 + 12 * 100 + 12 * 300000 * 0 + 12 * 300000 * (1 - accuracy) * 2.0


# --- bad input through the CLI -------------------------------------------------------------

PROFILE = """\
version: 1
project: {name: Money checks}
scores: {quality_gap: 2, data_readiness: 3, latency: 2, cost: 3, governance: 2, control: 1}
context:
  monthly_volume: 1000
economics:
  cost_per_error: 1
  strategies:
    pretrained: {build: 100, monthly: 10, per_request: 0.01, success_rate: 0.9}
"""


@pytest.mark.parametrize("old, new, line, field, phrase", [
    ("build: 100", "build: -100", 9, "economics.strategies.pretrained.build", "amount of money of 0 or more, or a [low, high] range of them (got -100)"),
    ("monthly: 10", "monthly: .inf", 9, "economics.strategies.pretrained.monthly", "must be a finite number"),
    ("success_rate: 0.9", "success_rate: 1.5", 9, "economics.strategies.pretrained.success_rate",
     "a share from 0 to 1"),
    ("build: 100", "build: [200, 100]", 9, "economics.strategies.pretrained.build",
     "the low end 200 is above the high end 100"),
    ("    pretrained:", "    pretrianed:", 9, "economics.strategies.pretrianed", "unknown key (did you mean `pretrained`?)"),
    ("  monthly_volume: 1000\n", "", 8, "economics.strategies.pretrained.per_request",
     "needs context.monthly_volume"),
    ("cost_per_error: 1", "cost_per_error: -1", 7, "economics.cost_per_error", "(got -1)"),
])
def test_bad_economics_is_one_error_naming_file_line_and_field(tmp_path, old, new, line, field, phrase):
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE.replace(old, new))
    for command in ("validate", "assess"):
        result = CliRunner().invoke(cli.main, [command, str(path)])
        assert result.exit_code == 1
        assert result.output.count("Error:") == 1 and "Traceback" not in result.output
        problems = [row for row in result.output.splitlines() if field in row]
        assert len(problems) == 1, result.output
        assert f"{path}:{line}: {field}: " in problems[0] and phrase in problems[0]


def test_a_good_economics_section_validates(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE)
    assert CliRunner().invoke(cli.main, ["validate", str(path)]).exit_code == 0


def test_success_rate_defaults_to_the_measured_accuracy_for_the_strategy_in_production(tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(EXAMPLES / "calibrate", folder)
    data = yaml.safe_load((folder / "profile.yaml").read_text())
    data["context"]["current_approach"] = "pretrained"
    data["economics"] = {"strategies": {"pretrained": {"build": 0, "monthly": 500, "per_request": 0.002},
                                        "from_scratch": {"build": 1e6, "monthly": 1e4, "per_request": 0}}}
    (folder / "profile.yaml").write_text(yaml.safe_dump(data))
    result = engine.assess_file(folder / "profile.yaml")
    accuracy = result["calibration"]["measured"]["accuracy"]
    rows = {row["id"]: row for row in result["economics"]["strategies"]}
    assert rows["pretrained"]["inputs"]["success_rate"] == {"low": accuracy, "high": accuracy}
    assert rows["from_scratch"]["inputs"]["success_rate"] is None
    # (0 + 12 x 500 + 12 x 300,000 x 0.002) / (12 x 300,000 x accuracy)
    assert rows["pretrained"]["per_successful_outcome"]["low"] == pytest.approx(13200 / (3_600_000 * accuracy),
                                                                                 rel=1e-12)
    reasons = {d["field"]: d["reason"] for d in result["economics"]["defaults"]}
    assert "in production" in reasons["economics.strategies.pretrained.success_rate"]
