"""Replay saved inputs through a harness's TestOneInput without libFuzzer.

    python tests/fuzz/reproduce.py profile tests/fuzz/findings/profile/crash-*
    python tests/fuzz/reproduce.py rubric tests/fuzz/corpus/rubric/*     # quick regression

Prints ``ok`` or the full traceback for each file; the exit status is the number of
files that raised (0 = all expected outcomes). FUZZ_IGNORE is not read: every
unexpected exception counts.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("profile", "rubric", "predictions"):
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.pop("FUZZ_IGNORE", None)
    sys.path.insert(0, str(HERE))
    harness = importlib.import_module(f"fuzz_{argv[0]}")
    failures = 0
    for name in argv[1:]:
        path = Path(name)
        if path.name in ("index.tsv", "README.md") or path.is_dir():
            continue
        try:
            harness.TestOneInput(path.read_bytes())
        except Exception:  # noqa: BLE001
            failures += 1
            print(f"== {path}: FINDING")
            traceback.print_exc(file=sys.stdout)
        else:
            print(f"== {path}: ok")
    shutil.rmtree(harness.WORK, ignore_errors=True)
    return failures


if __name__ == "__main__":
    sys.exit(min(main(sys.argv[1:]), 125))
