"""Equal-mass binning (``scheme="mass"``): the section-5 keys keep their equal-width meaning, the headline is labelled."""

import numpy as np
import pytest

from advisor import calibration as cal

FAST = {"n_bootstrap": 20, "n_consistency": 20, "folds": 2}


def mass_differs_from_width():
    """Six rows whose 2-bin equal-width and equal-mass ECEs differ (computed by hand below)."""
    conf = np.array([0.55, 0.6, 0.65, 0.9, 0.95, 0.99])
    labels = np.array([0, 1, 1, 0, 0, 0])  # rows 1 and 2 wrong: class 0 is always predicted
    probs = np.column_stack([conf, 1.0 - conf])
    return cal.from_arrays(labels, probs=probs)


def test_mass_scheme_leaves_ece_mce_and_bins_equal_width():
    preds = mass_differs_from_width()
    width = cal.measure(preds, bins=2, **FAST)
    mass = cal.measure(preds, bins=2, scheme="mass", **FAST)
    # equal-width (0, 0.5], (0.5, 1]: all six in bin 1, |4 - 4.64| / 6
    assert mass["ece"] == pytest.approx(0.64 / 6) == width["ece"]
    assert mass["mce"] == width["mce"] == pytest.approx(0.64 / 6)
    assert mass["bins"] == width["bins"] and [b["count"] for b in mass["bins"]] == [0, 6]
    # equal-mass edge (0.65 + 0.9) / 2: |1 - 1.8| + |3 - 2.84| = 0.96
    assert mass["ece_mass"] == pytest.approx(0.96 / 6)
    assert mass["mce_mass"] == pytest.approx(0.8 / 3)
    assert [b["count"] for b in mass["mass_bins"]] == [3, 3]
    assert mass["mass_bins"][0]["upper"] == pytest.approx(0.775)
    assert mass["scheme"] == "mass" and mass["intervals"]["scheme"] == mass["significance"]["scheme"] == "mass"
    assert width["intervals"]["scheme"] == "width" and "mass_bins" not in width and "mce_mass" not in width


def test_mass_headline_is_labelled_and_uses_the_mass_values():
    result = cal.measure(mass_differs_from_width(), bins=2, scheme="mass", **FAST)
    text, md = cal.format_text(result), cal.format_markdown(result)
    assert "ECE (equal-mass, 2 bins)" in text and f"{0.96 / 6:.4f}" in text
    assert "Reliability bins (equal-mass):" in text and "[0.000, 0.775]" in text
    assert "| ECE (equal-mass, 2 bins) | 0.1600 |" in md and "| (0.775, 1.000] | 3 |" in md
