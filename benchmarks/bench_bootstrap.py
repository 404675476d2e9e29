"""Row 3: bootstrap 95% intervals of accuracy and ECE (default 1,000 resamples of 1,000,000 binary predictions).

advisor's vectorized bootstrap against a straightforward loop written here: one
resample at a time, each recomputing the top-label ECE of its resampled
(confidence, correct) pairs from scratch, as peers do. The loop follows CAL's
seeding (``SeedSequence(seed).spawn(3)[0].spawn(R)[b]`` seeds resample b, which
draws ``integers(0, N, size=N)``), so both must give the same intervals.
Goal (issue 5): at least 10x faster than the loop, same interval for the same seed.
Since issue 14, inputs above ``uncertainty.ROW_LIMIT`` rows are resampled on per-cell
statistics by default (another draw of the same distribution): that contender is timed
too, and its interval is compared with the loop's within Monte-Carlo error only.
"""

from __future__ import annotations

import inspect

import _common as c
import numpy as np

LEVEL = 0.95


def loop_bootstrap(confidence, correct, n_bins: int, n_resamples: int, seed: int) -> dict:
    """Percentile intervals from a plain per-resample loop."""
    children = np.random.SeedSequence(seed).spawn(3)[0].spawn(n_resamples)
    n = confidence.size
    accuracies, eces = [], []
    for child in children:
        draw = np.random.default_rng(child).integers(0, n, size=n)
        accuracies.append(correct[draw].mean())
        eces.append(c.reference_ece(confidence[draw], correct[draw], n_bins))
    tail = 100 * (1 - LEVEL) / 2
    return {"accuracy": list(np.percentile(accuracies, [tail, 100 - tail])),
            "ece": list(np.percentile(eces, [tail, 100 - tail]))}


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    n, resamples = (20_000, 50) if args.quick else (1_000_000, 1_000)
    bins, seed = 15, 0
    c.print_header("bootstrap intervals", f"{resamples:,} resamples of {n:,} binary predictions, {bins} bins")
    p, labels = c.make_binary(n, seed=3)
    # Top label of the 2-column [1 - p, p], lowest class on ties (section 5).
    confidence = np.maximum(p, 1 - p)
    correct = (p > 0.5).astype(np.int64) == labels

    cal = c.advisor_calibration()
    intervals = c.cal_function(cal, "bootstrap_intervals")
    timings = []
    cells = intervals is not None and "draws" in inspect.signature(intervals).parameters
    rows = {"draws": "rows"} if cells else {}
    if intervals is not None:
        timings.append(c.measure(
            "advisor bootstrap_intervals (vectorized rows)",
            lambda: intervals(confidence, correct, n_bins=bins, scheme="width",
                              n_resamples=resamples, seed=seed, **rows),
            repeats=args.repeats, quick=args.quick))
    if cells:
        timings.append(c.measure(
            "advisor bootstrap_intervals (cells, default)",
            lambda: intervals(confidence, correct, n_bins=bins, scheme="width",
                              n_resamples=resamples, seed=seed, draws="cells"),
            repeats=args.repeats, quick=args.quick))
    elif cal is not None:
        print("  note: advisor.calibration has no bootstrap_intervals yet")
    # The loop takes about a minute at full size: one run, no warm-up.
    loop = c.measure("straightforward per-resample loop",
                     lambda: loop_bootstrap(confidence, correct, bins, resamples, seed),
                     repeats=1 if not args.quick else args.repeats, quick=True, is_peer=True,
                     label="loop")
    timings.append(loop)
    c.print_table(timings)

    print(f"   loop:    accuracy {fmt(loop.value['accuracy'])}  ece {fmt(loop.value['ece'])}")
    if intervals is not None:
        ours = timings[0].value
        print(f"   advisor: accuracy {fmt(ours['accuracy'])}  ece {fmt(ours['ece'])}")
        worst = max(abs(a - b) for key in ("accuracy", "ece") for a, b in zip(ours[key], loop.value[key], strict=True))
        print(f"   largest interval difference: {worst:.2e}")
        # Summation order differs (bincount of differences vs two sums), hence 1e-12, not ==.
        assert worst <= 1e-12, "the vectorized bootstrap and the loop disagree for the same seed"
    if cells:
        drawn = timings[1].value
        width = loop.value["ece"][1] - loop.value["ece"][0]
        apart = max(abs(a - b) for a, b in zip(drawn["ece"], loop.value["ece"], strict=True))
        print(f"   cells:   accuracy {fmt(drawn['accuracy'])}  ece {fmt(drawn['ece'])}"
              f"  (ECE ends {apart / width:.1%} of the interval's width from the loop's: Monte-Carlo error)")


def fmt(pair) -> str:
    return f"[{pair[0]:.10f}, {pair[1]:.10f}]"


if __name__ == "__main__":
    main()
