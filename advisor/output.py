"""Writing output files so that neither a failure nor a kill leaves a partial or mixed set.

A report and its figures are written as one set (:func:`write_files_atomically`):

1. every target is checked before anything on disk changes: the folder exists and is
   writable, the target is a regular file we may replace (not read-only without
   ``force``, not another user's file in a sticky folder);
2. what a killed earlier run left for this report is cleaned up (see :func:`sweep`);
3. every file is staged under a temporary name beside its target;
4. a journal lists the figures this run adds or makes stale, then the figures are
   renamed into place, the report last, and the figures the previous report linked
   but this one does not are removed.

Figures are named after their content (:func:`content_name`), so a figure on disk is
never replaced by a different one: the report on disk, old or new, is always complete,
and every figure it links exists with the content it was written with. A kill at any
point leaves at worst unlinked figures and temporary files, which the journal names for
the next run to remove.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from advisor.errors import InputError

HASH_CHARS = 12  # hex digits of SHA-256 in a figure's name: 48 bits
READ_LIMIT = 64 << 20  # an old report or figure larger than this is not ours: left alone
NAME_PREFIX = 40  # characters of the target's name in temporary names (255-byte name limit)

# Called with a step name before each change on disk; tests use it to stop a run there.
step_hook: Callable[[str], None] | None = None
# --force of the running command: read-only targets may be replaced (see forced()).
_force: contextvars.ContextVar[bool] = contextvars.ContextVar("advisor_force", default=False)


@contextlib.contextmanager
def forced(force: bool) -> Iterator[None]:
    """Within the block, writes replace read-only targets if ``force`` (a command's --force) or
    an enclosing block's (as when the questionnaire runs ``assess``)."""
    token = _force.set(_force.get() or bool(force))
    try:
        yield
    finally:
        _force.reset(token)


def effective_uid() -> int:
    """The user whose permissions apply (a function, so tests can stand in for another user)."""
    return os.geteuid() if hasattr(os, "geteuid") else -1


def _step(name: str) -> None:
    if step_hook is not None:
        step_hook(name)


def content_name(stem: str, suffix: str, text: str) -> str:
    """``report`` + ``.scores.svg`` -> ``report.scores.<12 hex digits of SHA-256>.svg``."""
    base, dot, extension = suffix.rpartition(".")
    digest = hashlib.sha256(encode(text)).hexdigest()[:HASH_CHARS]
    return f"{stem}{base}.{digest}{dot}{extension}" if dot else f"{stem}{suffix}.{digest}"


def encode(text: str) -> bytes:
    # backslashreplace: a file name that is not UTF-8 reaches the text as surrogates
    return text.encode("utf-8", errors="backslashreplace")


def write_file_atomically(path: Path, text: str, force: bool | None = None) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on POSIX, so readers see the old file or the new one, never half of it.
    """
    write_files_atomically({Path(path): text}, force=force)


def write_files_atomically(files: dict[Path, str], force: bool | None = None) -> None:
    """Write a file and its figures (the first entry, then content-named figures) as one set.

    Nothing on disk changes unless every target can be written; see the module docstring
    for the order that keeps the set consistent at every moment.
    """
    given = [Path(path) for path in files]
    # Through a symlink to a file: replace the file it points to and keep the link.
    targets = [Path(os.path.realpath(path)) if os.path.islink(path) else path for path in given]
    datas = [encode(text) for text in files.values()]
    for path in given:
        check_target(path)
    # The report as named decides where its figures go; the file replaced may be a link's target.
    report, main = given[0], targets[0]
    figures = list(zip(targets[1:], datas[1:], strict=True))
    sweep(report, main)
    if main != report:
        sweep(main, main)
    # A content-named figure already on disk with these bytes is this very figure.
    plan = [(main, datas[0], report)] + [(t, d, g) for (t, d), g in zip(figures, given[1:], strict=True)
                                         if read_bytes(t) != d]
    for target, _, shown in plan:
        problem = replace_problem(target, force)
        if problem:
            raise InputError(f"cannot write here: {problem}", file=str(shown))
    stale = [f for f in linked_figures(report, main) if f not in {t for t, _ in figures}]
    staged: list[tuple[str, Path]] = []
    journal = None
    try:
        for target, data, _ in plan:
            _step(f"stage {target.name}")
            staged.append((stage(target, data, report if target is not main else main), target))
        if figures or stale:
            journal = write_journal(report, [t for t, _ in figures] + stale)
        for tmp, target in staged[1:] + staged[:1]:  # figures first, the report last
            _step(f"rename {target.name}")
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise write_error(target, exc) from None
        for figure in stale:
            _step(f"remove {figure.name}")
            remove_figure(figure)
        if journal is not None:
            _step("remove journal")
            journal.unlink(missing_ok=True)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


# ------------------------------------------------------------------ checks before any change

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


def replace_problem(path: Path, force: bool | None = None) -> str | None:
    """Why ``path`` cannot be created or replaced by renaming a new file over it (None: it can).

    ``force`` (default: the running command's --force, see :func:`forced`) allows a read-only file."""
    force = _force.get() if force is None else force
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"no permission to create files in the folder {str(folder)!r}"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    uid = effective_uid()
    folder_st = os.stat(folder)
    if (uid != 0 and folder_st.st_mode & stat.S_ISVTX
            and uid not in (st.st_uid, folder_st.st_uid)):
        return ("it belongs to another user, in a folder where only a file's owner may replace it "
                "(sticky bit)")
    read_only = not st.st_mode & 0o222 if uid == 0 else not os.access(path, os.W_OK)
    if read_only and not force:
        return "the file is read-only; use --force to replace it"
    return None


def check_output(output: str | os.PathLike | None, inputs: list, force: bool | None = None) -> None:
    """Fail before any work if ``output`` (None or ``-`` is standard output) cannot be written,
    or is one of the command's ``inputs``: a report written over its profile destroys it."""
    if output is None or str(output) == "-":
        return
    check_target(Path(output))
    if os.path.islink(output):  # the file written is the link's target: its folder must exist too
        check_target(Path(os.path.realpath(output)))
    problem = replace_problem(Path(os.path.realpath(output)), force)
    if problem:
        raise InputError(f"cannot write here: {problem}", file=str(output))
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


# ------------------------------------------------------------------ staging and the journal

def temp_prefix(main: Path) -> str:
    """Temporary files of a set are named after its main file, so the next run finds them."""
    return f".{main.name[:NAME_PREFIX]}."


def stage(path: Path, data: bytes, main: Path | None = None) -> str:
    """Write ``data`` to a new temporary file next to ``path`` with the mode ``path`` should get."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        # Our process id in the name tells the next run whether this file's run is still alive.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{temp_prefix(main or path)}{os.getpid()}.", suffix=".tmp")
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # A new file gets what the user's umask gives; a replaced one keeps its mode and owner.
        os.chmod(tmp, target_mode(path))
        keep_owner(path, tmp)
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


def keep_owner(path: Path, tmp: str) -> None:
    """Root replacing another user's file gives the new file that user (the file stays theirs)."""
    if effective_uid() != 0:
        return
    with contextlib.suppress(OSError):
        st = path.stat()
        os.chown(tmp, st.st_uid, st.st_gid)


def journal_path(main: Path, pid: int) -> Path:
    return main.with_name(f"{temp_prefix(main)}{pid}.journal")


def write_journal(main: Path, figures: list[Path]) -> Path:
    """Name the figures this run adds or makes stale, for the next run if this one is killed."""
    path = journal_path(main, os.getpid())
    tmp = stage(path, encode(json.dumps({"figures": sorted({f.name for f in figures})})), main)
    _step("write journal")
    try:
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(main, exc) from None
    return path


# ------------------------------------------------------------------ what a killed run left

def sweep(named: Path, main: Path) -> None:
    """Remove what killed runs left beside ``named`` (the report as named, or the file it is
    a link to): the figures their journals name that the report on disk (``main``) does not
    link, then the journals and temporary files themselves.

    A file of a run still alive (its process id in the name) is left alone."""
    folder = named.parent if str(named.parent) else Path(".")
    pattern = re.compile(re.escape(temp_prefix(named)) + r"(\d+)\.(?:journal|[a-z0-9_]+\.tmp)")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    leftovers = [(name, int(m.group(1))) for name in names if (m := pattern.fullmatch(name))]
    dead = [name for name, pid in leftovers if not alive(pid)]
    linked = None
    for name in sorted(dead, key=lambda n: not n.endswith(".journal")):  # journals first
        path = folder / name
        if name.endswith(".journal"):
            linked = linked if linked is not None else set(linked_figures(named, main))
            for figure in journal_figures(path, folder):
                if figure not in linked:
                    remove_figure(figure)
        with contextlib.suppress(OSError):
            path.unlink()


def alive(pid: int) -> bool:
    if pid == os.getpid():  # a file of our own id before we wrote any: an earlier process's
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is another user's
        return True
    return True


def journal_figures(journal: Path, folder: Path) -> list[Path]:
    try:
        names = json.loads(read_bytes(journal) or b"{}").get("figures", [])
    except (ValueError, AttributeError):
        return []
    return [folder / name for name in names if isinstance(name, str) and os.path.basename(name) == name]


def linked_figures(report: Path, main: Path) -> list[Path]:
    """The content-named figures beside ``report`` that the file on disk (``main``, the same
    file or the target of the link ``report``) links: none if that file is not ours."""
    text = read_bytes(main)
    if not text:
        return []
    folder = report.parent if str(report.parent) else Path(".")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    stem = report.stem
    pattern = re.compile(re.escape(stem) + rf"\.[A-Za-z0-9_-]+\.[0-9a-f]{{{HASH_CHARS}}}\.svg")
    return [folder / name for name in sorted(names)
            if pattern.fullmatch(name) and mentions(text, name) and is_content_named(folder / name)]


def mentions(text: bytes, name: str) -> bool:
    return any(encode(spelling) in text for spelling in {name, quote(name)})


def is_content_named(path: Path) -> bool:
    """Whether the file's bytes hash to the digest in its name: only then is it one of ours."""
    data = read_bytes(path)
    digest = path.name.rsplit(".", 2)[-2]
    return data is not None and hashlib.sha256(data).hexdigest()[:HASH_CHARS] == digest


def remove_figure(path: Path) -> None:
    """Remove a figure that nothing links any more, if it is provably one of ours."""
    if is_content_named(path):
        with contextlib.suppress(OSError):
            path.unlink()


def read_bytes(path: Path) -> bytes | None:
    """A regular file's bytes (None if missing, not a regular file, or too large to be ours)."""
    try:
        # O_NONBLOCK: a FIFO under a figure's name must not hang the run (it is refused below)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            data = handle.read(READ_LIMIT + 1)
    except OSError:
        return None
    return data if len(data) <= READ_LIMIT else None

