"""Where a profile may point advisor: files it references must lie in its own folder or the
current working folder (either tree, symlinks resolved), or in a folder the user allowed
with ``--allow-path``. A profile from someone else cannot make advisor read your files.

Stdlib only: the CLI sets the allowed folders before it imports anything heavy.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

_allowed: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar("advisor_allowed_paths", default=())

NOT_EXPANDED = "~ and $VARIABLES are not expanded: write the path out"


@contextlib.contextmanager
def allowing(folders: Iterable[str | os.PathLike]) -> Iterator[None]:
    """Within the block, profiles may also reference files under ``folders`` (``--allow-path``;
    added to those an enclosing block allows, as when the questionnaire runs ``assess``)."""
    token = _allowed.set(_allowed.get() + tuple(Path(folder) for folder in folders))
    try:
        yield
    finally:
        _allowed.reset(token)


def outside_problem(profile_path: str | os.PathLike, target: str) -> str | None:
    """Why the profile at ``profile_path`` may not reference ``target`` (None: it may)."""
    try:
        real = (Path(profile_path).parent / target).resolve()
        roots = [Path(profile_path).parent.resolve(), Path.cwd().resolve(),
                 *(folder.resolve() for folder in _allowed.get())]
    except (OSError, ValueError, RuntimeError):  # a NUL, a loop of links: the reader names it
        return None
    if any(real == root or root in real.parents for root in roots):
        return None
    return (f"not read: {target} is outside the profile's folder and the current folder "
            f"(pass --allow-path DIR to allow files under DIR{expansion_hint(target, '; ')})")


def expansion_hint(target: str, separator: str) -> str:
    """Say that ``~`` and ``$VAR`` are taken literally, when ``target`` looks like it expects them."""
    return separator + NOT_EXPANDED if target.startswith("~") or "$" in target else ""
