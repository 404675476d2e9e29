"""The reliability diagram: colours that match the legend, accuracy bars that reach the
accuracy, and thin bins drawn lighter than full ones."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from advisor import report

SVG = "{http://www.w3.org/2000/svg}"
FIXTURES = Path(__file__).parent / "fixtures"
HEAVY, THIN = "#3b6ea5", "#b9cde4"


@pytest.fixture
def figure() -> ET.Element:
    """The issue's case: one correct prediction at confidence 0.58 (underconfident, 1 sample)
    beside an overconfident bin of 277."""
    data = json.loads((FIXTURES / "assessment_calibrated.json").read_text())
    bins = data["calibration"]["measured"]["bins"]
    for b in bins:
        b.update(count=0, confidence=None, accuracy=None)
    bins[8].update(count=1, confidence=0.58, accuracy=1.0)      # (0.533, 0.600]
    bins[14].update(count=277, confidence=0.97, accuracy=0.80)  # (0.933, 1.000]
    return ET.fromstring(report.render_figures(data)["reliability"][1])


def chart_and_legend(root: ET.Element) -> tuple[list[ET.Element], list[ET.Element]]:
    """The rectangles of the plot and those of the legend (below the counts row)."""
    # not the white background, nor the patterns' own tiles (no position)
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("width") != "480" and r.get("y") is not None]
    legend_top = float(next(t for t in root.iter(f"{SVG}text") if t.text == "accuracy").get("y")) - 12
    return ([r for r in rects if float(r.get("y")) < legend_top - 40],
            [r for r in rects if float(r.get("y")) >= legend_top - 2])


def test_nothing_is_drawn_semi_transparent(figure):
    text = ET.tostring(figure, encoding="unicode")
    assert "opacity" not in text


def test_accuracy_bar_of_an_underconfident_bin_reaches_the_accuracy(figure):
    bars = [r for r in figure.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    underconfident = next(b for b in bars if "accuracy 1.000" in b.find(f"{SVG}title").text)
    # accuracy 1.0 -> the full 360 px plot height, from the top edge (y = 48): not stopped at 0.58
    assert (underconfident.get("y"), underconfident.get("height")) == ("48.0", "360.0")
    # and it stays visible under its gap: the underconfident pattern is stripes with no tile behind them
    for pattern in figure.iter(f"{SVG}pattern"):
        if pattern.get("id").startswith("reliability-under"):
            assert pattern.find(f"{SVG}rect") is None and pattern.find(f"{SVG}line") is not None
    heavy = next(b for b in bars if "277 predictions" in b.find(f"{SVG}title").text)
    assert heavy.get("height") == f"{360 * 0.80:.1f}"


def test_every_gap_fill_on_the_chart_is_drawn_in_the_legend(figure):
    chart, legend = chart_and_legend(figure)
    used = {r.get("fill") for r in chart if r.get("fill", "").startswith("url(")}
    assert used == {"url(#reliability-under-thin)", "url(#reliability-over)"}
    shown = {r.get("fill") for r in legend}
    assert used <= shown
    # the underconfident swatch is the stripes over the bar colour, as on the chart
    swatch = [r for r in legend if r.get("fill") in (HEAVY, "url(#reliability-under)")]
    assert [r.get("fill") for r in swatch][-2:] == [HEAVY, "url(#reliability-under)"]


def test_a_thin_bin_is_lighter_than_a_full_one_and_its_count_is_marked(figure):
    bars = {b.find(f"{SVG}title").text.split(":")[0]: b for b in figure.iter(f"{SVG}rect")
            if b.find(f"{SVG}title") is not None}
    assert bars["0.53-0.60"].get("fill") == THIN and "(thin)" in bars["0.53-0.60"].find(f"{SVG}title").text
    assert bars["0.93-1.00"].get("fill") == HEAVY
    counts = {t.text: t for t in figure.iter(f"{SVG}text") if t.text in ("1", "277")}
    assert counts["1"].get("font-style") == "italic" and counts["277"].get("font-style") is None
    legend = [t.text for t in figure.iter(f"{SVG}text")]
    assert any(text and text.startswith("thin bin: fewer than 10 predictions") for text in legend)


def test_mean_confidence_is_marked_in_each_bin(figure):
    group = next(g for g in figure.iter(f"{SVG}g") if g.get("stroke") == "#222222")
    # one tick per non-empty bin at its mean confidence: 0.97 -> y = 48 + 360 * 0.03, 0.58 -> 48 + 360 * 0.42
    assert sorted(float(t.get("y1")) for t in group.iter(f"{SVG}line")) == [round(48 + 360 * 0.03, 1),
                                                                            round(48 + 360 * 0.42, 1)]
