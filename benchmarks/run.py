"""Run the benchmark rows of issues 5 and 14, each in its own interpreter.

    python benchmarks/run.py [--quick] [--only ROW ...] [--log FILE]

Rows: ece, temperature, bootstrap, startup, memmap, scale, resampling. Each row runs as a separate
process of the current interpreter, so one row's imports and memory do not
leak into another's figures. ``--quick`` (the CI smoke run) uses small sizes and
one run per contender and never fails on timing; a row still fails when its
script crashes or a correctness check (e.g. equal bootstrap intervals) fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = ("ece", "temperature", "bootstrap", "startup", "memmap", "scale", "resampling")
PEERS = ("torch", "torchmetrics", "netcal", "scikit-learn", "scipy", "dask")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each (CI)")
    parser.add_argument("--only", action="append", choices=ROWS, metavar="ROW",
                        help=f"run only this row (repeatable): {', '.join(ROWS)}")
    parser.add_argument("--log", type=Path, default=None, help="also write everything printed to FILE")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="extra options passed to every row script")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import _common as c

    lines = [f"machine: {c.machine_description()}",
             f"python:  {sys.executable}",
             f"peers:   {c.versions(*PEERS)}",
             f"mode:    {'quick' if args.quick else 'full'}"]
    print("\n".join(lines), flush=True)
    failed = []
    for row in args.only or ROWS:
        command = [sys.executable, str(HERE / f"bench_{row}.py")]
        command += ["--quick"] if args.quick else []
        command += [a for a in args.rest if a != "--"]
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(done.stdout, end="", flush=True)
        lines.append(done.stdout)
        status = "ok" if done.returncode == 0 else f"FAILED (exit {done.returncode})"
        summary = f"   [{row}: {status}, {time.perf_counter() - start:.1f} s]"
        print(summary, flush=True)
        lines.append(summary)
        if done.returncode != 0:
            failed.append(row)
    if args.log:
        args.log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if failed:
        print(f"\nfailed rows: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
