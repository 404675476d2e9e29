"""Reading predictions files: one reader per format, over the shared row-block reader.

File layouts
------------
``.npz``
    An integer array ``labels`` (N,) and exactly one of ``probs`` ((N, K) rows summing
    to 1, or (N,) the positive-class probability of a binary task) or ``logits``
    ((N, K) unnormalized scores, or (N,) the positive-class logit of a binary task).
``.npy``
    Two sibling files ``NAME.labels.npy`` plus ``NAME.probs.npy`` or
    ``NAME.logits.npy`` (and optionally ``NAME.segment.npy``); pass any of them.
``.csv``
    A header line, then one prediction per line. The header is
    ``label,p0,p1,...,p{K-1}`` (probabilities), ``label,logit0,...,logit{K-1}``
    (logits), ``label,prob`` or ``label,logit`` (binary, positive class).
``.jsonl``
    One JSON object per line: ``{"label": 2, "probs": [...]}`` or
    ``{"label": 2, "logits": [...]}``; binary tasks may use ``"prob": 0.7`` or
    ``"logit": 0.8``. Every line uses the same key and length. Blank lines are skipped.

Labels must be integers in ``0..K-1`` (floats with integral values are accepted).
Every problem raises :class:`~advisor.calibration.problem.PredictionsFormatError` whose message is one line naming
the file and the first bad row, e.g.
``preds.csv: line 5 (row 4): probabilities sum to 0.93, not 1 (tolerance 1e-4)``.
Rows are numbered from 1 in every format; text formats also give the line.

Settings named here are those of :mod:`advisor.calibration.config`.

Untrusted files
---------------
Every ``.npy`` header (a file, or an ``.npz`` member) is parsed by hand and checked
before any data is read: the dtype must be plain numbers (booleans, integers or
floats; an object dtype is refused), the shape must fit the array's role, and the declared data
size must equal what the file or zip entry (``ZipInfo.file_size``) holds. The memory
the whole input will need (below) is worked out from the headers too, so a zip bomb
is refused before any byte of data is read or decompressed. Neither reader ever
unpickles: no object array is read at all.

A ``.csv`` / ``.jsonl`` line longer than the ``line_limit`` setting (64 Mi characters), a
CSV field longer than ``csv.field_size_limit()`` (131072 characters), JSON nested
too deeply and bytes that are not UTF-8 are refused naming their line. A UTF-8 BOM
and CRLF line ends are accepted.

Memory
------
Everything that grows with the input is bounded, or the input is refused with an
error naming the file and the limit:

- Classes: at most the ``max_classes`` setting (262,144, more than the vocabulary of current
  language models). Per-class work (a softmax row, one row per block at least, the
  class-wise statistics) grows with K. Checked from a ``.npy`` header, from the
  number of fields of a CSV record before csv splits it (commas counted), from a
  JSONL line's values (a line over the ``json_scan_chars`` setting first has its
  commas outside strings counted, so ``json`` never builds millions of items).
- Rows: the per-row memory of the input plus the measurement must stay within
  the ``memory_cap`` setting (half the machine's physical memory, at least 2 GiB), worked out before reading (text: while parsing, at the
  first row too many). Per row, in bytes:

  =========================  =========================================================
  labels, ``.npy``/``.npz``  stored item size + 8 (the int64 copy), + 8 for float labels
  labels, CSV/JSONL          24 (label and line number as parsed, then the int64 array)
  scores, streamed           0 (read block by block, see below)
  scores, 2-D read whole     K x item size, + 8 K when not floating-point (float64 copy)
  scores, 1-D (binary)       item size, + 8 for the float64 copy unless float64, + 8 + 16
                             (1 - p, and the two columns [1-p, p]); text: 8 + 8 + 8 + 16
  scores, small CSV/JSONL    16 K (parsed blocks and their concatenation)
  the measurement            :data:`~.header.ROW_BYTES` (96): confidences, correctness, fold ids,
                             temperature constants, resample draws on two threads and
                             the isotonic fits, at their peak (measured: about 58)
  =========================  =========================================================

  The sum is an upper estimate (loading copies are freed before the measurement
  starts); each 2 GiB holds about 19 million rows of a streamed file with int64 labels
  (24 GiB of memory: a cap of 12 GiB, about 115 million rows).
  The row budget is for files (:func:`load_predictions`); arrays given to
  :func:`~advisor.calibration.predictions.from_arrays` are in memory already, so only their classes are checked.
- Beyond the cap a run needs fixed working space of about half a GB at most: row
  blocks in flight (a few x ``block_values`` values),
  the temperature warm-start sample (about 2 million values), isotonic columns
  (``isotonic_values``, 128 MiB), the class-wise
  statistics (``classwise_bytes``, 128 MiB, and a
  third more while a block is added; skipped with a note when K x B needs more), and
  while a text line is parsed, its text and values (``line_limit``).

Large inputs
------------
A 2-D array of at least the ``stream_bytes`` setting in a ``.npy`` file or an ``.npz``
member is not loaded: it becomes a :class:`~advisor.calibration.rowfile.RowFile`, which
reads row blocks into fresh buffers on demand (``os`` reads, not a memory map, so the
pages of a file larger than memory never count toward the resident set), and the
predictions are a :class:`~advisor.calibration.predictions.StreamedPredictions`, which
has no ``probs`` array. Stored ``.npz`` members are read in place; compressed ones are
decompressed as a stream, block after block. Every pass over the data (checks,
metrics, temperature fits) goes through ``preds.blocks()``, so memory stays a few
blocks plus the 1-D per-row arrays.

A ``.csv`` or ``.jsonl`` file of at least the ``text_stream_bytes`` setting is parsed once,
line by line; each block of parsed rows is appended to a temporary file of float64
rows (in ``tempfile.gettempdir()``, so ``TMPDIR`` needs 8 bytes per value), which a
:class:`~advisor.calibration.rowfile.RowFile` then reads like a large ``.npy``. The
checks run on that file after parsing, in the order of the in-memory path, so the error
for a bad file is the same either way; the temporary folder is removed on an error, or once the
predictions are no longer referenced (at the latest when Python exits).
Re-parsing the text on every pass would avoid the disk space but cost a text parse
per pass (a temperature fit makes several), and row gathers would need a second
indexing scheme.
"""

from __future__ import annotations

import errno
from pathlib import Path

from .. import progress
from ..predictions import BasePredictions
from ..problem import PredictionsFormatError, fail, os_reason
from ..record import Records
from .csv import column_layout, load_csv
from .jsonl import load_jsonl
from .npy import NPY_NAME, load_npy
from .npz import load_npz
from .parquet import load_parquet

__all__ = ["column_layout", "input_files", "load_predictions"]


def load_predictions(path) -> BasePredictions | Records:
    """Load and validate a predictions file (.npz, .npy, .csv, .jsonl or .parquet).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Predictions or StreamedPredictions
        :class:`~advisor.calibration.predictions.Predictions` (scores in memory) for a
        small file; :class:`~advisor.calibration.predictions.StreamedPredictions` (scores
        read block by block from the file) for a large one (module doc, "Large inputs").
        ``source`` is ``str(path)`` as given. :class:`~advisor.calibration.record.Records`
        for the ``confidence,correct`` layouts (interface section 8).

    Raises
    ------
    PredictionsFormatError
        The file is missing, unreadable or malformed (message names file and first bad row).
    """
    path = Path(path)
    source = str(path)
    loaders = {".npz": load_npz, ".npy": load_npy, ".csv": load_csv, ".jsonl": load_jsonl, ".parquet": load_parquet}
    suffix = path.suffix.lower()
    if suffix not in loaders:
        raise fail(source, f"unsupported file type {repr(suffix) if suffix else '(none)'}; use .npz, .npy, .csv, .jsonl or .parquet")
    try:
        check_regular_file(path, source)
        progress.phase("reading")
        return loaders[suffix](path, source)
    except PredictionsFormatError:
        raise
    except OSError as exc:
        raise fail(source, f"cannot be read ({os_reason(exc, source)})") from None
    except (ValueError, EOFError) as exc:  # a last net: each loader names its own problems
        raise fail(source, f"cannot be read ({exc})") from None


def check_regular_file(path: Path, source: str) -> None:
    if not path.exists():
        # exists() is False for a loop of links and for a link to a missing file too: say which.
        if path.is_symlink():
            try:
                path.stat()
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise fail(source, "is a loop of symbolic links, which never reaches a file") from None
            raise fail(source, "is a symbolic link to a file that does not exist")
        raise fail(source, "file not found")
    if path.is_dir():
        raise fail(source, "is a folder, not a file")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise fail(source, "is not a regular file")


def input_files(path) -> list[Path]:
    """The files loading ``path`` reads: itself, or every existing sibling of a ``.npy`` pair.

    A command writing output uses it to refuse writing over its own input.
    """
    path = Path(path)
    match = NPY_NAME.match(path.name)
    if path.suffix.lower() != ".npy" or not match:
        return [path]
    siblings = [path.with_name(f"{match.group('stem')}.{part}.npy") for part in ("labels", "probs", "logits", "segment")]
    return [path, *(sibling for sibling in siblings if sibling.exists())]
