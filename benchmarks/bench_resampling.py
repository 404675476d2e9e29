"""Where drawing resamples on per-cell statistics starts to pay: both ways timed against N.

The bootstrap (accuracy and ECE) and the consistency test of ``advisor calibration``
(1,000 resamples each, 15 equal-width bins) on N mildly overconfident binary
predictions, drawn row by row and on per-cell sufficient statistics
(:mod:`advisor.calibration.cell`). The row-level cost grows as N x resamples, the
cell cost barely with N; ``uncertainty.ROW_LIMIT`` is set near the N where the two
meet, so small inputs keep the exact row-level numbers and large ones stop paying
for them. Also prints how far apart the two ways' intervals and p-values are (they
are two Monte-Carlo estimates of the same distribution).
"""

from __future__ import annotations

import time

import _common as c
import numpy as np


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    cal = c.advisor_calibration()
    if cal is None or c.lookup(cal, "uncertainty.draws_for") is None:
        from advisor.calibration import uncertainty
        if not hasattr(uncertainty, "draws_for"):
            print("   note: this advisor has no cell-drawn resampling; row skipped")
            return
    from advisor.calibration import uncertainty
    resamples = 100 if args.quick else 1000
    sizes = [500, 2_000] if args.quick else [500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000]
    c.print_header("resampling drawn row by row vs on cells",
                   f"{resamples} bootstrap + {resamples} consistency resamples, 15 bins, binary predictions")
    print(f"   {'N':>9} {'rows s':>9} {'cells s':>9} {'rows / cells':>13}   interval (rows | cells), p-value (rows | cells)")
    crossover = None
    for n in sizes:
        p, labels = c.make_binary(n, seed=n)
        conf = np.maximum(p, 1.0 - p)
        correct = (p > 0.5) == (labels == 1)
        timed = {}
        for draws in ("rows", "cells"):
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                interval = uncertainty.bootstrap_intervals(conf, correct, 15, "width", resamples, 0, draws=draws)
                test = uncertainty.consistency_test(conf, correct, 15, "width", resamples, 0, draws=draws)
                times.append(time.perf_counter() - start)
            timed[draws] = (sorted(times)[len(times) // 2], interval["ece"], test["p_value"])
        rows, cells = timed["rows"], timed["cells"]
        if crossover is None and cells[0] < rows[0]:
            crossover = n
        print(f"   {n:>9,} {rows[0]:>9.3f} {cells[0]:>9.3f} {rows[0] / cells[0]:>12.1f}x   "
              f"[{rows[1][0]:.4f}, {rows[1][1]:.4f}] | [{cells[1][0]:.4f}, {cells[1][1]:.4f}], "
              f"{rows[2]:.3f} | {cells[2]:.3f}")
    print(f"   cells first cheaper at N = {crossover if crossover else 'none of these'}; "
          f"ROW_LIMIT = {uncertainty.ROW_LIMIT:,}")


if __name__ == "__main__":
    main()
