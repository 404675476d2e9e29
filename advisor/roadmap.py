"""The staged plan in weeks from today: eval set, pilot, canary, full rollout, then what follows.

The decision guide stages every change: build the eval set first, pilot the change on it,
canary it on a small share of traffic behind rollback thresholds, then roll it out. How long
the pilot takes is the strategy's typical time to production (rubric data,
``time_to_production_weeks``); the other phases take the rubric's planning durations. Every
duration is a ``[low, high]`` range, so each phase starts and ends in a range of weeks, and
each is compared with ``context.launch_weeks``.

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

    def __add__(self, other: Weeks) -> Weeks:
        return Weeks(self.low + other.low, self.high + other.high)

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high}


ZERO = Weeks(0, 0)


def fit(end: Weeks | None, launch_weeks: int | None) -> str | None:
    """``fits`` when even the late end is in time, ``cannot_fit`` when even the early end is late."""
    if end is None or launch_weeks is None:
        return None
    if end.high <= launch_weeks:
        return FITS
    if end.low > launch_weeks:
        return CANNOT_FIT
    return AT_RISK


def phases_of(strategy: str, first: bool, time_to_production: dict[str, Any], phase_weeks: dict[str, Any],
              has_eval_set: bool | None) -> list[tuple[str, Weeks | None]]:
    """The phases of one strategy's stage and their durations (None where the rubric gives none).

    The eval set is built once, before the first stage, unless the profile says it exists.
    """
    phases: list[tuple[str, Weeks | None]] = []
    if first and has_eval_set is not True:
        phases.append(("eval_set", Weeks.of(phase_weeks.get("eval_set"))))
    phases.append(("pilot", Weeks.of(time_to_production.get(strategy))))
    phases.append(("canary", Weeks.of(phase_weeks.get("canary"))))
    phases.append(("full_rollout", Weeks.of(phase_weeks.get("full_rollout"))))
    return phases


def lay_out(strategies: list[str], time_to_production: dict[str, Any], phase_weeks: dict[str, Any],
            has_eval_set: bool | None, launch_weeks: int | None) -> tuple[list[dict], dict]:
    """Weeks for each stage of the roadmap (the primary first, then each companion in turn).

    Returns one entry per strategy, in order (``start``, ``end``, ``weeks``, ``fits``, ``phases``),
    and the launch summary: when the primary is fully rolled out, whether that fits the launch
    week, and every phase that cannot fit or may not.
    """
    stages: list[dict] = []
    clock: Weeks | None = ZERO
    flagged, missing = [], []
    for index, sid in enumerate(strategies):
        phases = []
        stage_start: Weeks | None = clock
        for phase, weeks in phases_of(sid, index == 0, time_to_production, phase_weeks, has_eval_set):
            start = clock
            end = None if clock is None or weeks is None else clock + weeks
            if weeks is None:
                missing.append(phase_source(phase, sid))
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
    production = stages[0]["end"] if stages else None
    launch = {
        "launch_weeks": launch_weeks,
        "production": production,
        "fits": stages[0]["fits"] if stages else None,
        "flagged": flagged,
        "missing": list(dict.fromkeys(missing)),
    }
    return stages, launch


def phase_source(phase: str, strategy: str) -> str:
    """Where a missing duration would come from, as a rubric field path."""
    if phase == "pilot":
        return f"strategies.{strategy}.time_to_production_weeks"
    return f"rollout_weeks.{phase}"
