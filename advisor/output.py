"""Writing output files so that a failure never leaves a partial or clobbered file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from advisor.errors import InputError


def write_file_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on POSIX, so readers see the old file or the new one, never half of it.
    """
    write_files_atomically({Path(path): text})


def write_files_atomically(files: dict[Path, str]) -> None:
    """Write several files all or nothing: every target is checked and staged before any is replaced.

    A report and its figures must not be left half-updated: a bad target (a missing
    folder, a directory in the way) is reported before anything on disk changes.
    """
    # Through a symlink to a file: replace the file it points to and keep the link.
    targets = [Path(os.path.realpath(path)) if os.path.islink(path) else Path(path) for path in files]
    for given in files:
        check_target(Path(given))
    staged: list[tuple[str, Path]] = []
    try:
        for target, text in zip(targets, files.values(), strict=True):
            staged.append((stage(target, text), target))
        for tmp, target in staged:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise write_error(target, exc) from None
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def check_target(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write here: {str(folder)!r} is a file, not a folder", file=str(path))
    if not folder.is_dir():
        raise InputError(f"cannot write here: the folder {str(folder)!r} does not exist", file=str(path))
    if path.is_dir():
        raise InputError("cannot write here: it is a directory", file=str(path))
    if path.exists() and not path.is_file():  # a FIFO or a device: renaming over it would replace it
        raise InputError("cannot write here: it is not a regular file", file=str(path))


def check_output(output: str | os.PathLike | None, inputs: list) -> None:
    """Fail before any work if ``output`` (None or ``-`` is standard output) cannot be written,
    or is one of the command's ``inputs``: a report written over its profile destroys it."""
    if output is None or str(output) == "-":
        return
    check_target(Path(output))
    if os.path.islink(output):  # the file written is the link's target: its folder must exist too
        check_target(Path(os.path.realpath(output)))
    refuse_inputs([output], inputs)


def refuse_inputs(targets: list, inputs: list) -> None:
    """Refuse any target that is (through links or other spellings) one of ``inputs``."""
    for target in targets:
        for given in inputs:
            if given is not None and same_file(target, given):
                raise InputError(f"cannot write here: it is an input of this command ({given})", file=str(target))


def same_file(first, second) -> bool:
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):  # either does not exist (yet)
        return False


def write_error(path: Path, exc: OSError) -> InputError:
    return InputError(f"cannot write here: {exc.strerror or exc}", file=str(path))


def stage(path: Path, text: str) -> str:
    """Write ``text`` to a new temporary file next to ``path`` with the mode ``path`` should get."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        # a short prefix: a 250-byte file name plus the random part would pass the 255-byte limit
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:40]}.", suffix=".tmp")
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        # backslashreplace: a file name that is not UTF-8 reaches the text as surrogates
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n") as handle:
            handle.write(text)
        # mkstemp makes 0600 files; a report is meant to be shared like any file the user creates.
        os.chmod(tmp, target_mode(path))
    except OSError as exc:  # a full disk, a quota
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def target_mode(path: Path) -> int:
    """Keep an existing file's permissions; otherwise what the user's umask gives a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
