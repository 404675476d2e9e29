"""`assess --format adr`: the decision as a MADR 4.0 Architecture Decision Record."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import engine, report
from advisor.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SECTIONS = ["## Context and Problem Statement", "## Decision Drivers", "## Considered Options",
            "## Decision Outcome", "### Consequences", "### Confirmation", "## Pros and Cons of the Options",
            "## More Information"]


@pytest.fixture(scope="module")
def recurring():
    a = engine.assess_file(EXAMPLES / "recurring-failures" / "profile.yaml")
    return a, report.render_adr(a, EXAMPLES / "recurring-failures")


def test_front_matter_with_status_then_the_madr_sections_in_order(recurring):
    _, adr = recurring
    assert adr.startswith("---\nstatus: proposed\n---\n\n# Fine-tune a pre-trained model for Claims intake extraction\n")
    positions = [adr.index(f"\n{heading}\n") for heading in SECTIONS]
    assert positions == sorted(positions)


def test_considered_options_are_every_strategy_and_the_chosen_one_is_among_them(recurring):
    a, adr = recurring
    options = adr[adr.index("## Considered Options"):adr.index("## Decision Outcome")]
    names = [s["name"] for s in a["strategies"]]
    assert re.findall(r"^\* (.+) \(`\w+`\)$", options, re.M) == names
    chosen = re.search(r'^Chosen option: "(.+?)", because (.+)$', adr, re.M)
    assert chosen.group(1) == names[0] == "Fine-tune a pre-trained model"
    assert chosen.group(2).startswith("known, measured failure classes")
    for name in names:
        assert f"\n### {name}\n" in adr


def test_consequences_and_confirmation_are_the_projects(recurring):
    _a, adr = recurring
    consequences = adr[adr.index("### Consequences"):adr.index("### Confirmation")]
    assert "* Neutral, because Post-hoc calibration of the existing model must be added after it." in consequences
    assert "* Bad, because the baseline numbers are claimed, not measured" in consequences
    confirmation = adr[adr.index("### Confirmation"):adr.index("## Pros and Cons")]
    assert "1. Write down the recurring failure classes" in confirmation
    assert "Compare against the measured baseline on the eval set" in confirmation
    # a warning-only rule is a risk, not a decision driver
    drivers = adr[adr.index("## Decision Drivers"):adr.index("## Considered Options")]
    assert "third common mistake" not in drivers


def test_cli_writes_the_adr_alone(tmp_path):
    out = tmp_path / "0007-model-strategy.md"
    result = CliRunner().invoke(main, ["assess", str(EXAMPLES / "urgent-launch" / "profile.yaml"), "--format", "adr",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    assert out.read_text().startswith("---\nstatus: proposed\n---\n")


def test_hostile_names_are_escaped(recurring):
    a, _ = recurring
    hostile = dict(a, inputs=dict(a["inputs"], profile=dict(a["inputs"]["profile"], name="x <b>|</b>\n# y")))
    adr = report.render_adr(hostile)
    assert "<b>" not in adr and "\n# y" not in adr
    assert "# Fine-tune a pre-trained model for x &lt;b&gt;\\|&lt;/b&gt; \\# y\n" in adr


def test_keep_the_current_approach_is_recorded_as_keeping_an_option(recurring):
    a, _ = recurring
    kept = dict(a, recommendation=dict(a["recommendation"], change_needed=False, companions=[]))
    adr = report.render_adr(kept)
    assert "\n# Keep the current approach for Claims intake extraction\n" in adr
    assert ('Chosen option: "Fine-tune a pre-trained model", kept as it runs today, because the measured evidence '
            "meets the targets and nothing in the profile calls for a change.") in adr
