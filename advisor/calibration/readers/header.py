""".npy headers parsed by hand and checked before any data is read, and the memory they imply.

Every ``.npy`` header (a file, or an ``.npz`` member) is parsed without numpy's reader
(which would read a 4 GiB header length before checking it) and checked: the dtype must
be plain numbers (booleans, integers or floats; an object dtype is refused, nothing is
ever unpickled), the shape must fit the array's role, and the declared data size must
equal what the file or zip entry holds. The memory the whole input will need
(:mod:`advisor.calibration.readers`, "Memory") is worked out from the headers too, so a
zip bomb is refused before any byte of data is read or inflated.
"""

from __future__ import annotations

import ast
import math
import struct
from dataclasses import dataclass

import numpy as np

from .. import config
from ..problem import clipped, fail, shown
from ..rowfile import read_exactly

# Bytes per row that measure() holds at its peak besides the labels and scores (the
# isotonic fits of cross-fitting; measured about 58, tests/test_predictions_memory.py
# checks the bound). It does not depend on K: per-class work is per block
ROW_BYTES = 96
NPY_HEADER_LIMIT = 10_000  # bytes of a .npy header's text; numpy's np.load refuses longer too

_NPY_MAGIC = b"\x93NUMPY"
# The header-length field and header text encoding of each .npy version numpy writes
_NPY_VERSIONS = {(1, 0): ("<H", "latin1"), (2, 0): ("<I", "latin1"), (3, 0): ("<I", "utf8")}
ONE_DIMENSIONAL = ("labels", "segment", "confidence", "correct")  # one value per row
_ROLE_VALUES = {"labels": "integers", "segment": "text or integers", "correct": "0/1 or true/false"}
_DTYPE_KINDS = {"U": "text", "S": "bytes", "V": "structured records", "c": "complex numbers",
                "M": "dates", "m": "time spans"}


@dataclass(frozen=True)
class NpyHeader:
    """What a .npy header declares, and the byte offset of the data after it."""

    shape: tuple[int, ...]
    fortran: bool
    dtype: np.dtype
    offset: int

    @property
    def data_bytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize  # Python ints: a lying shape cannot overflow

    @property
    def memory_bytes(self) -> int:
        # read whole, labels become int64 and scores float64: narrower types widen
        return math.prod(self.shape) * max(self.dtype.itemsize, 8)

    def declared(self) -> str:
        return f"header declares shape {self.shape} of {self.dtype} ({self.data_bytes:,} bytes)"


def read_npy_header(stream, source: str, where: str | None) -> NpyHeader:
    """Parse a .npy header by hand, reading only its bounded, declared length.

    numpy's own reader would read a 4 GiB header length before checking it.
    """
    magic = _read_upto(stream, len(_NPY_MAGIC) + 2)
    if not magic or not magic.startswith(_NPY_MAGIC[:len(magic)]):
        raise fail(source, "not a .npy array (it does not start with the .npy magic string)", where)
    if len(magic) < len(_NPY_MAGIC) + 2:
        raise fail(source, "ends within the .npy header", where)
    version = (magic[-2], magic[-1])
    if version not in _NPY_VERSIONS:
        raise fail(source, f"unsupported .npy format version {version[0]}.{version[1]} "
                           "(advisor reads 1.0, 2.0 and 3.0)", where)
    length_format, encoding = _NPY_VERSIONS[version]
    length_field = _read_upto(stream, struct.calcsize(length_format))
    if len(length_field) < struct.calcsize(length_format):
        raise fail(source, "ends within the .npy header", where)
    length = struct.unpack(length_format, length_field)[0]
    if length > NPY_HEADER_LIMIT:
        raise fail(source, f"the .npy header is {length:,} bytes long (at most {NPY_HEADER_LIMIT:,} are read)", where)
    text = _read_upto(stream, length)
    if len(text) < length:
        raise fail(source, "ends within the .npy header", where)
    shape, fortran, dtype = _npy_header_fields(text, encoding, source, where)
    return NpyHeader(shape, fortran, dtype, len(magic) + len(length_field) + length)


def _read_upto(stream, count: int) -> bytes:
    """``count`` bytes, or fewer only at the end of the stream."""
    chunks, got = [], 0
    while got < count:
        chunk = stream.read(count - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _npy_header_fields(raw: bytes, encoding: str, source: str, where: str | None):
    """(shape, fortran order, dtype) of a header's text, a Python dict literal."""
    try:
        fields = ast.literal_eval(raw.decode(encoding))
    except (UnicodeDecodeError, SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        fields = None  # literal_eval's errors on hostile text include MemoryError and RecursionError
    if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
        raise fail(source, f"the .npy header cannot be parsed: {shown(raw.decode('latin1').strip())}", where)
    shape, fortran, descr = fields["shape"], fields["fortran_order"], fields["descr"]
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)
            and isinstance(fortran, bool)):
        raise fail(source, f"the .npy header has an invalid shape or order: {shown(raw.decode('latin1').strip())}",
                   where)
    if not isinstance(descr, str):  # a list or tuple describes structured records or sub-arrays
        raise fail(source, f"holds structured records (dtype {shown(descr)}), not plain numbers", where)
    try:
        return shape, fortran, np.dtype(descr)
    except (TypeError, ValueError, OverflowError):
        raise fail(source, f"the .npy header names an unknown dtype {shown(descr)}", where) from None


def check_npy_header(header: NpyHeader, stored_bytes: int, role: str, source: str, where: str | None,
                     holder: str = "file") -> None:
    """Refuse a header that cannot hold ``role`` (labels, probs or logits) or that lies about its size.

    ``stored_bytes`` is the size of the ``holder`` (the file, or the zip member) including the header.
    """
    dtype = header.dtype
    if dtype.hasobject:
        raise fail(source, "holds Python objects (dtype object); advisor never unpickles data "
                           "(allow_pickle=False)", where)
    if dtype.kind not in ("iuU" if role == "segment" else "biuf"):
        wanted = _ROLE_VALUES.get(role, "numbers")
        kind = {"f": "floating-point numbers", "b": "booleans"}.get(dtype.kind) or _DTYPE_KINDS.get(dtype.kind, "values")
        raise fail(source, f"holds {kind} (dtype {clipped(str(dtype))}), "
                           f"not {'text or integers' if role == 'segment' else 'plain numbers'}; {role} must be "
                           f"{wanted}", where)
    if role in ONE_DIMENSIONAL and len(header.shape) != 1:
        raise fail(source, f"{role} must be a 1-D array; got shape {header.shape}", where)
    if len(header.shape) not in (1, 2):
        raise fail(source, f"{role} must be 1-D (binary) or 2-D (N, K); got shape {header.shape}", where)
    held = stored_bytes - header.offset
    if header.data_bytes != held:
        raise fail(source, f"{header.declared()} but the {holder} holds {held:,} bytes of data", where)
    max_classes, memory_cap = config.get("max_classes"), config.get("memory_cap")
    if role != "labels" and len(header.shape) == 2 and header.shape[1] > max_classes:
        raise fail(source, f"header declares shape {header.shape}: {header.shape[1]:,} classes, "
                           f"more than the {max_classes:,} advisor measures (MAX_CLASSES)", where)
    if not streamable(header) and header.memory_bytes > memory_cap:
        hint = "; only C-ordered 2-D float arrays are streamed" if len(header.shape) == 2 else ""
        raise fail(source, f"header declares shape {header.shape} of {dtype}, which needs {header.memory_bytes:,} "
                           f"bytes of memory (the limit for an array read whole is {memory_cap:,} bytes{hint})",
                   where)


def _label_bytes(header: NpyHeader) -> int:
    """Labels read whole, their int64 copy, and the integrality check of float labels."""
    n = header.shape[0]
    return n * (header.dtype.itemsize + 8 + (8 if header.dtype.kind == "f" else 0))


def _score_bytes(header: NpyHeader) -> int:
    """Memory the scores of a checked header will hold, with the copies :func:`from_arrays` makes."""
    if streamable(header):
        return 0  # read block by block
    n, itemsize = header.shape[0], header.dtype.itemsize
    if len(header.shape) == 2:
        return header.data_bytes + (0 if header.dtype.kind == "f" else header.data_bytes // itemsize * 8)
    float64_copy = 0 if header.dtype == np.float64 else 8
    return n * (itemsize + float64_copy + 8 + 16)  # then 1 - p, then the (N, 2) columns


def check_memory(source: str, labels: NpyHeader, scores: NpyHeader, kind: str) -> None:
    """Refuse an input whose loading and measurement would need more than the ``memory_cap`` setting.

    Worked out from the headers alone (module doc, "Memory"), before any data is read.
    """
    parts = {"labels": _label_bytes(labels), kind: _score_bytes(scores),
             "the measurement": labels.shape[0] * ROW_BYTES}
    needed = sum(parts.values())
    memory_cap = config.get("memory_cap")
    if needed > memory_cap:
        detail = " + ".join(f"{what} {size:,}" if size else f"{what} 0 (streamed)" for what, size in parts.items())
        raise fail(source, f"{labels.shape[0]:,} rows would need about {needed:,} bytes of memory "
                           f"({detail}, at {ROW_BYTES} bytes per row); the limit is {memory_cap:,} bytes")


def check_rows_memory(source: str, headers: dict[str, NpyHeader]) -> None:
    """Refuse per-row arrays (records, segments) whose loading and measurement would exceed ``memory_cap``.

    Each array is read whole (``memory_bytes``: widened to 8 bytes an item), and the
    measurement holds :data:`ROW_BYTES` per row.
    """
    rows = max(header.shape[0] for header in headers.values())
    needed = sum(header.memory_bytes for header in headers.values()) + rows * ROW_BYTES
    memory_cap = config.get("memory_cap")
    if needed > memory_cap:
        raise fail(source, f"{rows:,} rows would need about {needed:,} bytes of memory "
                           f"({', '.join(headers)} read whole, {ROW_BYTES} bytes per row to measure); "
                           f"the limit is {memory_cap:,} bytes")


def streamable(header: NpyHeader) -> bool:
    return (len(header.shape) == 2 and not header.fortran and header.dtype.kind == "f"
            and header.data_bytes >= config.get("stream_bytes"))


def read_whole(stream, header: NpyHeader, source: str, where: str | None) -> np.ndarray:
    """The array of a checked header, read from ``stream`` positioned at its data."""
    flat = np.empty(math.prod(header.shape), header.dtype)
    read_exactly(stream, flat.view(np.uint8).data, source, where)
    return flat.reshape(header.shape, order="F" if header.fortran else "C")


# ---------------------------------------------------------------- .npz
