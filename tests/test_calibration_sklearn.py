"""Agreement with scikit-learn on real classifiers, and with a loop implementation of section 5."""

import math

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from advisor import calibration as cal

DATASETS = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}
MODELS = {
    "naive_bayes": lambda: GaussianNB(),
    "forest": lambda: RandomForestClassifier(n_estimators=25, random_state=0),
    "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
}


def loop_ece(probs, labels, n_bins):
    """Section 5 written out sample by sample and bin by bin."""
    edges = list(np.linspace(0.0, 1.0, n_bins + 1))
    sums = [[0, 0.0, 0.0] for _ in range(n_bins)]
    for row, label in zip(probs, labels, strict=True):
        row = [float(v) for v in row]
        best = 0
        for k in range(1, len(row)):
            if row[k] > row[best]:
                best = k
        c = row[best]
        m = 0
        while m < n_bins - 1 and not (edges[m] < c <= edges[m + 1]):
            m += 1
        sums[m][0] += 1
        sums[m][1] += c
        sums[m][2] += 1.0 if best == label else 0.0
    ece = sum(abs(s[2] - s[1]) for s in sums) / len(labels)
    mce = max(abs(s[2] - s[1]) / s[0] for s in sums if s[0])
    return ece, mce


@pytest.fixture(scope="module", params=sorted(DATASETS))
def dataset(request):
    x, y = DATASETS[request.param](return_X_y=True)
    return train_test_split(x, y, test_size=0.4, random_state=0, stratify=y)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_metrics_agree_with_scikit_learn(dataset, model):
    x_train, x_test, y_train, y_test = dataset
    clf = MODELS[model]().fit(x_train, y_train)
    probs = clf.predict_proba(x_test)
    result = cal.calibration_metrics(y_test, probs=probs)
    assert result["nll"] == pytest.approx(log_loss(y_test, probs), abs=1e-12)
    factor = 2.0 if probs.shape[1] == 2 else 1.0  # section 5: binary Brier is twice scikit-learn's
    assert result["brier"] == pytest.approx(factor * brier_score_loss(y_test, probs), abs=1e-12)
    assert result["accuracy"] == pytest.approx(np.mean(clf.predict(x_test) == y_test), abs=1e-15)
    ece, mce = loop_ece(probs, y_test, 15)
    assert result["ece"] == pytest.approx(ece, abs=1e-12)
    assert result["mce"] == pytest.approx(mce, abs=1e-12)
    if probs.shape[1] == 2:  # the 1-D positive-class form gives the same numbers
        one = cal.calibration_metrics(y_test, probs=probs[:, 1])
        assert one["nll"] == pytest.approx(log_loss(y_test, probs[:, 1]), abs=1e-12)
        assert one["brier"] == pytest.approx(2 * brier_score_loss(y_test, probs[:, 1]), abs=1e-12)


def test_logistic_regression_logits_agree_with_log_loss():
    x, y = load_wine(return_X_y=True)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x, y)
    logits = clf.decision_function(x)
    result = cal.calibration_metrics(y, logits=logits)
    assert result["nll"] == pytest.approx(log_loss(y, clf.predict_proba(x)), abs=1e-12)
    assert result["brier"] == pytest.approx(brier_score_loss(y, clf.predict_proba(x)), abs=1e-12)
    assert math.isfinite(result["ece"])
