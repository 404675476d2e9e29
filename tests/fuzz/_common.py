"""Shared by the fuzz harnesses: crash signatures and the known-findings filter.

libFuzzer stops at the first crash. ``campaign.py`` restarts a harness after each
crash with that crash's signature in ``FUZZ_IGNORE`` so that a long run keeps looking
for *other* bugs instead of re-finding a shallow one every few seconds. A signature is
``ExceptionType@advisor/file.py:function`` of the innermost frame inside advisor (one
root cause, one signature). Outside a campaign FUZZ_IGNORE is empty: every
unexpected exception is a crash.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "advisor"
IGNORED = {s.strip() for s in os.environ.get("FUZZ_IGNORE", "").split(",") if s.strip()}


def signature(exc: BaseException) -> str:
    """``Type@advisor/path.py:function`` of the innermost advisor frame (else the innermost frame).

    An exception may name its own signature (``fuzz_signature``), as a harness's oracle does.
    """
    if getattr(exc, "fuzz_signature", None):
        return exc.fuzz_signature
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if Path(f.filename).resolve().is_relative_to(PACKAGE)]
    frame = (inside or frames or [None])[-1]
    if frame is None:
        return type(exc).__name__
    try:
        where = Path(frame.filename).resolve().relative_to(REPO).as_posix()
    except ValueError:
        where = Path(frame.filename).name
    return f"{type(exc).__name__}@{where}:{frame.name}"


def ignored(exc: BaseException) -> bool:
    """True when ``exc`` is a finding already recorded by this campaign; else print its signature."""
    sig = signature(exc)
    if sig in IGNORED:
        return True
    print(f"\nFUZZ-SIGNATURE: {sig}", file=sys.stderr, flush=True)
    return False


def work_dir(harness: str) -> Path:
    """A fresh temporary folder for this process's inputs; removes those of finished runs.

    libFuzzer ends a crashed run with ``_exit``, so a run cannot clean up after itself:
    the next run of the same harness does (folders are named by process id).
    """
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"advisor-fuzz-{harness}-*"):
        try:
            os.kill(int(old.name.rsplit("-", 1)[1]), 0)  # signal 0: only asks whether the process exists
        except (ValueError, ProcessLookupError):
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            pass
    work = base / f"advisor-fuzz-{harness}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    return work


def expect(run, expected: type[BaseException] | tuple) -> None:
    """Call ``run``; an ``expected`` error is a refusal, any other exception a finding (unless ignored)."""
    try:
        run()
    except expected:
        pass
    except Exception as exc:
        if not ignored(exc):
            raise


def fuzz(test_one_input, work: Path, mutator=None) -> None:
    """Hand ``test_one_input`` to libFuzzer (command-line options in ``sys.argv``); remove ``work`` after."""
    import atheris

    atheris.Setup(sys.argv, test_one_input, **({"custom_mutator": mutator} if mutator else {}))
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(work, ignore_errors=True)
