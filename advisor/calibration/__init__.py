"""Calibration metrics of a classifier's predictions (numpy only; imports nothing else of advisor).

Entry points: :func:`load_predictions` -> :class:`Predictions` (scores in memory) or
:class:`StreamedPredictions` (a large file's scores, read block by block; both share
:class:`BasePredictions`) or :class:`Records` (confidence and correct flag per row, no class
distribution: interface section 8), :func:`from_arrays` -> :class:`Predictions`,
:func:`records_from_arrays` -> :class:`Records`, :func:`measure` ->
JSON-able dict, :func:`format_text` / :func:`format_markdown`. Block sizes and limits:
:func:`config_context` (:mod:`advisor.calibration.config`).
Definitions follow the README's "Metric definitions" (section 5 of the public interface, which
the code cites as "section 5"; "section 4" is the README's "Predictions files"); see each
module for the extras.
"""

from .accumulator import CalibrationAccumulator
from .binning import assign as assign_bins
from .binning import mass_edges, width_edges
from .concentration import error_concentration
from .config import config_context, get_config, set_config
from .crossfit import cross_fit, fold_ids
from .interval import wilson_interval
from .metric import (
    accuracy,
    binary_positive_ece,
    brier_score,
    calibration_metrics,
    classwise_ece,
    debiased_l2_error,
    expected_calibration_error,
    kumar_equal_bins,
    maximum_calibration_error,
    negative_log_likelihood,
    reliability_bins,
)
from .predictions import BasePredictions, Predictions, StreamedPredictions, from_arrays
from .problem import PredictionsFormatError
from .readers import input_files, load_predictions
from .record import Records, record_metrics, records_from_arrays, top_label_brier
from .render import format_markdown, format_text, selective_sentence
from .scaling import (
    apply_isotonic,
    apply_isotonic_classes,
    apply_platt,
    apply_temperature,
    fit_isotonic,
    fit_isotonic_classes,
    fit_platt,
    fit_temperature,
    nll_gradient_in_t,
    pool_adjacent_violators,
    positive_logit,
)
from .scan import top_label
from .segment import Segments, segment_table, worst_segment
from .selective import risk_coverage, selective_prediction
from .summary import measure
from .uncertainty import (
    bootstrap_ece_accuracy,
    bootstrap_intervals,
    consistency_eces,
    consistency_test,
)

__all__ = [
    "BasePredictions",
    "CalibrationAccumulator",
    "Predictions",
    "PredictionsFormatError",
    "Records",
    "Segments",
    "StreamedPredictions",
    "accuracy",
    "apply_isotonic",
    "apply_isotonic_classes",
    "apply_platt",
    "apply_temperature",
    "assign_bins",
    "binary_positive_ece",
    "bootstrap_ece_accuracy",
    "bootstrap_intervals",
    "brier_score",
    "calibration_metrics",
    "classwise_ece",
    "config_context",
    "consistency_eces",
    "consistency_test",
    "cross_fit",
    "debiased_l2_error",
    "error_concentration",
    "expected_calibration_error",
    "fit_isotonic",
    "fit_isotonic_classes",
    "fit_platt",
    "fit_temperature",
    "fold_ids",
    "format_markdown",
    "format_text",
    "from_arrays",
    "get_config",
    "input_files",
    "kumar_equal_bins",
    "load_predictions",
    "mass_edges",
    "maximum_calibration_error",
    "measure",
    "negative_log_likelihood",
    "nll_gradient_in_t",
    "pool_adjacent_violators",
    "positive_logit",
    "record_metrics",
    "records_from_arrays",
    "reliability_bins",
    "risk_coverage",
    "segment_table",
    "selective_prediction",
    "selective_sentence",
    "set_config",
    "top_label",
    "top_label_brier",
    "width_edges",
    "wilson_interval",
    "worst_segment",
]
