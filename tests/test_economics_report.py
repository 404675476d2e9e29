"""The report's "Cost" section (cost table, chart, break-evens) and the plan's weeks against the launch."""

from __future__ import annotations

import copy
from pathlib import Path

from click.testing import CliRunner
from helpers import figures_beside

from advisor import cli, engine, profile, report
from advisor.rubric import load_rubric

RUBRIC = load_rubric(None)
BASE = {
    "version": 1,
    "project": {"name": "Claims intake"},
    "scores": {"quality_gap": 3, "data_readiness": 4, "latency": 2, "cost": 3, "governance": 2, "control": 1},
    "context": {"launch_weeks": 12, "labeled_examples": 20000, "has_eval_set": True, "failure_classes_known": True,
                "monthly_volume": 2_000_000, "adaptation_tried": ["pretrained"]},
    "baseline": {"target_accuracy": 0.92},
}
MONEY = {
    "currency": "EUR",
    "cost_per_error": 4.0,
    "strategies": {
        "pretrained": {"build": 15000, "monthly": 6000, "per_request": [0.002, 0.004], "success_rate": 0.86},
        "fine_tune": {"build": [40000, 80000], "monthly": 9000, "per_request": 0.0009, "success_rate": [0.92, 0.95]},
        "calibrate": {"build": 5000, "monthly": 500, "per_request": 0},
    },
}


def assessment(data: dict) -> dict:
    loaded = profile.LoadedProfile(profile=profile.validate_profile_data(data, "t.yaml"), path=Path("t.yaml"),
                                   text="", sha256="0" * 64)
    return engine.assess(loaded, RUBRIC)


def section(markdown: str) -> str:
    return markdown[markdown.index("## Cost\n"):markdown.index("## What would change the answer")]


def plan(markdown: str) -> str:
    return markdown[markdown.index("## Plan"):markdown.index("## Risks")]


def rows(text: str, *leading: str) -> list[list[str]]:
    """Table rows whose first cells are ``leading``, each as its list of cells."""
    found = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[:len(leading)] == list(leading):
            found.append(cells)
    return found


def test_cost_table_by_hand():
    data = {**copy.deepcopy(BASE), "economics": MONEY}
    text = section(report.render_markdown(assessment(data), figure_links={"costs": "r.costs.svg"}))
    assert "Total cost of ownership over 12 months, in EUR." in text
    assert "![Total cost per strategy over 12 months, low to high](r.costs.svg)" in text
    (pre,) = rows(text, "Pre-trained model with prompting and retrieval")
    # total 15,000 + 72,000 + 48,000..96,000 + 13,440,000; per success 135,000 / 20,640,000 ..
    assert pre == ["Pre-trained model with prompting and retrieval", "13,575,000 to 13,623,000",
                   "0.006541 to 0.008866", "15,000", "72,000", "48,000 to 96,000", "13,440,000", "0.86"]
    (ft,) = rows(text, "Fine-tune a pre-trained model **(recommended)**")
    assert ft[1] == "4,969,600 to 7,889,600" and ft[6] == "4,800,000 to 7,680,000"
    # calibrate: no success rate, so no error cost, total or cost per success; the field is named.
    (cal,) = rows(text, "Post-hoc calibration of the existing model")
    assert cal[1:] == ["n/a", "n/a", "5,000", "6,000", "0", "n/a", "n/a"]
    assert "- `economics.strategies.calibrate.success_rate`" in text
    assert "- `economics.strategies.from_scratch` (no figures for this strategy at all)" in text
    assert "Cheapest that meets the target accuracy (0.9200): Fine-tune a pre-trained model." in text
    (pair,) = rows(text, "Pre-trained model with prompting and retrieval / Fine-tune a pre-trained model")
    assert pair[1].startswith("14,077 a month (Pre-trained model with prompting and retrieval cheaper below")
    assert pair[2].startswith("34,622 a month")


def test_without_economics_the_report_has_no_cost_section_and_asks_for_the_numbers():
    text = report.render_markdown(assessment(BASE))
    assert "## Cost\n" not in text and "| Strategy | Total |" not in text
    inputs = text[text.index("## Inputs"):]
    assert "No `economics` section" in inputs
    for field in ("`build`", "`monthly`", "`per_request`", "`success_rate`", "`cost_per_error`"):
        assert field in inputs


def test_weeks_against_the_launch_flag_what_cannot_fit():
    data = copy.deepcopy(BASE)
    data["context"].update(launch_weeks=2, has_eval_set=False)
    a = assessment(data)
    text = plan(report.render_markdown(a))
    assert "Launch needed in 2 weeks." in text
    first = f"1. {a['strategies'][0]['name']}"  # whatever the primary is, its stage comes first
    low, high = RUBRIC.strategy(a["recommendation"]["primary"]).time_to_production_weeks
    (eval_set,) = rows(text, first, "Build the eval set")
    assert eval_set[2:] == ["2.0-4.0", "0.0", "2.0-4.0", "at risk (only if the early estimates hold)"]
    (pilot,) = rows(text, first, "Pilot")
    # The pilot takes 60% of the time to production and starts when the eval set is done.
    assert pilot[2:4] == [f"{0.6 * low:.1f}-{0.6 * high:.1f}", "2.0-4.0"]
    assert pilot[5] == "**cannot fit** (late even at the early end)"
    assert "is fully rolled out in weeks" in text and ": **cannot fit**" in text


def test_hostile_currency_label_is_escaped_in_table_and_chart(tmp_path):
    data = {**copy.deepcopy(BASE), "economics": {**copy.deepcopy(MONEY), "currency": "<b>|$</b>"}}
    a = assessment(data)
    text = section(report.render_markdown(a))
    assert "<b>" not in text and "&lt;b&gt;\\|\\$&lt;/b&gt;" in text
    svg = report.render_figures(a)["costs"][1]
    assert "<b>" not in svg and "&lt;b&gt;|$&lt;/b&gt;" in svg


def test_assess_writes_the_cost_chart_next_to_the_report(tmp_path):
    import yaml

    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump({**BASE, "economics": MONEY}))
    result = CliRunner().invoke(cli.main, ["assess", str(path), "-o", str(tmp_path / "report.md")])
    assert result.exit_code == 0, result.output
    costs = figures_beside(tmp_path)["costs"]
    assert f"({costs})" in (tmp_path / "report.md").read_text()
    path.write_text(yaml.safe_dump(BASE))
    out = tmp_path / "plain"
    out.mkdir()
    assert CliRunner().invoke(cli.main, ["assess", str(path), "-o", str(out / "report.md")]).exit_code == 0
    assert "costs" not in figures_beside(out)
