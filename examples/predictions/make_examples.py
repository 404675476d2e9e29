"""Regenerate the example predictions files (deterministic: same bytes on every run).

    python examples/predictions/make_examples.py

Writes, next to this script:
- ``overconfident.npz``: 600 predictions of a synthetic 3-class model whose logits are
  1.8 times too sharp (labels are drawn from softmax(z / 1.8)), stored as probabilities;
- ``overconfident.csv``: the first 200 of them as ``label,p0,p1,p2``;
- ``overconfident.jsonl``: the first 200 as ``{"label": .., "logits": [..]}``;
- ``binary.csv``: 300 predictions of a binary model as ``label,prob`` (positive class).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARPNESS = 1.8


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def draw(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    centers = rng.integers(0, k, size=n)
    logits = rng.normal(0.0, 1.0, size=(n, k))
    logits[np.arange(n), centers] += 2.5
    logits = np.round(logits * SHARPNESS, 6)  # rounded so the text files hold them exactly
    true_probs = softmax(logits / SHARPNESS)
    labels = (rng.random(n)[:, None] > np.cumsum(true_probs, axis=1)).sum(axis=1)
    return labels.astype(np.int64), logits


def main() -> None:
    rng = np.random.default_rng(20240611)
    labels, logits = draw(rng, 600, 3)
    probs = softmax(logits)
    np.savez_compressed(HERE / "overconfident.npz", labels=labels, probs=probs)
    with open(HERE / "overconfident.csv", "w", encoding="utf-8", newline="\n") as out:
        out.write("label,p0,p1,p2\n")
        for y, row in zip(labels[:200], probs[:200], strict=True):
            out.write(f"{y}," + ",".join(repr(float(v)) for v in row) + "\n")
    with open(HERE / "overconfident.jsonl", "w", encoding="utf-8", newline="\n") as out:
        for y, row in zip(labels[:200], logits[:200], strict=True):
            out.write(json.dumps({"label": int(y), "logits": [float(v) for v in row]}) + "\n")
    binary_labels, binary_logits = draw(rng, 300, 2)
    positive = softmax(binary_logits)[:, 1]
    with open(HERE / "binary.csv", "w", encoding="utf-8", newline="\n") as out:
        out.write("label,prob\n")
        for y, p in zip(binary_labels, positive, strict=True):
            out.write(f"{y},{float(p)!r}\n")


if __name__ == "__main__":
    main()
