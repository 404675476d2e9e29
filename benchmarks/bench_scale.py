"""Row 6: the default analysis at scale, and against the peers on 50,000 x 1,000.

1. ``advisor calibration`` with its default options (1,000 bootstrap and 1,000
   consistency resamples, 5-fold cross-fitted temperature, Platt and isotonic) on
   10,000,000 binary predictions, an ``.npy`` pair (float64 positive-class
   probabilities, int64 labels), against one read-and-reduce pass over the same pair:
   ``np.load`` of both files, the top-label confidence and correctness, their means.
   Both run as fresh processes; the pass is timed inside its process (import costs
   excluded), the command as a whole, and its peak RSS is its own (``os.wait4``).
   Goal (issue 14): within 10x the pass, peak memory under 1 GB. The command and the
   pass are also run on a fifth of the rows: the difference is the CPU per additional
   row, where fixed costs (interpreter start, imports, resampling on cells) cancel.
2. The same default analysis of 50,000 x 1,000 float32 probabilities (an ``.npy``
   pair), timed as a whole command, next to what the peers compute on the same data
   in this process: torchmetrics' multiclass ECE, scikit-learn's log loss and
   netcal's temperature fit (one of each; none of them draws intervals, a test or
   cross-fitted calibrators).

``--quick`` (CI) uses 200,000 binary rows and 5,000 x 100, one run each.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as c
import numpy as np
from bench_memmap import run_cli, write_pair

PASS = """
import sys, time, numpy as np
stem = sys.argv[1]
start, cpu = time.perf_counter(), time.process_time()
labels = np.load(stem + ".labels.npy")
p = np.load(stem + ".probs.npy")
confidence = np.maximum(p, 1.0 - p)
correct = (p > 0.5) == (labels == 1)
result = float(confidence.mean()), float(correct.mean())
print(time.perf_counter() - start, time.process_time() - cpu)
"""
# Like bench_memmap's launcher, plus the command's CPU time (user + system): on a shared
# machine the wall time of both contenders follows the load, their CPU time much less
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
"""


def extra_options(parser) -> None:
    parser.add_argument("--rows", type=int, default=None, help="binary rows of part 1 (default 10,000,000)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per command")


def binary_pair(n: int, seed: int = 14) -> Path:
    """``NAME.labels.npy`` + ``NAME.probs.npy`` of n binary predictions (written once); the labels path."""
    c.DATA_DIR.mkdir(parents=True, exist_ok=True)
    stem = c.DATA_DIR / f"binary-v1-{n}-s{seed}"
    done = Path(f"{stem}.complete")
    if not done.exists():
        p, labels = c.make_binary(n, seed)
        np.save(f"{stem}.probs.npy", p)
        np.save(f"{stem}.labels.npy", labels)
        done.touch()
    return Path(f"{stem}.labels.npy")


def read_and_reduce(stem: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one read-and-reduce pass, timed inside a fresh process (files in the page cache)."""
    done = subprocess.run([sys.executable, "-c", PASS, stem], capture_output=True, text=True, check=True)
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def command_cpu(path: Path, timeout: float) -> float:
    """CPU seconds (user + system) of ``advisor calibration`` with default options, one more run."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder, "rusage")
        subprocess.run([sys.executable, "-c", LAUNCHER, str(report), sys.executable, "-m", "advisor", "calibration",
                        str(path), "--format", "json"], timeout=timeout, check=True)
        return float(report.read_text().split()[2])


def scale_row(args) -> None:
    n = args.rows or (200_000 if args.quick else 10_000_000)
    c.print_header("default analysis of binary predictions vs one read-and-reduce pass",
                   f"{n:,} rows, .npy pair (float64 probabilities {n * 8 / 1e6:.0f} MB + int64 labels)")
    path = binary_pair(n)
    stem = str(path)[: -len(".labels.npy")]
    read_and_reduce(stem)  # the page cache, once
    passes, runs, cpus = [], [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        passes.append(read_and_reduce(stem))
        runs.append(run_cli(path, [], args.timeout))
        passes.append(read_and_reduce(stem))
    if not args.quick:
        cpus = [command_cpu(path, args.timeout) for _ in range(args.repeats)]
    failed = [run for run in runs if run[2] is None]
    if failed:
        print(f"   advisor calibration failed: {failed[0][3].splitlines()[-1][:200] if failed[0][3] else '?'}")
        return
    command = statistics.median(run[0] for run in runs)
    rss = max(run[1] for run in runs)
    base = statistics.median(wall for wall, _ in passes)
    base_cpu = statistics.median(cpu for _, cpu in passes)
    print(f"   {'read-and-reduce pass (in-process time)':<48} {base:>9.3f} s   ({len(passes)} runs, median)"
          f"   CPU {base_cpu:.3f} s")
    print(f"   {'advisor calibration, default options':<48} {command:>9.3f} s   ({len(runs)} runs, median)"
          f"   peak RSS {rss:,.0f} MB" + (f"   CPU {statistics.median(cpus):.2f} s" if cpus else ""))
    print(f"   ratio to the pass: {command / base:,.1f}x wall (goal 10x)"
          + (f", {statistics.median(cpus) / base_cpu:,.1f}x CPU" if cpus else "")
          + f"; peak RSS {'under' if rss < 1024 else 'OVER'} 1 GB; draws: {runs[0][2]['intervals'].get('draws', 'rows')}")
    if cpus:
        marginal_row(args, n, statistics.median(cpus), base_cpu)


def marginal_row(args, n: int, command_cpu_n: float, pass_cpu_n: float) -> None:
    """CPU per additional row: the command and the pass at n / 5 rows against n rows (fixed costs cancel)."""
    small = binary_pair(n // 5)
    stem = str(small)[: -len(".labels.npy")]
    read_and_reduce(stem)  # the page cache, once
    pass_small = statistics.median(read_and_reduce(stem)[1] for _ in range(2 * args.repeats))
    command_small = statistics.median(command_cpu(small, args.timeout) for _ in range(args.repeats))
    rows = n - n // 5
    per_command = (command_cpu_n - command_small) / rows * 1e9
    per_pass = (pass_cpu_n - pass_small) / rows * 1e9
    print(f"   per additional row ({n // 5:,} -> {n:,} rows, CPU): command {per_command:.0f} ns, pass "
          f"{per_pass:.1f} ns ({per_command / per_pass:,.0f}x); fixed cost of the command "
          f"{command_small - per_command * 1e-9 * (n // 5):.2f} s")


def peers_row(args) -> None:
    n, k = (5_000, 100) if args.quick else (50_000, 1_000)
    c.print_header("default analysis vs the peers' single metrics", f"{n:,} x {k:,} float32 probabilities")
    path = write_pair(n, k, seed=5)
    runs = [run_cli(path, [], args.timeout) for _ in range(args.repeats)]
    if any(run[2] is None for run in runs):
        print(f"   advisor calibration failed: {runs[0][3][:200]}")
        return
    timings = [c.Timing("advisor calibration, default options (command)", [run[0] for run in runs],
                        peak_rss_mb=max(run[1] for run in runs))]
    stem = str(path)[: -len(".labels.npy")]
    probs, labels = np.load(f"{stem}.probs.npy"), np.load(f"{stem}.labels.npy")
    theirs = dict(repeats=min(args.repeats, 3), quick=True, is_peer=True)
    torch = c.optional_import("torch")
    metrics = c.optional_import("torchmetrics.functional.classification")
    if torch is not None and metrics is not None:
        p_t, y_t = torch.from_numpy(probs), torch.from_numpy(labels)
        timings.append(c.measure("torchmetrics multiclass ECE (one metric)", lambda: float(
            metrics.multiclass_calibration_error(p_t, y_t, num_classes=k, n_bins=15, norm="l1")), **theirs))
    sklearn = c.optional_import("sklearn.metrics")
    if sklearn is not None:
        timings.append(c.measure("scikit-learn log_loss (one metric)", lambda: float(
            sklearn.log_loss(labels, probs, labels=np.arange(k))), **theirs))
    netcal = c.optional_import("netcal.scaling")
    if netcal is not None:
        probs64 = probs.astype(np.float64)

        def netcal_fit():
            model = netcal.TemperatureScaling()
            model.fit(probs64, labels)
            return float(np.ravel(model.temperature)[0])
        timings.append(c.measure("netcal TemperatureScaling (one fit)", netcal_fit, **theirs))
    c.print_table(timings, rss_note="advisor: the command's own process; peers: this process so far")


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0], extra_options)
    if args.repeats == 5 and not args.quick:
        args.repeats = 3  # the 10M command runs for a while; three interleaved runs give the median
    started = time.perf_counter()
    scale_row(args)
    peers_row(args)
    print(f"   ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
