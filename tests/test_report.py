"""The Markdown report and SVG figures, rendered from hand-written assessment fixtures."""

from __future__ import annotations

import copy
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import report
from advisor.errors import TemplateError

FIXTURES = Path(__file__).parent / "fixtures"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "Evil | <script>alert(1)</script> *x* _y_ `z` [link](http://e) # h\n- item & 1. two ~~s~~ $m$ \\"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"assessment_{name}.json").read_text())


@pytest.fixture
def calibrated() -> dict:
    return load("calibrated")


@pytest.fixture
def plain() -> dict:
    return load("plain")


# ---------------------------------------------------------------- escaping

@pytest.mark.parametrize("text, expected", [
    ("plain words", "plain words"),
    ("a | b", "a \\| b"),
    ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
    ("R&D", "R&amp;D"),
    ("*star* _under_ `tick`", "\\*star\\* \\_under\\_ \\`tick\\`"),
    ("[x](y)", "\\[x\\](y)"),
    ("# heading", "\\# heading"),
    ("- item", "\\- item"),
    ("1. first", "1\\. first"),
    ("line\nbreak\r\n\ttab", "line break tab"),
    ("0.1.0", "0.1.0"),
    ("-0.5", "-0.5"),
    ("back\\slash", "back\\\\slash"),
    (None, "n/a"),
    (3, "3"),
])
def test_md_escapes_by_hand(text, expected):
    assert report.md(text) == expected


def test_md_does_not_escape_twice():
    once = report.md("a | b")
    assert report.md(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_md_output_has_no_live_markup(text):
    out = report.md(text)
    assert "\n" not in out and "\r" not in out
    assert "<" not in out and ">" not in out
    # Every pipe, backtick, star, underscore and bracket is preceded by a backslash.
    stripped = out.replace("\\\\", "")
    for ch in "|`*_[]#":
        assert re.search(rf"(?<!\\){re.escape(ch)}", stripped) is None, (text, out)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1))
def test_table_row_keeps_its_columns_for_any_name(text):
    row = f"| {report.md(text)} | 3 |"
    cells = re.split(r"(?<!\\)\|", row.replace("\\\\", ""))
    assert len(cells) == 4  # leading "", the name, "3", trailing ""


def test_code_span_only_for_plain_identifiers():
    assert report.code("fine_tune") == "`fine_tune`"
    assert report.code("a`b") == "a\\`b"


def test_num_pct_interval():
    assert report.num(0.12345, 4) == "0.1235"
    assert report.num(2, 2, True) == "+2.00"
    assert report.num(None) == "n/a"
    assert report.pct(0.965) == "96.5%"
    assert report.interval([0.1, 0.25], 2) == "[0.10, 0.25]"
    assert report.interval(None) == "n/a"


# ---------------------------------------------------------------- the Markdown report

SECTIONS = ["## Summary", "## Why", "## Calibration evidence", "## What would change the answer", "## Plan",
            "## Risks", "## Inputs", "## Appendix"]


def test_rules_with_several_effects_are_one_row(calibrated):
    rule = {"id": "multi", "rationale": "Why.", "source": "guide"}
    calibrated["rules"] = [dict(rule, effect="adjust", target="pretrained", amount=2.0),
                           dict(rule, effect="gate", target="from_scratch", amount=None),
                           dict(rule, effect="warning", target=None, amount=None)]
    text = report.render_markdown(calibrated)
    assert ("| `multi` | adjust +2.00 Pre-trained model with prompting and retrieval; gate Train from scratch; "
            "warning | Why. | guide |") in text
    assert text.count("`multi`") == 1


def test_sections_in_reading_order(calibrated):
    text = report.render_markdown(calibrated)
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert text.startswith("# Model strategy for Claims intake\n")


def test_summary_states_the_decision_margin_and_next_step(calibrated, plain):
    text = report.render_markdown(calibrated)
    assert "**Decision: Post-hoc calibration, then fine-tune a pre-trained model** (`calibrate`)\n" in text
    assert "- **Decision:**" not in text  # the headline says it once
    assert "- **Margin:** 0.85 points ahead of fine-tune a pre-trained model: a clear lead" in text
    assert "- **Next step (week 1):** Fit temperature scaling on a held-out validation split.\n" in text
    assert "Provisional" not in text
    text = report.render_markdown(plain)
    assert "- **Provisional:** The answer stands only once the first steps (under Plan) are done.\n" in text
    assert "- **Margin:** 0.10 points ahead of fine-tune a pre-trained model: a narrow lead;" in text
    assert "First steps:\n\n1. Build an eval set.\n2. Measure the baseline.\n" in text


def test_dimension_table_and_rules(calibrated):
    text = report.render_markdown(calibrated)
    assert "| Data readiness | 4 | A labeled set with an eval split exists. |" in text
    assert "| `ece-above-target` | adjust +2.50 Post-hoc calibration | Measured ECE is above" in text
    assert ("| 4 | Train from scratch | 1.00 | gated by from-scratch-needs-failed-adaptation: ranks below every "
            "strategy open now, whatever its score |") in text
    assert "| Fine-tune a pre-trained model | 90 | 52 | 68 | 62 | 46 | 58 | 55 |" in text


def test_score_breakdown_is_one_folded_matrix(calibrated):
    text = report.render_markdown(calibrated)
    assert "| Item | `calibrate` | `fine_tune` | `pretrained` | `from_scratch` |" in text
    assert "| Starting score | +1.00 | +1.00 | +2.50 | +0.00 |" in text
    assert "| Rule ece-above-target | +2.50 |  |  |  |" in text
    assert "| **Total** | **3.90** | **3.05** | **2.50** | **1.00** |" in text
    folded = text[text.index("<summary>How each score is built"):]
    assert folded.index("| **Total** |") < folded.index("</details>")


def test_calibration_section(calibrated):
    text = report.render_markdown(calibrated)
    assert "| Accuracy | 0.8200 | [0.7700, 0.8700] | 0.8200 | 0.8000 |" in text
    assert ("| ECE (15 equal-width bins) | 0.1234 | [0.0900, 0.1600]; perfectly calibrated: 0.0310 | 0.0300 "
            "| 0.0500 |") in text
    assert ("Intervals from 200 bootstrap resamples (seed 0). The ECE interval is that of\nthe binned ECE at this "
            "sample size, which noise pushes above the true calibration error: it does not\ncontain 0 even for a "
            "perfectly calibrated model (what such a model would measure here is shown beside it).") in text
    assert "p = 0.0050 (consistency resampling, 200 resamples): the miscalibration is real." in text
    assert "an ECE of 0.0310 on average (the noise floor;" in text
    assert "| Temperature scaling | 0.0410 | 0.6100 | 0.2700 | 0.8200 |" in text
    # Only non-empty bins are listed; the fixture has 10 of 15.
    assert text.count("| -0.1500 |") == 10
    assert "- Claimed ECE 0.030 lies outside" in text


def test_no_calibration_says_how_to_attach(plain):
    text = report.render_markdown(plain)
    assert "No predictions are attached: add `baseline.predictions`" in text
    assert "## Calibration evidence" not in text and "Reliability" not in text


def test_not_significant_wording(calibrated):
    calibrated["calibration"]["measured"]["significance"]["p_value"] = 0.4
    assert "the measured ECE is within that noise." in report.render_markdown(calibrated)


def test_sensitivity_and_perturbation(calibrated, plain):
    text = report.render_markdown(calibrated)
    assert "| Quality gap | 1 | +3 (to 4): Fine-tune a pre-trained model |" in text
    assert "it stays first in 96.5% of random changes of the rubric's weights (up to 20%)." in text
    assert "Stages:" not in report.render_markdown(plain)


def test_inputs_table(calibrated):
    text = report.render_markdown(calibrated)
    assert "| Rubric | 'default', version 1 | rubrics/default.yaml | `" + "b" * 64 + "` |" in text
    assert "| Predictions | the attached predictions | preds.npz |" in text


def test_figure_links_are_relative_and_encoded(calibrated):
    links = {"reliability": "my report (v2).reliability.svg", "scores": "r.scores.svg"}
    text = report.render_markdown(calibrated, figure_links=links)
    assert "](my%20report%20%28v2%29.reliability.svg)" in text
    assert "![Strategy scores, best first](r.scores.svg)" in text
    assert ".svg)" not in report.render_markdown(calibrated)


def test_hostile_user_text_is_escaped_everywhere(calibrated):
    data = copy.deepcopy(calibrated)
    data["inputs"]["profile"]["name"] = HOSTILE
    data["inputs"]["profile"]["summary"] = HOSTILE
    data["warnings"] = [HOSTILE]
    data["calibration"]["findings"] = [HOSTILE]
    data["dimensions"][0]["level"] = HOSTILE
    text = report.render_markdown(data)
    # the only raw HTML is the report's own folding
    assert "<script>" not in text
    assert not re.search(r"<(?!/?(details|summary)>)", text)
    assert "&lt;script&gt;" in text
    title = text.splitlines()[0]
    assert title.startswith("# Model strategy for Evil \\| &lt;script&gt;")
    assert "\n- item" not in text  # the newline inside the name did not start a list
    # The dimension table row still has exactly its three columns.
    row = next(line for line in text.splitlines() if line.startswith("| Quality gap |") and "Evil" in line)
    assert len(re.split(r"(?<!\\)\|", row.replace("\\\\", ""))) == 5


def test_markdown_tables_are_rectangular(calibrated, plain):
    for data in (calibrated, plain):
        lines = report.render_markdown(data).splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("|"):
                block = []
                while i < len(lines) and lines[i].startswith("|"):
                    block.append(lines[i])
                    i += 1
                widths = {len(re.split(r"(?<!\\)\|", row.replace("\\\\", ""))) for row in block}
                assert len(widths) == 1, block
            i += 1


# ---------------------------------------------------------------- user templates

def test_user_template_renders_with_filters(tmp_path, calibrated):
    template = tmp_path / "mine.md.j2"
    template.write_text("{{ a.recommendation.primary | label }}: {{ a.inputs.profile.name }}"
                        " {{ a.calibration.measured.ece | num(3) }}\n")
    calibrated["inputs"]["profile"]["name"] = "a|b"
    text = report.render_markdown(calibrated, template_path=template)
    assert text == "Post-hoc calibration: a\\|b 0.123\n"


def test_user_template_raw_opts_out_of_escaping(tmp_path, calibrated):
    template = tmp_path / "t.j2"
    template.write_text("{{ a.inputs.profile.name | raw }}")
    calibrated["inputs"]["profile"]["name"] = "<b>"
    assert report.render_markdown(calibrated, template_path=template) == "<b>"


@pytest.mark.parametrize("body, line, words", [
    ("line one\n{{ a.no_such_key }}\n", 2, "no_such_key"),
    ("ok\nok\n{% if %}\n", 3, "syntax"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", 1, "unsafe"),
    ("x\n{{ a.recommendation.primary | nosuchfilter }}", 2, "nosuchfilter"),
])
def test_user_template_errors_name_file_and_line(tmp_path, calibrated, body, line, words):
    template = tmp_path / "bad.md.j2"
    template.write_text(body)
    with pytest.raises(TemplateError) as info:
        report.render_markdown(calibrated, template_path=template)
    rendered = info.value.render()
    assert rendered.startswith((f"{template}:{line}: ", f"{template}: ")), rendered
    assert f"{template}:{line}" in rendered or words == "unsafe"
    assert words in rendered.lower()


def test_missing_template_file(tmp_path, calibrated):
    with pytest.raises(TemplateError, match=r"none\.j2: no such file"):
        report.render_markdown(calibrated, template_path=tmp_path / "none.j2")


# ---------------------------------------------------------------- figures

def parse_svg(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text
    return root


def test_figures_are_well_formed_svg(calibrated, plain):
    figures = report.render_figures(calibrated)
    assert set(figures) == {"reliability", "scores"}
    assert figures["reliability"][0] == ".reliability.svg"
    assert figures["scores"][0] == ".scores.svg"
    for _, svg in figures.values():
        parse_svg(svg)
    assert set(report.render_figures(plain)) == {"scores"}


def test_reliability_diagram_draws_bins_diagonal_and_gaps(calibrated):
    root = parse_svg(report.render_figures(calibrated)["reliability"][1])
    rects = root.iter(f"{SVG}rect")
    bars = [r for r in rects if r.find(f"{SVG}title") is not None]
    assert len(bars) == 10  # one accuracy bar per non-empty bin
    # Bin 0.933-1.000: accuracy 0.8177 -> bar height 360 * 0.8177 = 294.4 px.
    last = bars[-1]
    assert last.get("height") == "294.4"
    assert "118 predictions" in last.find(f"{SVG}title").text
    lines = list(root.iter(f"{SVG}line"))
    assert any(ln.get("stroke-dasharray") for ln in lines)  # the diagonal
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "118" in texts and texts.count("0") >= 5  # counts of every bin, empty ones too


def test_scores_chart_marks_gated_and_vetoed(plain):
    root = parse_svg(report.render_figures(plain)["scores"][1])
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "2.00 (vetoed)" in texts
    assert "-0.50" in texts  # negative scores are drawn left of the zero line
    hatched = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "url(#scores-blocked)"]
    assert len(hatched) == 1


def test_svg_escapes_hostile_names(calibrated):
    calibrated["inputs"]["profile"]["name"] = HOSTILE
    calibrated["strategies"][0]["name"] = "<x>&"
    for _, svg in report.render_figures(calibrated).values():
        parse_svg(svg)
        assert "<script>" not in svg
    root = parse_svg(report.render_figures(calibrated)["scores"][1])
    assert root.find(f"{SVG}title").text.startswith("Strategy scores: Evil | <script>")


def test_figures_are_deterministic(calibrated):
    assert report.render_figures(calibrated) == report.render_figures(copy.deepcopy(calibrated))


# ---------------------------------------------------------------- control characters

# Characters XML 1.0 forbids (besides tab, newline, carriage return) and C1 controls.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@pytest.mark.parametrize("name", ["bell\a here", "nul\0", "esc\x1b[31m red", "nonchar\ufffe\uffff"])
def test_svg_survives_control_characters_by_hand(calibrated, name):
    calibrated["inputs"]["profile"]["name"] = name
    for _, svg in report.render_figures(calibrated).values():
        assert parse_svg(svg).find(f"{SVG}title").text.endswith(_FORBIDDEN.sub(" ", name))


@settings(max_examples=60, deadline=None)
@given(name=st.text(st.characters(codec=None, exclude_categories=())), strategy=st.text())
def test_any_user_text_gives_well_formed_svg_and_clean_markdown(name, strategy):
    data = load("calibrated")
    data["inputs"]["profile"]["name"] = name
    data["inputs"]["profile"]["summary"] = name
    data["strategies"][0]["name"] = strategy
    for _, svg in report.render_figures(data).values():
        parse_svg(svg)
    text = report.render_markdown(data)
    assert not _FORBIDDEN.search(text.replace("\t", "")), repr(text)


def test_raw_filter_still_drops_control_characters(tmp_path, calibrated):
    template = tmp_path / "t.j2"
    template.write_text("{{ a.inputs.profile.name | raw }}")
    calibrated["inputs"]["profile"]["name"] = "a\x1bb\0c\td"
    assert report.render_markdown(calibrated, template_path=template) == "a b c\td"


def test_blocked_runner_up_with_a_higher_score_is_explained_not_shown_as_negative_margin(calibrated):
    strategies = copy.deepcopy(calibrated["strategies"])
    strategies[1].update(score=6.4, status="gated", blocked_by=["needs-an-eval-set"])
    strategies[2:] = [dict(strategies[2], rank=3, status="gated", blocked_by=["other"]), strategies[3]]
    blocked = dict(calibrated, strategies=strategies,
                   recommendation=dict(calibrated["recommendation"], margin=-2.5, companions=[]))
    text = report.render_markdown(blocked)
    assert "by -" not in text and "ahead of" not in text
    assert ("- **Margin:** Fine-tune a pre-trained model scores 2.50 points higher but is gated by "
            "needs-an-eval-set, so it cannot be pursued until that rule's condition no longer holds.") in text
    # the ranking says why rank 2 sits above the others despite the scores
    assert "| 2 | Fine-tune a pre-trained model | 6.40 | gated by needs-an-eval-set: ranks below every" in text


def test_fact_values_read_as_words():
    assert (report.fact(True), report.fact(False), report.fact(None)) == ("yes", "no", "unknown")
    assert report.fact(0.5) == "0.5000" and report.fact("a|b") == report.md("a|b")


def test_indices_note_is_shown_under_the_indices_table(calibrated):
    strategies = [dict(s, indices_note="Derived, not from the guide.") if s["id"] == "calibrate" else s
                  for s in calibrated["strategies"]]
    text = report.render_markdown(dict(calibrated, strategies=strategies))
    assert ": Derived, not from the guide." in text


def test_a_copy_of_the_builtin_template_renders_the_same_report(tmp_path):
    from advisor import engine
    from advisor.resource import template_dir

    for name in ("report.md.j2", "economics.md.j2", "timeline.md.j2"):
        shutil.copy(template_dir() / name, tmp_path / name)
    examples = Path(__file__).resolve().parent.parent / "examples"
    for folder in ("calibrate", "economics"):
        a = engine.assess_file(examples / folder / "profile.yaml")
        assert (report.render_markdown(a, template_path=tmp_path / "report.md.j2")
                == report.render_markdown(a)), folder
