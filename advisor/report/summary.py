"""The executive summary: the decision and what a reader needs to act on it, in plain sentences.

Everything here is computed from the typed assessment; the templates only lay it out (and
escape it). Each sentence is plain text: no Markdown, no HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.assessment import Assessment, Strategy
from advisor.cost_figure import money
from advisor.report import measured
from advisor.report.wording import lower_first, sentence

# Below this lead (in score points) a decision is called narrow when the engine gives no
# close-call verdict of its own: a one-notch change of a 0.1-weighted dimension moves 0.1-0.5.
NARROW_LEAD = 0.5


@dataclass
class Line:
    """One line of the summary: a bold label and its sentence."""

    label: str
    text: str


@dataclass
class Summary:
    headline: str                 # "Fine-tune a pre-trained model, then post-hoc calibration"
    primary: str                  # strategy id
    keep: bool                    # keep the current approach (change_needed is false)
    reason: str = ""              # the main reason, one sentence
    lines: list[Line] = field(default_factory=list)


def names_of(a: Assessment) -> dict[str, str]:
    return {s.id: s.name for s in a.strategies}


def summarize(a: Assessment) -> Summary:
    rec = a.recommendation
    names = names_of(a)
    keep = rec.change_needed is False
    summary = Summary(headline=headline(a, names, keep), primary=rec.primary, keep=keep)
    lines = summary.lines
    lines.append(Line("Margin", margin_sentence(a, names)))
    if rec.close_call_reasons:  # engine-written sentences: why a person should review this answer
        lines.append(Line("Close call", " ".join(rec.close_call_reasons)))
    if rec.provisional:
        lines.append(Line("Provisional", "The answer stands only once the first steps (under Plan) are done."))
    summary.reason = main_reason(a, names)
    lines.append(Line("Main reason", summary.reason))
    cost = cost_sentence(a, names)
    if cost:
        lines.append(Line("12-month cost" if cost_horizon(a) == 12 else "Cost", cost))
    lines.append(Line("Top risk", top_risk(a, names)))
    if a.what_would_change:
        lines.append(Line("What would change the answer", sentence(a.what_would_change[0])))
    step = next_step(a)
    if step:
        lines.append(Line(step[0], step[1]))
    return summary


def headline(a: Assessment, names: dict[str, str], keep: bool) -> str:
    rec = a.recommendation
    if keep:
        current = current_approach(a)
        return "Keep the current approach" + (f": {lower_first(names.get(current, current))}" if current else "")
    text = names.get(rec.primary, rec.primary)
    if rec.companions:
        text += ", then " + ", ".join(lower_first(names.get(c, c)) for c in rec.companions)
    return text


def current_approach(a: Assessment) -> str | None:
    context = a.inputs.profile.context or {}
    value = context.get("current_approach")
    return value if isinstance(value, str) and value != "none" else None


def runner_up(a: Assessment) -> Strategy | None:
    return a.strategies[1] if len(a.strategies) > 1 else None


def best_eligible_rival(a: Assessment) -> Strategy | None:
    return next((s for s in a.strategies[1:] if s.status == "eligible"), None)


def margin_sentence(a: Assessment, names: dict[str, str]) -> str:
    rec = a.recommendation
    runner = runner_up(a)
    if runner is None:
        return "The rubric has a single strategy."
    if rec.margin < 0:
        text = (f"{runner.name} scores {-rec.margin:.2f} points higher but is {runner.status} by "
                f"{', '.join(runner.blocked_by)}, so it cannot be pursued until that rule's condition no longer holds")
        rival = best_eligible_rival(a)
        primary = a.strategy(rec.primary)
        if rival is not None and primary is not None:
            text += f"; among the strategies open now it leads {lower_first(rival.name)} by {primary.score - rival.score:.2f}"
        return sentence(text)
    primary = a.strategy(rec.primary)
    if runner.status != "eligible" and primary is not None and primary.status == "eligible":
        # No score contest: every rival waits on a rule, so a score lead says nothing.
        text = ("It is the only strategy open now: every other one is gated or vetoed by a rule of the rubric "
                "(see the ranking)")
    else:
        text = f"{rec.margin:.2f} points ahead of {lower_first(runner.name)}: {closeness(a)}"
    perturbation = a.weight_perturbation
    if perturbation is not None and perturbation.primary_survival < 1:
        text += (f"; it stays first in {100 * perturbation.primary_survival:.1f}% of random changes of the rubric's "
                 f"{varied(perturbation.varies)} (up to {100 * perturbation.relative:.0f}%)")
    return sentence(text)


def varied(parts: list[str] | None) -> str:
    """What the robustness check moved: 'weights, rule amounts and thresholds' (older assessments: weights)."""
    if not parts:
        return "weights"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def closeness(a: Assessment) -> str:
    rec = a.recommendation
    if rec.close_call is True:
        return "a close call; review it with the people who own the decision before committing"
    if rec.close_call is False:
        return "a clear lead"
    return "a narrow lead" if rec.margin < NARROW_LEAD else "a clear lead"


def main_reason(a: Assessment, names: dict[str, str]) -> str:
    """The rule that raised the primary most, else what in the dimension scores favours it."""
    rec = a.recommendation
    if rec.reason:
        return sentence(rec.reason)
    primary, runner = a.strategy(rec.primary), runner_up(a)
    if primary is None or runner is None:
        return "It is the only strategy the rubric offers."
    boosts = [c for c in primary.contributions if c.source == "rule" and c.value > 0]
    if boosts:  # an older assessment without `reason`
        return sentence(max(boosts, key=lambda c: c.value).detail or f"Rule {boosts[0].id} favours it")
    theirs = {(c.source, c.id): c.value for c in runner.contributions}
    advantages = sorted(((c.value - theirs.get((c.source, c.id), 0.0), c) for c in primary.contributions
                         if c.source == "dimension"), key=lambda item: -item[0])
    dimensions = {d.id: d for d in a.dimensions}
    if advantages and advantages[0][0] > 0:
        gain, row = advantages[0]
        dim = dimensions.get(row.id)
        what = f"{dim.name.lower()} scored {dim.score}" if dim else row.id
        return sentence(f"No rule singles it out; its dimension scores favour it most through {what}, which gives it "
                        f"{gain:.2f} points more than {lower_first(runner.name)}")
    return sentence(f"No rule singles it out; it starts from a higher base score in the rubric than "
                    f"{lower_first(runner.name)}")


def cost_horizon(a: Assessment) -> int | None:
    return a.economics.horizon_months if a.economics is not None else None


def cost_sentence(a: Assessment, names: dict[str, str]) -> str | None:
    economics = a.economics
    if economics is None:
        return None
    costs = next((s for s in economics.strategies if s.id == a.recommendation.primary), None)
    if costs is None or costs.total.low is None or costs.total.high is None:
        return None
    low, high = money(costs.total.low), money(costs.total.high)
    amount = f"{economics.currency} {low}" if low == high else f"{economics.currency} {low} to {high}"
    errors = " including the cost of wrong outcomes" if economics.cost_per_error is not None else ""
    text = f"{amount} for {lower_first(names.get(costs.id, costs.id))} over {economics.horizon_months} months{errors}"
    if economics.cheapest and economics.cheapest != costs.id:
        text += f"; {lower_first(names.get(economics.cheapest, economics.cheapest))} would cost less"
    return sentence(text)


def top_risk(a: Assessment, names: dict[str, str]) -> str:
    """The most pressing risk this project's inputs raise (never a generic one)."""
    return next(iter(risks(a, names)), "None raised for this project by the rubric or the evidence.")


def risks(a: Assessment, names: dict[str, str]) -> list[str]:
    """Project-specific risks, most pressing first: a missed launch, a segment clearly below the
    target, the rubric's warnings, a segment that may be below it, evidence that contradicts
    the claims, a close call."""
    found: list[str] = []
    launch = a.launch
    late = launch is not None and launch.fits in ("cannot_fit", "at_risk") and launch.production is not None
    if late:
        found.append(launch_risk(launch))
    segment = measured.segment_risk(a)
    if segment is not None and segment[0]:
        found.append(segment[1])
    found += [sentence(w) for w in a.warnings]
    if segment is not None and not segment[0]:
        found.append(segment[1])
    metrics = a.metrics
    if metrics is not None and metrics.claims_contradicted:
        found.append("The claimed baseline is contradicted by the measured predictions: plans built on the "
                     "claimed numbers need revisiting.")
    if a.recommendation.close_call:
        runner = runner_up(a)
        if runner is not None:
            found.append(sentence(f"The decision is a close call against {lower_first(runner.name)}"))
    return found


def launch_risk(launch) -> str:
    production = launch.production
    when = weeks_text(production.low, production.high)
    if launch.fits == "cannot_fit":
        return sentence(f"Production in {when} cannot make the launch in week {launch.launch_weeks}")
    return sentence(f"Production in {when} makes the launch in week {launch.launch_weeks} only at the fast end")


def weeks_text(low, high) -> str:
    if low is None or high is None:
        return "an unknown number of weeks"
    if f"{low:g}" == f"{high:g}":
        return f"week {low:g}"
    return f"weeks {low:g}-{high:g}"


def next_step(a: Assessment) -> tuple[str, str] | None:
    steps = a.recommendation.first_steps
    if not steps:
        return None
    text = sentence(steps[0])
    launch = a.launch
    if launch is not None and launch.production is not None and a.recommendation.change_needed is not False:
        text += f" Production is expected in {weeks_text(launch.production.low, launch.production.high)}"
        text += f" (launch needed by week {launch.launch_weeks})." if launch.launch_weeks is not None else "."
    return "Next step (week 1)", text
