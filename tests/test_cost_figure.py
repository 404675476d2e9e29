"""The cost-range chart: geometry from the economics section, valid SVG, honest labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from advisor import cost_figure
from advisor.economics import Economics, Evidence, assess_economics
from advisor.report import svg_environment

SVG = "{http://www.w3.org/2000/svg}"


def assessment(section, volume=1_000_000, primary="fine_tune", name="Claims <intake> & co"):
    econ = assess_economics(Economics.model_validate(section), Evidence(monthly_volume=volume))
    return {"economics": econ, "recommendation": {"primary": primary},
            "strategies": [{"id": "fine_tune", "name": "Fine-tune a pre-trained model"}],
            "inputs": {"profile": {"name": name}}}


SECTION = {"currency": "EUR", "strategies": {
    "pretrained": {"build": 10000, "monthly": 5000, "per_request": [0.002, 0.004]},
    "fine_tune": {"build": [40000, 80000], "monthly": 9000, "per_request": 0.001},
    "from_scratch": {"build": 2000000},
}}


def render(a) -> ET.Element:
    geometry = cost_figure.cost_geometry(a)
    text = svg_environment().get_template(cost_figure.COST_TEMPLATE).render(geometry)
    return ET.fromstring(text)


def test_no_economics_no_chart():
    assert cost_figure.cost_geometry({"economics": None}) is None


def test_bars_span_low_to_high_on_a_linear_axis_from_zero():
    a = assessment(SECTION)
    g = cost_figure.cost_geometry(a)
    # pretrained: 10,000 + 60,000 + 24,000..48,000 = 94,000..118,000;
    # fine_tune: 40,000..80,000 + 108,000 + 12,000 = 160,000..200,000. Axis 0..200k in steps of 50k.
    assert [t["text"] for t in g["axis"]] == ["0", "50k", "100k", "150k", "200k"]
    pre, ft, scratch = g["bars"]
    scale = 480 / 200_000
    assert float(pre["x"]) == pytest.approx(24 + 94_000 * scale, abs=0.05)
    assert float(pre["w"]) == pytest.approx((118_000 - 94_000) * scale, abs=0.1)
    assert pre["value"] == "94k to 118k EUR"
    assert ft["primary"] and ft["name"] == "Fine-tune a pre-trained model"
    assert not scratch["priced"]
    assert scratch["value"] == "not computed; missing: monthly, per_request, success_rate"


def test_svg_is_well_formed_and_escapes_the_project_name():
    root = render(assessment(SECTION))
    assert root.find(f"{SVG}title").text == "Total cost of ownership: Claims <intake> & co"
    rects = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in rects] == [
        "Pre-trained model: 94k to 118k EUR", "Fine-tune a pre-trained model: 160k to 200k EUR"]


def test_a_point_estimate_is_still_visible():
    section = {"strategies": {"pretrained": {"build": 1000, "monthly": 0, "per_request": 0}}}
    (bar,) = cost_figure.cost_geometry(assessment(section, primary="pretrained"))["bars"]
    assert float(bar["w"]) >= 3 and bar["value"] == "1k USD"


@pytest.mark.parametrize("value, text", [(0, "0"), (0.0042, "0.0042"), (12.5, "12.50"), (1234567.4, "1,234,567")])
def test_money_format(value, text):
    assert cost_figure.money(value) == text


def test_ticks_are_round_and_cover_the_top():
    assert cost_figure.nice_ticks(13_623_000) == [0, 5e6, 10e6, 15e6]
    assert cost_figure.nice_ticks(0) == [0.0, 1.0]


@pytest.mark.parametrize("low, high, text", [
    (13_575_000, 13_623_000, "13.57M to 13.62M"), (4_969_600, 7_889_600, "4.97M to 7.89M"), (1000, 1000, "1k"),
    (100.0, 100.0000001, "100"),
])
def test_span_text_tells_the_ends_apart(low, high, text):
    assert cost_figure.span_text(low, high) == text
