""".npz archives: an integer array ``labels`` and exactly one of ``probs`` or ``logits``,
or the records arrays ``confidence`` and ``correct``; either with an optional ``segment``
array (text or integers, one per row).

Every member's header is checked (:mod:`.header`) before any data is read or inflated;
a repeated member name, an encrypted member or a damaged archive is refused naming the
member. A large 2-D member becomes a :class:`~advisor.calibration.rowfile.RowFile`:
read in place when stored, decompressed as a stream when compressed.
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections import Counter
from pathlib import Path

from ..predictions import BasePredictions, from_arrays
from ..problem import PredictionsFormatError, escaped, fail
from ..record import Records, records_from_arrays
from ..rowfile import ZIP_ERRORS, RowFile, member_where, skip, zip_reason
from .header import (
    ONE_DIMENSIONAL,
    NpyHeader,
    check_memory,
    check_npy_header,
    check_rows_memory,
    read_npy_header,
    read_whole,
    streamable,
)


def load_npz(path: Path, source: str) -> BasePredictions | Records:
    if not zipfile.is_zipfile(path):
        raise fail(source, "not a valid .npz file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _npz_members(archive, source)
            roles = _npz_roles(members, source)
            # every header is checked before any data is read or inflated
            headers = {role: _npz_header(archive, members[role], role, source) for role in roles}
            if roles[0] == "labels":
                check_memory(source, headers["labels"], headers[roles[1]], roles[1])
            if "segment" in roles or roles[0] == "confidence":
                check_rows_memory(source, {role: headers[role] for role in roles if role in ONE_DIMENSIONAL})
            arrays = {role: _npz_array(path, archive, members[role], headers[role], source) for role in roles}
    except PredictionsFormatError:
        raise
    except ZIP_ERRORS + (ValueError,) as exc:
        raise fail(source, f"not a valid .npz file ({exc})") from None
    if roles[0] == "confidence":
        return records_from_arrays(arrays["confidence"], arrays["correct"], arrays.get("segment"), source)
    return from_arrays(arrays["labels"], source=source, segments=arrays.get("segment"),
                       **{roles[1]: arrays[roles[1]]})


def _npz_members(archive: zipfile.ZipFile, source: str) -> dict[str, zipfile.ZipInfo]:
    """The .npy members by array name; a repeated name is refused (which copy would be meant?)."""
    infos = archive.infolist()
    repeated = [(name, count) for name, count in Counter(info.filename for info in infos).items() if count > 1]
    if repeated:
        name, count = repeated[0]
        raise fail(source, f"the archive holds {count} members named {name!r}; each name must appear once")
    return {info.filename[:-4]: info for info in infos if info.filename.endswith(".npy") and not info.is_dir()}


def _npz_roles(members: dict, source: str) -> list[str]:
    """The arrays to read: labels and the score kind, or confidence and correct; then segment if present."""
    names = sorted(members)
    found = escaped(", ".join(names)) or "nothing"  # member names are the file's text
    segment = ["segment"] if "segment" in names else []
    if "labels" not in names:
        if "confidence" in names and "correct" in names:
            return ["confidence", "correct", *segment]
        if "confidence" in names or "correct" in names:
            missing = "correct" if "confidence" in names else "confidence"
            raise fail(source, f"has no {missing!r} array; records need both 'confidence' and 'correct' "
                               f"(found: {found})")
        raise fail(source, f"no 'labels' array (found: {found}); records instead need 'confidence' and "
                           "'correct' arrays")
    present = [name for name in ("probs", "logits") if name in names]
    if len(present) != 1:
        problem = "both 'probs' and 'logits'" if present else "neither 'probs' nor 'logits'"
        raise fail(source, f"has {problem}; give exactly one (found: {found})")
    return ["labels", present[0], *segment]


def _npz_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, role: str, source: str) -> NpyHeader:
    """The checked header of a member; zipfile never inflates more than ``info.file_size`` bytes."""
    where = member_where(info.filename)
    if info.flag_bits & 0x1:
        raise fail(source, "is encrypted; advisor reads only unencrypted archives", where)
    try:
        with archive.open(info) as stream:
            header = read_npy_header(stream, source, where)
    except PredictionsFormatError:
        raise
    except ZIP_ERRORS as exc:
        raise fail(source, f"cannot be read ({zip_reason(exc)})", where) from None
    check_npy_header(header, info.file_size, role, source, where, holder="member")
    return header


def _npz_array(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: NpyHeader, source: str):
    """A member's array: a :class:`RowFile` when large and 2-D, else read whole."""
    where = member_where(info.filename)
    if streamable(header):
        return _member_rows(path, info, header, source, where)
    try:
        with archive.open(info) as stream:
            skip(stream, header.offset, source)
            return read_whole(stream, header, source, where)
    except PredictionsFormatError:
        raise
    except ZIP_ERRORS as exc:
        raise fail(source, f"cannot be read ({zip_reason(exc)})", where) from None


def _member_rows(path: Path, info: zipfile.ZipInfo, header: NpyHeader, source: str, where: str) -> RowFile:
    if info.compress_type != zipfile.ZIP_STORED:
        return RowFile(path, header.shape, header.dtype, header.offset, member=info.filename)
    return RowFile(path, header.shape, header.dtype, _stored_data_start(path, info, source, where) + header.offset)


def _stored_data_start(path: Path, info: zipfile.ZipInfo, source: str, where: str) -> int:
    """Where a stored member's bytes begin: in place, after its local header."""
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        local = handle.read(30)
        archive_bytes = os.fstat(handle.fileno()).st_size
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise fail(source, "its local zip header is damaged", where)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    if start + info.file_size > archive_bytes:
        raise fail(source, "the archive ends before the member does", where)
    return start
