"""Make examples/calibrate/predictions.npz: an overconfident classifier's test-set output.

A Gaussian naive Bayes model on scikit-learn's bundled handwritten-digits data
(1,797 8x8 images, 10 classes; nothing is downloaded). Naive Bayes multiplies
per-pixel likelihoods as if pixels were independent, so its probabilities pile up
near 0 and 1: accuracy is decent (about 0.83) while confidence is far higher,
the textbook case for post-hoc calibration.

The model has no randomness and the split is seeded, and the archive is written
with fixed timestamps, so running this again gives a byte-identical file (the
examples' reports record its SHA-256). Needs scikit-learn (the test extra):

    python examples/calibrate/make_predictions.py
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

OUTPUT = Path(__file__).resolve().parent / "predictions.npz"


def predictions() -> dict[str, np.ndarray]:
    features, labels = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=0.5, random_state=0, stratify=labels)
    model = GaussianNB().fit(x_train, y_train)
    probs = model.predict_proba(x_test)
    # Rows must sum to 1 within 1e-4 after the float64 round trip; renormalize to be exact.
    probs = probs / probs.sum(axis=1, keepdims=True)
    return {"labels": y_test.astype(np.int64), "probs": probs.astype(np.float64)}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like numpy.savez_compressed, but with fixed member timestamps (reproducible bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def main() -> None:
    arrays = predictions()
    write_npz(OUTPUT, arrays)
    accuracy = float((arrays["probs"].argmax(axis=1) == arrays["labels"]).mean())
    print(f"Wrote {OUTPUT.name}: {len(arrays['labels'])} predictions, accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
