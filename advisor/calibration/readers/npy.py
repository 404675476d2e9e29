""".npy pairs: sibling files ``NAME.labels.npy`` plus ``NAME.probs.npy`` or ``NAME.logits.npy``.

An optional ``NAME.segment.npy`` (text or integers, one per row) gives each row's segment.
Any of them may be given; errors name the file given, then the sibling at fault.
Both headers are checked (:mod:`.header`) before any data is read; a large 2-D scores
file becomes a :class:`~advisor.calibration.rowfile.RowFile`.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..predictions import BasePredictions, from_arrays
from ..problem import fail, os_reason
from ..rowfile import RowFile
from .header import (
    NpyHeader,
    check_memory,
    check_npy_header,
    check_rows_memory,
    read_npy_header,
    read_whole,
    streamable,
)

NPY_NAME = re.compile(r"^(?P<stem>.*)\.(?P<part>labels|probs|logits|segment)\.npy$", re.IGNORECASE)


def load_npy(path: Path, source: str) -> BasePredictions:
    match = NPY_NAME.match(path.name)
    if not match:
        raise fail(source, "a .npy input is a set of sibling files NAME.labels.npy and "
                           "NAME.probs.npy or NAME.logits.npy; name the files that way")
    stem = match.group("stem")
    siblings = {part: path.with_name(f"{stem}.{part}.npy") for part in ("labels", "probs", "logits", "segment")}
    if not siblings["labels"].exists():
        raise fail(source, f"the labels file {siblings['labels'].name} is missing")
    present = [part for part in ("probs", "logits") if siblings[part].exists()]
    if len(present) != 1:
        problem = "both" if present else "neither"
        raise fail(source, f"{problem} of {siblings['probs'].name} and {siblings['logits'].name} exist; "
                           "give exactly one")
    kind = present[0]
    roles = ["labels", kind, *(["segment"] if siblings["segment"].exists() else [])]
    files = {role: _NpyFile(siblings[role], source, None if siblings[role] == path else siblings[role].name)
             for role in roles}
    for npy in files.values():
        npy.check_regular()
    # every header is checked before any data is read
    headers = {role: npy.header(role) for role, npy in files.items()}
    check_memory(source, headers["labels"], headers[kind], kind)
    if "segment" in headers:
        check_rows_memory(source, {role: headers[role] for role in ("labels", "segment")})
    arrays = {role: files[role].array(headers[role]) for role in roles}
    return from_arrays(arrays["labels"], source=source, segments=arrays.get("segment"), **{kind: arrays[kind]})


@dataclass(frozen=True)
class _NpyFile:
    """One file of a .npy pair; errors name the given ``source``, then this file if it is another."""

    path: Path
    source: str
    where: str | None

    def check_regular(self) -> None:
        if not self.path.is_file():
            raise fail(self.source, "is not a regular file", self.where)

    def header(self, role: str) -> NpyHeader:
        with self._reading(), open(self.path, "rb") as handle:
            header = read_npy_header(handle, self.source, self.where)
            stored_bytes = os.fstat(handle.fileno()).st_size
        check_npy_header(header, stored_bytes, role, self.source, self.where)
        return header

    def array(self, header: NpyHeader):
        """The checked array: a :class:`RowFile` when large and 2-D, else read whole."""
        if streamable(header):
            return RowFile(self.path, header.shape, header.dtype, header.offset)
        with self._reading(), open(self.path, "rb") as handle:
            handle.seek(header.offset)
            return read_whole(handle, header, self.source, self.where)

    @contextlib.contextmanager
    def _reading(self):
        try:
            yield
        except OSError as exc:
            raise fail(self.source, f"cannot be read ({os_reason(exc, str(self.path))})", self.where) from None
