"""Row 4: start-up time of ``advisor --help`` against ``python -c "import click"``.

Both run as fresh subprocesses of the same interpreter, many times, and the
medians are compared. It also lists which heavy modules importing the CLI pulls
in (there should be none). Goal (issue 5): within 2.5x of the bare click import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import _common as c

HEAVY = ("numpy", "pydantic", "jinja2", "yaml", "advisor.calibration", "advisor.engine", "advisor.report")


def advisor_command() -> list[str]:
    """The console script next to this interpreter, else ``python -m advisor``."""
    script = Path(sys.executable).parent / "advisor"
    if script.exists():
        return [str(script)]
    found = shutil.which("advisor")
    return [found] if found else [sys.executable, "-m", "advisor"]


def time_command(name: str, command: list[str], repeats: int, warmup: int, is_peer: bool,
                 label: str = "") -> c.Timing:
    for _ in range(warmup):
        subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return c.Timing(name, times, peak_rss_mb=c.children_peak_rss_mb(), is_peer=is_peer, label=label)


def main() -> None:
    args = c.parse_args(__doc__.splitlines()[0])
    repeats = 3 if args.quick else max(args.repeats, 30)
    warmup = 1 if args.quick else 3
    c.print_header("start-up", f"{repeats} runs each after {warmup} warm-up (subprocesses)")
    timings = [
        time_command('python -c "pass"', [sys.executable, "-c", "pass"], repeats, warmup, False),
        time_command('python -c "import click"', [sys.executable, "-c", "import click"], repeats, warmup, True,
                     label="import click"),
    ]
    command = advisor_command()
    try:
        timings.append(time_command("advisor --help", command + ["--help"], repeats, warmup, False))
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  note: {' '.join(command)} --help failed ({exc}); advisor skipped")
    c.print_table(timings, rss_note="largest of the child processes so far")
    probe = ("import sys, advisor.cli; "
             f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')")
    heavy = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    print(f"   heavy modules imported by advisor.cli: {heavy.stdout.strip() or heavy.stderr.strip()[-200:]}")


if __name__ == "__main__":
    main()
