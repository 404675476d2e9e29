"""The shared row-block reader: a row-major (N, K) array in a file, read block by block.

A 2-D array of at least the ``stream_bytes`` setting (:mod:`advisor.calibration.config`)
in a ``.npy`` file or an ``.npz`` member, and the temporary file of parsed rows of a
large CSV/JSONL input, are not loaded: a :class:`RowFile` reads row blocks into fresh
buffers on demand (``os`` reads, not a memory map, so the pages of a file larger than
memory never count toward the resident set). Stored ``.npz`` members are read in place;
compressed ones are decompressed as a stream, block after block. Damage found on a
later pass is still an input error naming the file.
"""

from __future__ import annotations

import threading
import zipfile
import zlib

import numpy as np

from .block import row_chunks
from .problem import PredictionsFormatError, fail

try:
    from lzma import LZMAError
    _LZMA_ERRORS: tuple[type[Exception], ...] = (LZMAError,)
except ImportError:  # a Python without lzma cannot open such zip members at all
    _LZMA_ERRORS = ()

# What a damaged zip archive or member can raise: each codec has its own error type
ZIP_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, zlib.error, *_LZMA_ERRORS, NotImplementedError, EOFError, OSError)


class RowFile:
    """A read-only row-major (N, K) array in a file, read in row blocks on demand.

    Supports ``shape``, ``dtype``, ``ndim``, ``len()``, slicing rows (``a[i:j]``,
    ``a[i:j, cols]``), integer and boolean row selection (gathered block by block),
    and ``np.asarray`` (reads everything: avoid on large files).

    Parameters
    ----------
    path : str or Path
        The ``.npy`` file, or the ``.npz`` archive holding ``member``.
    shape, dtype
        Of the stored array (C order).
    offset : int
        Byte offset of the first value (in the file, or in the member's stream).
    member : str, optional
        Name of a compressed ``.npz`` member, decompressed as a stream.
    owner : object, optional
        Kept alive as long as this object (the temporary file of a large CSV/JSONL
        input is removed when its owner is collected).
    """

    def __init__(self, path, shape, dtype, offset: int, member: str | None = None, owner=None):
        self.path = str(path)
        self.owner = owner
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.ndim = len(self.shape)
        self.offset = int(offset)
        self.member = member
        self._row_bytes = self.dtype.itemsize * int(np.prod(self.shape[1:], dtype=np.int64))
        self._stream: list | None = None  # [open zip, member stream, next row] of a compressed member
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        data = self.read(0, self.shape[0])
        return data if dtype is None else data.astype(dtype, copy=False)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rows, rest = key[0], key[1:]
            selected = self[rows]
            return selected[(slice(None),) + rest] if np.ndim(selected) == self.ndim else selected[rest]
        if isinstance(key, slice):
            start, stop, step = key.indices(self.shape[0])
            if step == 1:
                return self.read(start, max(start, stop))
            return self._gather(np.arange(start, stop, step))
        if isinstance(key, (int, np.integer)):
            index = int(key) + (self.shape[0] if key < 0 else 0)
            if not 0 <= index < self.shape[0]:
                raise IndexError(f"row {key} out of range for {self.shape[0]} rows")
            return self.read(index, index + 1)[0]
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (self.shape[0],):
                raise IndexError("a boolean row mask must have one value per row")
            key = np.flatnonzero(key)
        return self._gather(key.astype(np.int64))

    def _gather(self, index: np.ndarray) -> np.ndarray:
        out = np.empty((len(index),) + self.shape[1:], self.dtype)
        if len(index) == 0:
            return out
        order = np.argsort(index, kind="stable")
        sorted_index = index[order]
        for rows in row_chunks(self.shape[0], self._row_bytes // max(1, self.dtype.itemsize)):
            lo, hi = np.searchsorted(sorted_index, [rows.start, rows.stop])
            if lo < hi:
                out[order[lo:hi]] = self.read(rows.start, rows.stop)[sorted_index[lo:hi] - rows.start]
        return out

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` as a fresh ndarray."""
        out = np.empty((stop - start,) + self.shape[1:], self.dtype)
        view = out.reshape(-1).view(np.uint8).data
        with self._lock:
            try:
                if self.member is None:
                    self._read_file(start, view)
                else:
                    self._read_stream(start, stop, view)
            except PredictionsFormatError:
                self._close_stream()
                raise
            except ZIP_ERRORS as exc:
                # damage found on a later pass (a bad deflate block, a file cut meanwhile)
                # is still an input error naming the file, not a traceback
                self._close_stream()
                where = member_where(self.member) if self.member else None
                raise fail(self.path, f"cannot be read ({zip_reason(exc)})", where) from None
        return out

    def _read_file(self, start: int, view: memoryview) -> None:
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(self.offset + start * self._row_bytes)
            read_exactly(handle, view, self.path)

    def _read_stream(self, start: int, stop: int, view: memoryview) -> None:
        if self._stream is None or self._stream[2] != start:
            self._close_stream()
            archive = zipfile.ZipFile(self.path)
            stream = archive.open(self.member or "")  # only a zip member is streamed
            skip(stream, self.offset + start * self._row_bytes, self.path)
            self._stream = [archive, stream, start]
        read_exactly(self._stream[1], view, self.path)
        self._stream[2] = stop
        if stop == self.shape[0]:
            self._close_stream()

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream[1].close()
            self._stream[0].close()
            self._stream = None


def zip_reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, EOFError):  # zipfile's own is blank
        return "the compressed data ends early"
    return str(exc) or type(exc).__name__


_READ_SLICE = 1 << 24


def read_exactly(handle, view: memoryview, name: str, where: str | None = None) -> None:
    done = 0
    while done < len(view):
        # in slices: a zip member's readinto reads into a temporary bytes object first
        got = handle.readinto(view[done:done + _READ_SLICE])
        if not got:
            raise fail(name, "cannot be read (the file ends early)", where)
        done += got


def skip(stream, count: int, name: str) -> None:
    while count > 0:
        got = len(stream.read(min(count, 1 << 20)))
        if not got:
            raise PredictionsFormatError(f"{name}: cannot be read (the file ends early)")
        count -= got


def member_where(filename: str) -> str:
    """A member as its array name, as ``np.load`` keys it: ``member 'probs'``."""
    return f"member {filename.removesuffix('.npy')!r}"
