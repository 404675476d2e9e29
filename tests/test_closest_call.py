""""What would change the answer": the closest call is a real contest, never a negative lead."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from advisor.cli import main

# Found by a search over random profiles: pre-trained is the only eligible strategy, and at
# several scores the gated fine-tune outscores it (a negative "lead" of up to -2.80).
ONLY_ONE_ELIGIBLE = """\
version: 1
project: {name: Only one door open}
scores: {quality_gap: 4, data_readiness: 1, latency: 0, cost: 5, governance: 5, control: 1}
context:
  launch_weeks: 4
  failure_classes_known: false
  sovereignty_required: true
  proprietary_data_moat: true
  adaptation_tried: [pretrained, fine_tune]
  labeled_examples: 100
  confidence_used_downstream: false
"""


def test_closest_call_never_reports_a_negative_lead(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(ONLY_ONE_ELIGIBLE)
    result = CliRunner().invoke(main, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    sentences = " ".join(data["what_would_change"])
    assert not re.search(r"by -\d", sentences), sentences
    closest = next(s for s in data["what_would_change"] if s.startswith("No single change"))
    # pre-trained is the only eligible strategy: a lead over a gated rival is no contest, so the
    # sentence names the rules instead of the smallest such lead
    assert closest.endswith("every other strategy is blocked by a rule, so only meeting that rule's condition "
                            "could change it."), closest
    assert all(row["closest"]["rivals_blocked"] for row in data["sensitivity"])
