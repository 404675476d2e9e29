"""The selective-prediction (risk-coverage) figure: drawn with a target accuracy, linked or inlined."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from advisor import engine
from advisor.cli import main
from advisor.report.figures import render_figures
from advisor.report.selective_figure import risk_geometry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "evaluation-records"


def copy_example(tmp_path: Path) -> Path:
    for name in ("profile.yaml", "records.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path / "profile.yaml"


def test_markdown_report_links_the_risk_figure(tmp_path, monkeypatch):
    copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["assess", "profile.yaml", "-o", "report.md"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    [figure] = [path.name for path in tmp_path.glob("report.risk.*.svg")]  # named after its content
    assert f"![Selective prediction: accuracy of the accepted rows against the share accepted]({figure})" in report
    svg = (tmp_path / figure).read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "target 95%" in svg and "<polyline" in svg
    assert "100% automated at 95% today; 100% after calibration" in svg


def test_html_report_inlines_it(tmp_path, monkeypatch):
    copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["assess", "profile.yaml", "--format", "html", "-o", "report.html"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'aria-labelledby="risk-title risk-desc"' in html and not list(tmp_path.glob("report.risk*.svg"))


def test_no_target_no_figure(tmp_path, monkeypatch):
    profile = copy_example(tmp_path)
    profile.write_text(profile.read_text().replace("  target_accuracy: 0.95\n", ""))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["assess", "profile.yaml", "-o", "report.md"]).exit_code == 0
    assert not list(tmp_path.glob("report.risk*.svg"))


def test_geometry_follows_the_curve(tmp_path, monkeypatch):
    monkeypatch.chdir(EXAMPLE)
    assessment = engine.assess_file("profile.yaml")
    geometry = risk_geometry(assessment)
    selective = assessment["calibration"]["measured"]["selective"]
    points = [tuple(map(float, pair.split(","))) for pair in geometry["points"].split()]
    assert len(points) == len(selective["curve"])
    # x grows with coverage: 64 px at 0, 464 px at 1
    assert [x for x, _ in points] == [round(64 + 400 * p["coverage"], 1) for p in selective["curve"]]
    # y falls as accuracy rises, on the axis from its 0.05 floor (0.90 here) to 1
    floor = float(geometry["y_ticks"][0]["v"])
    assert floor == 0.9 and all(56.0 <= y <= 316.0 for _, y in points)
    assert float(geometry["target_y"]) == round(56 + 260 * (1 - (0.95 - floor) / (1 - floor)), 1)
    assert re.search(r"today: 100% accepted at confidence of at least 0\.3206", geometry["desc"])


def test_both_best_thresholds_stay_visible_where_they_coincide():
    # today and after calibration at the same point: an open diamond (drawn first) frames today's dot
    data = json.loads((Path(__file__).parent / "fixtures" / "assessment_calibrated.json").read_text())
    curve = [{"threshold": 0.9, "coverage": 0.5, "accuracy": 0.96}, {"threshold": 0.5, "coverage": 1.0,
                                                                      "accuracy": 0.82}]
    data["calibration"]["measured"]["selective"] = {
        "target_accuracy": 0.95, "threshold": 0.9, "coverage": 0.5, "accuracy": 0.96, "curve": curve,
        "after_calibration": {"method": "temperature", "threshold": 0.88, "coverage": 0.5, "accuracy": 0.96}}
    geometry = risk_geometry(data)
    today, after = geometry["marks"]
    # x = 64 + 400 * 0.5; y = 56 + 260 * (1 - (0.96 - 0.75) / 0.25) on an axis from 0.75 (below 0.82)
    assert (today["x"], today["y"]) == (after["x"], after["y"]) == ("264.0", "97.6")
    assert after["path"] == "M 264.0 88.6 L 273.0 97.6 L 264.0 106.6 L 255.0 97.6 Z"
    svg = render_figures(data)["risk"][1]
    diamond = svg.index('<path d="M 264.0 88.6 L 273.0 97.6 L 264.0 106.6 L 255.0 97.6 Z" fill="none"')
    dot = svg.index('<circle cx="264.0" cy="97.6" r="4.5" fill="#3b6ea5"')
    assert diamond < dot  # the dot is drawn on top, inside the unfilled diamond
    assert ">best threshold today</text>" in svg and ">best threshold after calibration</text>" in svg
