"""Coverage-guided fuzzing of predictions files: bytes -> .csv/.jsonl/.npz/.npy -> load_predictions -> measure.

Input layout (every corpus file follows it, so a crash file replays exactly):

    byte 0   mode: 0 csv, 1 jsonl, 2 npz (raw bytes), 3 npy pair (raw bytes),
             4 npz (structured), 5 npy pair (structured), 6 csv, 7 jsonl   (byte % 8)
    byte 1   options: bit 0 = differential (see below); bits 1-2 = cross-fitting folds
             (0, 0, 2, 3); bit 3 = binning scheme (width, mass); bits 4-6 = bins - 1;
             bit 7 = 4 bootstrap / consistency resamples instead of 0
    rest     raw modes: the file itself (mode 3: labels.npy bytes, then the probs.npy
             bytes starting at the second b"\\x93NUMPY"); structured modes: the bytes a
             FuzzedDataProvider turns into arrays of fuzzed dtype, shape, order and
             values, saved with np.savez / np.savez_compressed / np.save.

A file that loads with at most MEASURE_LIMIT values is measured with cheap options
(no or 4 resamples, 0-3 folds). Expected: PredictionsFormatError only.

Differential (option bit 0): the file is loaded a second time with the "large input"
thresholds lowered to a few bytes (stream_bytes, text_stream_bytes, block_values), so
the streamed paths (RowFile, spill files, block by block checks) run on small inputs;
the readers promise the same result and the same error either way, so a difference is a
finding too (DifferentialMismatch).

    python tests/fuzz/fuzz_predictions.py tests/fuzz/corpus/predictions -max_total_time=600 \
        -rss_limit_mb=2048 -max_len=65536 -timeout=20 -artifact_prefix=tests/fuzz/findings/predictions/
"""

from __future__ import annotations

import io
import shutil
import sys
import warnings
from pathlib import Path

import atheris
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

with atheris.instrument_imports(include=["advisor"]):
    from advisor import calibration as cal

from _common import expect, fuzz, work_dir

WORK = work_dir("predictions")
MEASURE_LIMIT = 20_000  # N x K values; larger inputs are only loaded
MODES = ("csv", "jsonl", "npz", "npy", "npz-struct", "npy-struct", "csv", "jsonl")
NPY_MAGIC = b"\x93NUMPY"
# "large input" thresholds of the differential run (tiny, and odd, to hit block edges)
SMALL = {"stream_bytes": 16, "text_stream_bytes": 1, "block_values": 7}
DTYPES = ["<f8", "<f4", "<f2", ">f8", ">f4", "<f16", "<i8", "<i4", ">i2", "u1", "i1", "<u8", "?", "<c16",
          "<U3", "S2", "<M8[s]", "<m8[s]", "V4", [("a", "<f8"), ("b", "<i4")], "O"]
FLOATS = [0.0, -0.0, 1.0, 0.5, 1e-300, 5e-324, 1e308, np.inf, -np.inf, np.nan, -1.0, 1.0 + 1e-4, 0.9999]


class DifferentialMismatch(AssertionError):
    """The streamed path and the in-memory path disagree on the same file."""

    def __init__(self, mode: str, message: str):
        super().__init__(f"{mode}: {message}")
        self.fuzz_signature = f"DifferentialMismatch@{mode}"


# --------------------------------------------------------------------------- array builders

def build_array(fdp: atheris.FuzzedDataProvider, role: str, n: int, k: int) -> np.ndarray:
    """An array for ``role`` (labels, probs, logits, other): usually plausible, sometimes anything."""
    choice = fdp.ConsumeIntInRange(0, 9)
    if choice >= 4:  # plausible: the shape the loader wants, with fuzzed values
        shape = (n,) if role == "labels" or k == 1 else (n, k)
        if role == "labels":
            values = np.array(fdp.ConsumeIntListInRange(n, 0, max(k, 2)), dtype=np.int64)
            if fdp.ConsumeBool():
                values = values.astype(fdp.PickValueInList(["<f8", "<i4", "u1", ">i8"]))
            return values.reshape(shape)
        raw = np.array([fdp.PickValueInList(FLOATS) if fdp.ConsumeIntInRange(0, 15) == 0
                        else fdp.ConsumeFloatInRange(-8.0, 8.0) for _ in range(int(np.prod(shape)))],
                       dtype=np.float64).reshape(shape)
        if role == "probs" and fdp.ConsumeIntInRange(0, 3):
            with np.errstate(all="ignore"):
                if raw.ndim == 2:  # rows that sum to 1 (softmax), so loading gets past the checks
                    e = np.exp(raw - np.max(raw, axis=1, keepdims=True))
                    raw = e / e.sum(axis=1, keepdims=True)
                else:
                    raw = 1.0 / (1.0 + np.exp(-raw))
        dtype = fdp.PickValueInList(["<f8", "<f8", "<f4", "<f2", ">f8", "<f16", "<i4"])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return raw.astype(dtype)
    # anything: fuzzed dtype, rank and shape, values from raw bytes
    dtype = np.dtype(fdp.PickValueInList(DTYPES))
    shape = tuple(fdp.ConsumeIntInRange(0, 6) for _ in range(fdp.ConsumeIntInRange(0, 3)))
    count = int(np.prod(shape))
    if dtype.hasobject:
        return np.array([fdp.PickValueInList([1, 0.5, "x", None, [1]]) for _ in range(count)],
                        dtype=object).reshape(shape)
    raw = fdp.ConsumeBytes(count * dtype.itemsize).ljust(count * dtype.itemsize, b"\0")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def build_arrays(fdp: atheris.FuzzedDataProvider) -> dict[str, np.ndarray]:
    n = fdp.ConsumeIntInRange(0, 40)
    k = fdp.ConsumeIntInRange(1, 6)
    roles = {"labels": fdp.ConsumeIntInRange(0, 15) > 0}
    score = fdp.PickValueInList(["probs", "logits"])
    roles[score] = fdp.ConsumeIntInRange(0, 15) > 0
    roles["logits" if score == "probs" else "probs"] = fdp.ConsumeIntInRange(0, 15) == 0
    roles["extra"] = fdp.ConsumeIntInRange(0, 7) == 0
    arrays = {}
    for role, present in roles.items():
        if present:
            array = build_array(fdp, role, n, k)
            arrays[role] = np.asfortranarray(array) if fdp.ConsumeIntInRange(0, 7) == 0 else array
    return arrays


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------- writing the input

def clear() -> None:
    for item in WORK.iterdir():
        if item.is_dir():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink()


def write_input(mode: str, payload: bytes) -> Path:
    """Write the predictions file(s) of one input; return the path to load."""
    clear()
    if mode in ("csv", "jsonl", "npz"):
        target = WORK / f"preds.{mode}"
        target.write_bytes(payload)
        return target
    if mode == "npy":
        cut = payload.find(NPY_MAGIC, 1)
        labels, scores = (payload, b"") if cut < 0 else (payload[:cut], payload[cut:])
        (WORK / "preds.labels.npy").write_bytes(labels)
        (WORK / "preds.probs.npy").write_bytes(scores)
        return WORK / "preds.probs.npy"
    fdp = atheris.FuzzedDataProvider(payload)
    arrays = build_arrays(fdp)
    if mode == "npz-struct":
        target = WORK / "preds.npz"
        members = {("other" if role == "extra" else role): array for role, array in arrays.items()}
        saver = np.savez_compressed if fdp.ConsumeBool() else np.savez
        saver(target, **members)
        return target
    for role, array in arrays.items():
        if role != "extra":
            (WORK / f"preds.{role}.npy").write_bytes(npy_bytes(array))
    names = ["preds.labels.npy", "preds.probs.npy", "preds.logits.npy", "preds.npy", "PREDS.LABELS.NPY"]
    return WORK / fdp.PickValueInList(names)


# --------------------------------------------------------------------------- loading and measuring

def load(path: Path):
    """("ok", predictions) or ("error", message): PredictionsFormatError is the expected failure."""
    try:
        return "ok", cal.load_predictions(path)
    except cal.PredictionsFormatError as exc:
        return "error", str(exc)


def with_thresholds(values: dict, fn):
    with cal.config_context(**values):
        return fn()


def compare(mode: str, first, second) -> None:
    if first[0] != second[0]:
        detail = first[1] if first[0] == "error" else second[1]
        raise DifferentialMismatch(mode, f"in memory: {first[0]}, streamed: {second[0]} ({detail})")
    if first[0] == "error":
        if first[1] != second[1]:
            raise DifferentialMismatch(mode, f"different errors:\n  in memory: {first[1]}\n  streamed:  {second[1]}")
        return
    a, b = first[1], second[1]
    same = (a.kind == b.kind and np.array_equal(np.asarray(a.labels), np.asarray(b.labels))
            and np.array_equal(a.in_memory().scores, b.in_memory().scores, equal_nan=True))
    if not same:
        raise DifferentialMismatch(mode, "the loaded predictions differ")


def measure(preds, options: int) -> None:
    if preds.n_samples * preds.n_classes > MEASURE_LIMIT:
        return
    resamples = 4 if options & 0x80 else 0
    cal.measure(preds, bins=1 + ((options >> 4) & 7), scheme="mass" if options & 0x08 else "width",
                n_bootstrap=resamples, n_consistency=resamples, folds=(0, 0, 2, 3)[(options >> 1) & 3], seed=0)


def TestOneInput(data: bytes) -> None:
    if len(data) >= 2:
        expect(lambda: check_predictions(MODES[data[0] % 8], data[1], data[2:]), cal.PredictionsFormatError)


def check_predictions(mode: str, options: int, payload: bytes) -> None:
    path = write_input(mode, payload)
    first = load(path)
    if options & 1:
        second = with_thresholds(SMALL, lambda: load(path))
        compare(mode, first, second)
    if first[0] == "ok":
        measure(first[1], options)


def main() -> None:
    warnings.simplefilter("ignore")  # numpy's overflow / cast warnings are not findings
    fuzz(TestOneInput, WORK)


if __name__ == "__main__":
    main()
