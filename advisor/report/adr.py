"""The decision as an Architecture Decision Record in the MADR 4.0 layout (``templates/adr.md.j2``).

Front matter with ``status``, then "Context and Problem Statement", "Decision Drivers",
"Considered Options", "Decision Outcome" with "Consequences" and "Confirmation", "Pros
and Cons of the Options" and "More Information". Escaped like the Markdown report.
"""

from __future__ import annotations

from pathlib import Path

from advisor.assessment import Assessment
from advisor.report import summary, view
from advisor.report.markdown import markdown_environment
from advisor.report.wording import lower_first
from advisor.text import for_document

ADR_TEMPLATE = "adr.md.j2"


def option_verdicts(a: Assessment) -> dict[str, list[str]]:
    """Per strategy, what the fired rules did to it, as MADR's "Good, because" / "Bad, because"."""
    verdicts: dict[str, list[str]] = {s.id: [] for s in a.strategies}
    for r in a.rules:
        if r.target not in verdicts or r.effect in ("companion", "warning"):
            continue
        if r.effect == "adjust" and r.amount is not None:
            word = "Good" if r.amount > 0 else "Bad"
            verdicts[r.target].append(f"{word}, because rule {r.id} {'adds' if r.amount > 0 else 'takes away'} "
                                      f"{abs(r.amount):.2f} points.")
        else:
            verdicts[r.target].append(f"Bad, because rule {r.id} {'vetoes' if r.effect == 'veto' else 'gates'} it.")
    return verdicts


def render_adr(assessment: Assessment | dict, report_dir: Path | None = None) -> str:
    a = Assessment.coerce(assessment)
    env = markdown_environment(a)
    env.filters["lower_first"] = lower_first
    context = dict(view.context(a, None, report_dir), options=option_verdicts(a),
                   risks=summary.risks(a, summary.names_of(a)))
    return for_document(env.get_template(ADR_TEMPLATE).render(context))
