"""The staged plan in weeks from today: eval set, pilot, canary, full rollout, then what follows.

The decision guide stages every change: build the eval set first, pilot the change on it,
canary it on a small share of traffic behind rollback thresholds, then roll it out. A
strategy's typical time from the decision to production is rubric data
(``time_to_production_weeks``); the rubric's ``rollout_phases`` split it over the pilot,
the canary and the full rollout by shares, and say how long an eval set takes to build when
the profile does not say one exists (that comes first, before the clock of the strategy
starts). Every duration is a ``[low, high]`` range, so each phase starts and ends in a range
of weeks, and each end is compared with ``context.launch_weeks``.

Weeks are relative to the day the plan is made: no dates and no clock, so the same inputs
always give the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PHASES = ("eval_set", "pilot", "canary", "full_rollout")
PHASE_NAMES = {
    "eval_set": "Build the eval set",
    "pilot": "Pilot",
    "canary": "Canary",
    "full_rollout": "Full rollout",
}
# Fit of a phase against the launch week.
FITS, AT_RISK, CANNOT_FIT = "fits", "at_risk", "cannot_fit"


@dataclass(frozen=True)
class Weeks:
    low: float
    high: float

    @classmethod
    def of(cls, value: Any) -> Weeks | None:
        """A ``[low, high]`` pair or a single number, read defensively (None when unusable)."""
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return cls(value, value)
        try:
            low, high = value
        except (TypeError, ValueError):
            return None
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (low, high)) or low > high or low < 0:
            return None
        return cls(low, high)

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high}


ZERO = Weeks(0.0, 0.0)


def fit(end: Weeks | None, launch_weeks: int | None) -> str | None:
    """``fits`` when even the late end is in time, ``cannot_fit`` when even the early end is late."""
    if end is None or launch_weeks is None:
        return None
    if end.high <= launch_weeks:
        return FITS
    if end.low > launch_weeks:
        return CANNOT_FIT
    return AT_RISK


def phases_of(strategy: str, first: bool, time_to_production: dict[str, Any], plan: dict[str, Any],
              has_eval_set: bool | None) -> list[tuple[str, Weeks | None, str | None]]:
    """The phases of one strategy's stage: (phase, duration, the rubric field that would give a
    missing duration).

    The eval set is built once, before the first stage, unless the profile says it exists. The
    time to production is split by the shares; each phase ends at its cumulative share of it, so
    the full rollout ends exactly one time-to-production after the pilot starts.
    """
    phases: list[tuple[str, Weeks | None, str | None]] = []
    if first and has_eval_set is not True:
        weeks = Weeks.of(plan.get("eval_set_weeks"))
        phases.append(("eval_set", weeks, None if weeks else "rollout_phases.eval_set_weeks"))
    total = Weeks.of(time_to_production.get(strategy))
    shares = plan.get("shares") or {}
    done = 0.0
    for phase in PHASES[1:]:
        share = shares.get(phase)
        if total is None:
            phases.append((phase, None, f"strategies.{strategy}.time_to_production_weeks"))
            continue
        if not isinstance(share, (int, float)) or isinstance(share, bool):
            phases.append((phase, None, f"rollout_phases.shares.{phase}"))
            continue
        before, done = done, done + share
        phases.append((phase, Weeks(_weeks(_weeks(total.low * done) - _weeks(total.low * before)),
                                    _weeks(_weeks(total.high * done) - _weeks(total.high * before))), None))
    return phases


def _weeks(value: float) -> float:
    """Weeks to a tenth (a half-day): planning ranges, and no float noise in the output."""
    return round(value, 1)


def lay_out(strategies: list[str], time_to_production: dict[str, Any], plan: dict[str, Any],
            has_eval_set: bool | None, launch_weeks: int | None) -> tuple[list[dict], dict]:
    """Weeks for each stage of the roadmap (the primary first, then each companion in turn).

    ``plan`` is the rubric's ``rollout_phases``: ``eval_set_weeks`` [low, high] and ``shares``
    of the time to production for ``pilot``, ``canary`` and ``full_rollout``.

    Returns one entry per strategy, in order (``start``, ``end``, ``fits``, ``phases``), and the
    launch summary: when the primary is fully rolled out, whether that fits the launch week,
    and every phase that cannot fit or may not.
    """
    stages: list[dict] = []
    clock: Weeks | None = ZERO
    flagged, missing = [], []
    for index, sid in enumerate(strategies):
        phases = []
        stage_start = clock
        for phase, weeks, source in phases_of(sid, index == 0, time_to_production, plan, has_eval_set):
            start = clock
            end = None if clock is None or weeks is None else Weeks(_weeks(clock.low + weeks.low),
                                                                    _weeks(clock.high + weeks.high))
            if source:
                missing.append(source)
            status = fit(end, launch_weeks)
            phases.append({"id": phase, "name": PHASE_NAMES[phase],
                           "weeks": weeks.as_dict() if weeks else None,
                           "start": start.as_dict() if start else None,
                           "end": end.as_dict() if end else None, "fits": status})
            if status in (CANNOT_FIT, AT_RISK):
                flagged.append({"stage": index + 1, "strategy": sid, "phase": phase, "fits": status})
            clock = end
        stages.append({"start": stage_start.as_dict() if stage_start else None,
                       "end": clock.as_dict() if clock else None,
                       "fits": fit(clock, launch_weeks), "phases": phases})
    launch = {
        "launch_weeks": launch_weeks,
        "production": stages[0]["end"] if stages else None,
        "fits": stages[0]["fits"] if stages else None,
        "flagged": flagged,
        "missing": list(dict.fromkeys(missing)),
    }
    return stages, launch


def schedule(stages: list[dict], time_to_production: dict[str, Any], plan: dict[str, Any],
             has_eval_set: bool | None, launch_weeks: int | None) -> tuple[list[dict], dict]:
    """The roadmap's stages (``strategy``, ``when``, ``actions``) with their weeks, and the launch summary."""
    laid, launch = lay_out([stage["strategy"] for stage in stages], time_to_production, plan, has_eval_set,
                           launch_weeks)
    return [dict(stage, **weeks) for stage, weeks in zip(stages, laid, strict=True)], launch
