"""Run one harness for a fixed time, restarting it after each crash (see README.md).

    python tests/fuzz/campaign.py profile --seconds 600

libFuzzer stops at the first crash. This driver saves the crash input under
``tests/fuzz/findings/<harness>/``, adds the crash's signature (exception type and the
innermost advisor function) to ``FUZZ_IGNORE`` and starts the harness again with the
time left, over the grown corpus in ``tests/fuzz/work/<harness>/`` (not committed)
plus the seeds in ``tests/fuzz/corpus/<harness>/``. Each distinct signature is listed
in ``findings/<harness>/index.tsv``; the summary printed at the end gives run time,
executions, the last coverage line (cov/ft/corp) and the findings.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAT = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)")
EXECUTED = re.compile(r"stat::number_of_executed_units: (\d+)")
ARTIFACT = re.compile(r"Test unit written to (\S+)")
SIGNATURE = re.compile(r"^FUZZ-SIGNATURE: (\S+)", re.MULTILINE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("harness", choices=["profile", "rubric", "predictions"])
    parser.add_argument("--seconds", type=int, default=600, help="total fuzzing time (default 600)")
    parser.add_argument("--max-restarts", type=int, default=40)
    parser.add_argument("libfuzzer_args", nargs="*", help="extra libFuzzer flags (after --)")
    args = parser.parse_args()

    name = args.harness
    work = HERE / "work" / name
    findings = HERE / "findings" / name
    work.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    log = HERE / "work" / f"{name}.log"
    ignored: list[str] = [s for s in os.environ.get("FUZZ_IGNORE", "").split(",") if s]
    index = findings / "index.tsv"
    found: dict[str, str] = {}
    executed = 0
    last_stat = None
    others: list[str] = []
    start = time.monotonic()
    deadline = start + args.seconds
    restarts = 0
    with open(log, "a", encoding="utf-8") as log_file:
        while restarts <= args.max_restarts:
            left = int(deadline - time.monotonic())
            if left < 5:
                break
            command = [sys.executable, str(HERE / f"fuzz_{name}.py"), str(work), str(HERE / "corpus" / name),
                       f"-max_total_time={left}", "-rss_limit_mb=2048", "-max_len=65536", "-timeout=20",
                       f"-artifact_prefix={findings}/", "-print_final_stats=1", *args.libfuzzer_args]
            if (HERE / f"{name}.dict").exists():
                command.append(f"-dict={HERE / f'{name}.dict'}")
            env = dict(os.environ, FUZZ_IGNORE=",".join(ignored))
            log_file.write(f"\n=== {time.strftime('%H:%M:%S')} {' '.join(command)}\n    FUZZ_IGNORE={env['FUZZ_IGNORE']}\n")
            log_file.flush()
            proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
                                  errors="replace")
            out = proc.stdout
            log_file.write(out)
            log_file.flush()
            run_executed = [int(m) for m in EXECUTED.findall(out)]
            stats = [STAT.match(line) for line in out.splitlines()]
            stats = [m for m in stats if m]
            if run_executed:
                executed += run_executed[-1]
            elif stats:
                executed += int(stats[-1].group(1))
            if stats:
                last_stat = stats[-1]
            artifacts = ARTIFACT.findall(out)
            if proc.returncode == 0 or not artifacts:
                if proc.returncode != 0:
                    others.append(f"exit {proc.returncode} without an artifact (see {log})")
                break
            artifact = artifacts[-1]
            sigs = SIGNATURE.findall(out)
            kind = Path(artifact).name.split("-")[0]  # crash, timeout, oom, leak, slow-unit
            sig = sigs[-1] if sigs and kind == "crash" else kind
            print(f"[{int(time.monotonic() - start)}s] {sig} -> {artifact}", flush=True)
            if sig not in found:
                found[sig] = artifact
                with open(index, "a", encoding="utf-8") as handle:
                    handle.write(f"{sig}\t{Path(artifact).name}\n")
            elif kind == "crash":  # a second input for a signature already known (should not happen)
                Path(artifact).unlink(missing_ok=True)
            if kind == "crash":
                ignored.append(sig)
            else:  # a timeout or out-of-memory input cannot be filtered in the harness
                others.append(sig)
                if others.count(sig) >= 3:
                    break  # the same kind again and again: stop and report
            restarts += 1
    elapsed = time.monotonic() - start
    print(f"\n== {name}: {elapsed:.0f}s, {restarts + 1} run(s), {executed} executions, "
          f"{executed / max(elapsed, 1):.0f} exec/s")
    if last_stat:
        print(f"   last libFuzzer line: cov: {last_stat.group(2)} ft: {last_stat.group(3)} "
              f"corp: {last_stat.group(4)}/{last_stat.group(5)}")
    print(f"   findings ({len(found)}):")
    for sig, artifact in found.items():
        print(f"     {sig}  {artifact}")
    for note in others:
        print(f"   note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
