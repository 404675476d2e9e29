"""Shared helpers of the benchmark scripts: options, timing, memory, data, peers.

Every script runs stand-alone (``python benchmarks/bench_ece.py [--quick]``) or
through ``run.py``. Timings are medians of several runs in the same process
after a warm-up run, so import costs and first-touch page faults stay out of
the figures. Peers are optional: a missing one is reported and skipped.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import platform
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"


def parse_args(description: str, extra=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and one run per contender (the CI smoke run)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per contender (default 5, 1 with --quick)")
    if extra is not None:
        extra(parser)
    args = parser.parse_args()
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    return args


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def children_peak_rss_mb() -> float:
    """Largest peak resident memory of any waited-for child process."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale


@dataclass
class Timing:
    name: str
    times: list[float]
    value: object = None
    peak_rss_mb: float = 0.0
    note: str = ""
    is_peer: bool = False
    label: str = ""  # short column title; default: the first word of the name

    @property
    def short(self) -> str:
        return self.label or self.name.split()[0]

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def measure(name, fn, *, repeats: int, warmup: int = 1, quick: bool = False,
            is_peer: bool = False, label: str = "") -> Timing:
    """Time ``fn()`` ``repeats`` times after ``warmup`` untimed runs; keep its last value."""
    warmup = 0 if quick else warmup
    value = None
    for _ in range(warmup):
        value = fn()
    times = []
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return Timing(name, times, value, peak_rss_mb(), is_peer=is_peer, label=label)


def optional_import(module: str):
    """The peer module, or None with a printed note when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        print(f"  note: peer {module!r} not installed ({exc.__class__.__name__}: {exc}); skipped. "
              "See benchmarks/README.md to install the peers.")
        return None


def advisor_calibration():
    """advisor.calibration, or None with a note when it is not importable yet."""
    try:
        return importlib.import_module("advisor.calibration")
    except ImportError as exc:
        print(f"  note: advisor.calibration not importable ({exc}); advisor rows skipped")
        return None


def cal_function(cal, name: str):
    """``advisor.calibration.<name>``, else the first submodule that defines it, else None."""
    found = lookup(cal, name)
    if found is not None or cal is None:
        return found
    import pkgutil
    for info in pkgutil.iter_modules(cal.__path__):
        if info.name == "dask":
            continue
        try:
            module = importlib.import_module(f"{cal.__name__}.{info.name}")
        except ImportError:
            continue
        if getattr(module, name, None) is not None:
            return getattr(module, name)
    return None


def lookup(module, *names):
    """The first attribute of ``module`` among ``names`` (the API is still settling), or None."""
    if module is None:
        return None
    for name in names:
        obj = module
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    return None


def print_header(title: str, sizes: str) -> None:
    print(f"\n== {title} ==")
    print(f"   data: {sizes}")


def print_table(timings: list[Timing], reference: str | None = None,
                rss_note: str = "process maximum so far: it only grows down the table") -> None:
    """Medians, ratio of every contender to every peer, and peak RSS so far.

    ``reference`` names an extra non-peer baseline (e.g. the ``max(axis=1)`` pass)
    that gets a ratio column too.
    """
    timings = [t for t in timings if t is not None]
    columns = [t for t in timings if t.is_peer or t.name == reference]
    head = f"   {'contender':<44} {'median s':>10} {'runs':>4} {'peak RSS MB':>12}"
    for col in columns:
        head += f"  {'/ ' + col.short[:17]:>19}"
    print(head)
    for t in timings:
        line = f"   {t.name:<44} {t.median:>10.4f} {len(t.times):>4} {t.peak_rss_mb:>12.0f}"
        for col in columns:
            line += f"  {t.median / col.median:>18.2f}x" if col.median > 0 else f"  {'-':>19}"
        print(line)
        if t.note:
            print(f"      {t.note}")
    print(f"   (peak RSS: {rss_note})")


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; numpy {np.__version__}")


# --- deterministic data -------------------------------------------------------------

def make_logits(n: int, k: int, seed: int, *, chunk: int = 50_000, first_row: int = 0):
    """Overconfident logits (float32, (n, k)) and labels (int64, (n,)).

    Each row's "true" logits are Gaussian noise plus a random margin on one
    class; the label is drawn from their softmax, so the true logits are
    calibrated, and the model reports them scaled by 1.8, so the optimal
    temperature is near 1.8 as for a typical overconfident network.
    Generated in chunks, each from its own generator keyed by its first row, so
    peak memory stays near the output size; ``first_row`` generates rows
    ``first_row:first_row + n`` of a larger set (a multiple of ``chunk``).
    """
    logits = np.empty((n, k), dtype=np.float32)
    labels = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        logits[start:stop], labels[start:stop] = _logit_block(stop - start, k, seed, first_row + start)
    return logits, labels


def _logit_block(m: int, k: int, seed: int, start: int):
    rng = np.random.default_rng([seed, start])
    true = rng.standard_normal((m, k))
    rows = np.arange(m)
    true[rows, rng.integers(0, k, size=m)] += rng.normal(np.log(k) + 1.5, 2.0, size=m)
    cumulative = np.exp(true - true.max(axis=1, keepdims=True))
    np.cumsum(cumulative, axis=1, out=cumulative)
    draw = rng.random(m) * cumulative[:, -1]
    labels = np.minimum((cumulative < draw[:, None]).sum(axis=1), k - 1)
    del cumulative
    true *= 1.8
    return true.astype(np.float32), labels


def softmax(logits: np.ndarray, dtype=np.float32, *, chunk: int = 50_000) -> np.ndarray:
    """Row-wise softmax in chunks (float64 inside each chunk), stored as ``dtype``."""
    out = np.empty(logits.shape, dtype=dtype)
    for start in range(0, logits.shape[0], chunk):
        block = logits[start:start + chunk].astype(np.float64)
        block -= block.max(axis=1, keepdims=True)
        np.exp(block, out=block)
        block /= block.sum(axis=1, keepdims=True)
        out[start:start + chunk] = block
    return out


def make_probs(n: int, k: int, seed: int):
    logits, labels = make_logits(n, k, seed)
    return softmax(logits), labels


def make_binary(n: int, seed: int):
    """Positive-class probabilities (float64, (n,)) and 0/1 labels, mildly overconfident."""
    rng = np.random.default_rng(seed)
    p = rng.beta(0.6, 0.6, size=n)
    truth = 0.5 + 0.8 * (p - 0.5)
    labels = (rng.random(n) < truth).astype(np.int64)
    return p, labels


# --- independent reference computations ---------------------------------------------

def reference_ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Top-label equal-width ECE exactly as interface section 5 (float64 edges, right-closed bins)."""
    confidence = np.asarray(confidence, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    gap = np.bincount(index, weights=correct.astype(np.float64), minlength=bins)
    gap -= np.bincount(index, weights=confidence, minlength=bins)
    return float(np.abs(gap).sum() / confidence.size)


def nll_and_derivative(logits: np.ndarray, labels: np.ndarray, temperature: float,
                       *, chunk: int = 20_000) -> tuple[float, float]:
    """Mean NLL of softmax(z / T) and its derivative dNLL/dT, in float64, chunk by chunk.

    NLL(T) = mean_i [logsumexp(z_i / T) - z_iy / T], so
    dNLL/dT = mean_i [z_iy - sum_k p_ik(T) z_ik] / T^2.
    """
    total_nll = 0.0
    total_gap = 0.0
    n = logits.shape[0]
    for start in range(0, n, chunk):
        z = logits[start:start + chunk].astype(np.float64)
        y = labels[start:start + chunk]
        scaled = z / temperature
        top = scaled.max(axis=1, keepdims=True)
        weights = np.exp(scaled - top)
        norm = weights.sum(axis=1)
        rows = np.arange(z.shape[0])
        total_nll += float(np.sum(np.log(norm) + top[:, 0] - scaled[rows, y]))
        expected = np.einsum("ij,ij->i", weights, z) / norm
        total_gap += float(np.sum(z[rows, y] - expected))
    return total_nll / n, total_gap / n / temperature**2


def versions(*modules: str) -> str:
    out = []
    for name in modules:
        from importlib.metadata import PackageNotFoundError, version
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} absent")
    return ", ".join(out)
