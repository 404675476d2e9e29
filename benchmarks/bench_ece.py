"""Row 1: ECE on N x K float32 probabilities (default 200,000 x 1,000).

advisor computes its whole standard set (accuracy, ECE, MCE, NLL, Brier and the
reliability bins) and is compared with torchmetrics' and netcal's ECE alone and
with one ``probs.max(axis=1)`` pass, the floor any top-label metric must pay.
Goal (issue 5): at most half of torchmetrics' ECE time, within 3x of the max pass.
"""

from __future__ import annotations

import inspect

import _common as c
import numpy as np


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    n, k = (20_000, 100) if args.quick else (200_000, 1_000)
    bins = 15
    c.print_header("ECE: full standard set vs peers' ECE", f"{n:,} x {k:,} float32 probabilities, {bins} bins")
    probs, labels = c.make_probs(n, k, seed=1)
    run = dict(repeats=args.repeats, quick=args.quick)
    timings = [c.measure("probs.max(axis=1) (one pass)", lambda: probs.max(axis=1), **run)]
    values = {}

    cal = c.advisor_calibration()
    accumulator = c.cal_function(cal, "CalibrationAccumulator")
    if accumulator is not None:
        def advisor_accumulate():
            acc = accumulator(bins=bins)
            acc.update(labels, probs=probs)
            return acc.result()
        t = c.measure("advisor CalibrationAccumulator (full set)", advisor_accumulate, **run)
        values["advisor accumulator"] = t.value["ece"]
        timings.append(t)
    elif cal is not None:
        print("  note: advisor.calibration has no CalibrationAccumulator yet")
    if accumulator is not None and "validate" in inspect.signature(accumulator.update).parameters:
        def advisor_unvalidated():
            acc = accumulator(bins=bins)
            acc.update(labels, probs=probs, validate=False)
            return acc.result()
        t = c.measure("advisor accumulator, validate=False", advisor_unvalidated, **run)
        t.note = "(the same without the input checks of section 4: their cost is the difference)"
        values["advisor, validate=False"] = t.value["ece"]
        timings.append(t)

    torch = c.optional_import("torch")
    tm = c.optional_import("torchmetrics.functional.classification") if torch else None
    if tm is not None:
        preds_t, target_t = torch.from_numpy(probs), torch.from_numpy(labels)
        t = c.measure("torchmetrics multiclass_calibration_error",
                      lambda: tm.multiclass_calibration_error(preds_t, target_t, num_classes=k,
                                                              n_bins=bins, norm="l1"),
                      is_peer=True, **run)
        values["torchmetrics"] = float(t.value)
        timings.append(t)

    netcal = c.optional_import("netcal.metrics")
    if netcal is not None:
        t = c.measure("netcal ECE(bins=15).measure",
                      lambda: netcal.ECE(bins=bins).measure(probs, labels),
                      is_peer=True, **run)
        values["netcal"] = float(t.value)
        timings.append(t)

    c.print_table(timings, reference="probs.max(axis=1) (one pass)")
    report_agreement(probs, labels, bins, values)


def report_agreement(probs, labels, bins, values) -> None:
    """ECE of every contender against an independent float64 loop-free reference."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    reference = c.reference_ece(confidence, correct, bins)
    edges = np.linspace(0.0, 1.0, bins + 1)
    on_edge = int(np.isin(confidence.astype(np.float64), edges).sum())
    print(f"   ECE agreement (reference = section 5 in float64: {reference:.12f};"
          f" {on_edge} confidences exactly on a bin edge):")
    for name, value in values.items():
        print(f"     {name:<28} {value:.12f}  |diff| = {abs(value - reference):.2e}")
    if "torchmetrics" in values:
        print("     (torchmetrics bins left-closed [e_m, e_m+1) and accumulates in float32;"
              " netcal uses its own bin assignment: small differences are expected)")


if __name__ == "__main__":
    main()
