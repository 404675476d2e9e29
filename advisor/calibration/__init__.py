"""Calibration metrics of a classifier's predictions (numpy only; imports nothing else of advisor).

Entry points: :func:`load_predictions` / :func:`from_arrays` -> :class:`Predictions`,
:func:`measure` -> JSON-able dict, :func:`format_text` / :func:`format_markdown`.
Definitions follow the README's "Metric definitions" (section 5 of the public interface, which
the code cites as "section 5"; "section 4" is the README's "Predictions files"); see each
module for the extras.
"""

from .accumulator import CalibrationAccumulator
from .binning import assign as assign_bins, mass_edges, width_edges
from .crossfit import cross_fit, fold_ids
from .data import Predictions, PredictionsFormatError, from_arrays, input_files, load_predictions
from .metric import (accuracy, binary_positive_ece, brier_score, calibration_metrics, classwise_ece,
                     debiased_l2_error, expected_calibration_error, kumar_equal_bins,
                     maximum_calibration_error, negative_log_likelihood, reliability_bins, top_label)
from .render import format_markdown, format_text
from .scaling import (apply_isotonic, apply_isotonic_classes, apply_platt, apply_temperature,
                      fit_isotonic, fit_isotonic_classes, fit_platt, fit_temperature,
                      nll_gradient_in_t, pool_adjacent_violators, positive_logit)
from .summary import measure
from .uncertainty import bootstrap_ece_accuracy, bootstrap_intervals, consistency_eces, consistency_test

__all__ = [
    "CalibrationAccumulator", "Predictions", "PredictionsFormatError", "accuracy", "apply_isotonic",
    "apply_isotonic_classes", "apply_platt", "apply_temperature", "assign_bins", "binary_positive_ece",
    "bootstrap_ece_accuracy", "bootstrap_intervals", "brier_score", "calibration_metrics", "classwise_ece",
    "consistency_eces", "consistency_test", "cross_fit", "debiased_l2_error", "expected_calibration_error",
    "fit_isotonic", "fit_isotonic_classes", "fit_platt", "fit_temperature", "fold_ids", "format_markdown",
    "format_text", "from_arrays", "input_files", "kumar_equal_bins", "load_predictions", "mass_edges",
    "maximum_calibration_error", "measure", "negative_log_likelihood", "nll_gradient_in_t",
    "pool_adjacent_violators", "positive_logit", "reliability_bins", "top_label", "width_edges",
]
