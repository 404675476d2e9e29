"""Gates on measured values: what ``advisor calibration --max-ece X --min-accuracy Y`` checks.

A gate holds when the measured value is within its limit (a limit equal to the value
holds). The result's ``gates`` list says, per gate given, its limit, the value and
whether it held; the command line exits with status 3 when any failed (interface
section 9), after writing its output as usual.
"""

from __future__ import annotations

# option name -> (metric key of the measure() result, "max" or "min")
GATES = {
    "min_accuracy": ("accuracy", "min"),
    "max_ece": ("ece", "max"),
    "max_mce": ("mce", "max"),
    "max_nll": ("nll", "max"),
    "max_brier": ("brier", "max"),
}


def check_gates(result: dict, limits: dict) -> list[dict]:
    """One ``{"gate", "metric", "limit", "value", "passed"}`` per limit given (None limits are skipped).

    Raises
    ------
    ValueError
        A gate on a metric this input has no value for (e.g. NLL of confidence records).
    """
    checked = []
    for gate, (metric, side) in GATES.items():  # always in this order, whatever order the options came in
        limit = limits.get(gate)
        if limit is None:
            continue
        value = result.get(metric)
        if value is None:
            raise ValueError(f"--{gate.replace('_', '-')}: this input has no {metric} to gate on")
        passed = value >= limit if side == "min" else value <= limit
        checked.append({"gate": gate, "metric": metric, "limit": float(limit), "value": float(value),
                        "passed": bool(passed)})
    return checked


def failure_lines(gates: list[dict]) -> list[str]:
    """One line per failed gate, naming the option, the value and the limit."""
    return [f"Gate failed: --{g['gate'].replace('_', '-')} {g['limit']:g}: {g['metric']} is {g['value']:.6g}, "
            f"{'below' if g['gate'].startswith('min') else 'above'} the limit" for g in gates if not g["passed"]]
