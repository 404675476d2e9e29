"""Make examples/evaluation-records/records.csv: an evaluation turned into per-item records.

What an evaluation harness exports for each test item: the model's confidence in its
answer, whether the answer was right, and a segment (here the stroke weight of the
handwriting). The model is a strongly regularized logistic regression on
scikit-learn's bundled handwritten-digits data (1,797 8x8 images, 10 classes; nothing
is downloaded), fitted on half of the images and evaluated on the other half. Its
confidence is the largest predicted class probability; the segment splits the images
into thirds by total ink (faint, medium, bold), cut at the terciles of all 1,797 images.

The fit has no randomness, the split is seeded and confidences are written to six
decimals, so running this again gives the same file (the example's report records its
SHA-256). Needs scikit-learn (the test extra):

    python examples/evaluation-records/make_records.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

OUTPUT = Path(__file__).resolve().parent / "records.csv"


def records() -> list[tuple[float, int, str]]:
    features, labels = load_digits(return_X_y=True)
    ink = features.sum(axis=1)
    light, heavy = np.quantile(ink, [1 / 3, 2 / 3])
    x_train, x_test, y_train, y_test, _, ink_test = train_test_split(
        features, labels, ink, test_size=0.5, random_state=0, stratify=labels)
    model = LogisticRegression(C=0.01, max_iter=5000).fit(x_train, y_train)
    probs = model.predict_proba(x_test)
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y_test
    segment = np.where(ink_test < light, "faint", np.where(ink_test < heavy, "medium", "bold"))
    return [(round(float(c), 6), int(ok), str(s)) for c, ok, s in zip(confidence, correct, segment, strict=True)]


def main() -> None:
    lines = ["confidence,correct,segment", *(f"{c:.6f},{ok},{s}" for c, ok, s in records())]
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(lines) - 1} records)")


if __name__ == "__main__":
    main()
