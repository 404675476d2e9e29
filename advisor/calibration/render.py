"""Plain-text and Markdown renderings of a :func:`measure` result."""

from __future__ import annotations


def _num(value, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(pair) -> str:
    return "n/a" if not pair else f"[{pair[0]:.4f}, {pair[1]:.4f}]"


SCHEME_NAMES = {"width": "equal-width", "mass": "equal-mass"}
MIN_RELIABLE_RESAMPLES = 100  # below this a percentile interval's ends are mostly noise


def _headline(result: dict) -> tuple[str, float, float, list]:
    """(scheme name, ECE, MCE, reliability rows) of the requested scheme.

    JSON ``ece``, ``mce`` and ``bins`` are always equal-width (section 5); with
    ``scheme="mass"`` the headline is the equal-mass ``ece_mass``, ``mce_mass``, ``mass_bins``.
    """
    if result.get("scheme") == "mass":
        # With fewer rows than bins, equal-mass edges repeat: such empty, zero-width bins say nothing.
        rows = [row for row in result["mass_bins"] if row["count"] or row["upper"] > row["lower"]]
        return SCHEME_NAMES["mass"], result["ece_mass"], result["mce_mass"], rows
    return SCHEME_NAMES["width"], result["ece"], result["mce"], result["bins"]


def _metric_rows(result: dict) -> list[tuple[str, str, str]]:
    """(name, value, note) rows shared by both formats."""
    iv = result["intervals"]
    sig = result["significance"]
    level = f"{round(iv['level'] * 100)}% CI"
    if 0 < iv.get("n_resamples", 0) < MIN_RELIABLE_RESAMPLES:
        level = f"{level} from only {iv['n_resamples']} resample(s), not reliable:"
    scheme, ece, mce, _ = _headline(result)
    rows = [
        ("accuracy", _num(result["accuracy"]), f"{level} {_interval(iv['accuracy'])}"),
        (f"ECE ({scheme}, {result['n_bins']} bins)", _num(ece), f"{level} {_interval(iv['ece'])}"),
        (f"MCE ({scheme})", _num(mce), ""),
        ("NLL", _num(result["nll"]), ""),
        ("Brier", _num(result["brier"]), "sum over classes"),
        ("temperature", _num(result["temperature"], 3), "minimizes NLL on all rows"),
    ]
    if result.get("scheme") == "mass":  # with equal-width bins the ECE row above is this one
        rows.append(("ECE equal-width", _num(result["ece_width"]), "the JSON output's ece"))
    else:
        rows.append(("ECE equal-mass", _num(result["ece_mass"]), ""))
    rows.append(("debiased L2 error", _num(result["debiased_l2_error"]), "Kumar et al. 2019"))
    if result.get("classwise_ece") is not None:
        rows.append(("class-wise ECE", _num(result["classwise_ece"]), "mean over classes"))
    elif result["n_classes"] > 2 and result.get("notes"):
        rows.append(("class-wise ECE", "n/a", "skipped: see the note below"))
    if result.get("binary_positive_ece") is not None:
        rows.append(("positive-class ECE", _num(result["binary_positive_ece"]), "binary, p(class 1)"))
    if sig.get("p_value") is not None:
        # The noise floor: what a perfectly calibrated model of this size would measure, not
        # what calibrating this one would achieve (that is the post-calibration table).
        rows.append(("ECE noise floor", _num(sig["ece_if_calibrated"]),
                     f"mean ECE of a perfectly calibrated model of this size; "
                     f"95th percentile {_num(sig['ece_if_calibrated_95'])}"))
        rows.append(("calibration p-value", _num(sig["p_value"]),
                     f"{sig['method']}, {sig['n_resamples']} resamples"))
    return rows


def _verdict(result: dict) -> str:
    sig = result["significance"]
    if sig.get("p_value") is None:
        return "No significance test was run."
    scheme, ece, _, _ = _headline(result)
    if sig["p_value"] < 0.05:
        return (f"The {scheme} ECE of {ece:.4f} is larger than a perfectly calibrated model of this size "
                f"would show (p = {sig['p_value']:.3f}): the miscalibration is real.")
    return (f"The {scheme} ECE of {ece:.4f} is within what a perfectly calibrated model of this size "
            f"shows (typically {sig['ece_if_calibrated']:.4f}; p = {sig['p_value']:.3f}): "
            "no evidence of miscalibration.")


def _post_rows(result: dict) -> list[tuple[str, dict]]:
    post = result["post_calibration"]
    rows = [("uncalibrated", post["before"])]
    for name in ("temperature", "platt", "isotonic"):
        if post.get(name) is not None:
            rows.append((name, post[name]))
    return rows


def _bin_cells(row: dict) -> list[str]:
    # Bin 0 also holds c == 0 (section 5), so its interval is closed on the left.
    opening = "[" if row["lower"] == 0.0 else "("
    return [f"{opening}{row['lower']:.3f}, {row['upper']:.3f}]", str(row["count"]),
            _num(row["confidence"]), _num(row["accuracy"])]


def _post_was_run(post: dict) -> bool:
    return any(post.get(name) is not None for name in ("temperature", "platt", "isotonic"))


def _post_heading(post: dict) -> str:
    if not _post_was_run(post):
        return "Post-hoc calibration: not run"
    return (f"Post-hoc calibration ({post['folds']}-fold cross-fitted, seed {post['seed']}; "
            "each row is scored by a calibrator fitted without it)")


def _accuracy_note(result: dict) -> list[str]:
    """Say why isotonic accuracy can differ, since calibration is supposed to leave it alone."""
    post = result["post_calibration"]
    iso = post.get("isotonic")
    if iso is None or iso["accuracy"] == post["before"]["accuracy"]:
        return []
    return ["isotonic regression is fitted one class against the rest and then renormalized, which can "
            "change the predicted class, so its accuracy differs; temperature and Platt scaling never change it"]


def _gate_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """(option, limit, value, verdict) of every gate given (``advisor calibration --max-ece ...``)."""
    return [(f"--{g['gate'].replace('_', '-')}", f"{g['limit']:g}", _num(g["value"]), "passed" if g["passed"] else "FAILED")
            for g in result.get("gates", [])]


def format_text(result: dict) -> str:
    """A terminal report: gates, metrics, significance, post-calibration and the reliability table."""
    lines = [f"{result['source']}: {result['n_samples']} samples, {result['n_classes']} classes "
             f"({result['input']})", ""]
    if result.get("gates"):
        lines += [f"  gate {option} {limit}: {value}  {verdict}" for option, limit, value, verdict in _gate_rows(result)]
        lines.append("")
    rows = _metric_rows(result)
    width = max(len(name) for name, _, _ in rows)
    lines += [f"  {name:<{width}}  {value:>8}  {note}".rstrip() for name, value, note in rows]
    lines += [f"  note: {note}" for note in result.get("notes", [])]
    lines += ["", _verdict(result), ""]
    post = result["post_calibration"]
    lines.append(_post_heading(post) + ":")
    if _post_was_run(post):
        lines.append(f"  {'method':<13}{'ECE*':>8}{'NLL':>9}{'Brier':>9}{'accuracy':>10}")
        for name, values in _post_rows(result):
            lines.append(f"  {name:<13}{values['ece']:>8.4f}{values['nll']:>9.4f}{values['brier']:>9.4f}"
                         f"{values['accuracy']:>10.4f}")
        lines.append(f"  * equal-width, {result['n_bins']} bins")
    lines += [f"  note: {note}" for note in post.get("notes", []) + _accuracy_note(result)]
    scheme, _, _, table = _headline(result)
    lines += ["", f"Reliability bins ({scheme}):", f"  {'bin':<18}{'count':>8}{'confidence':>12}{'accuracy':>10}"]
    for row in table:
        cells = _bin_cells(row)
        lines.append(f"  {cells[0]:<18}{cells[1]:>8}{cells[2]:>12}{cells[3]:>10}")
    return "\n".join(lines) + "\n"


def format_markdown(result: dict) -> str:
    """The same report as Markdown tables, for pasting into documents."""
    lines = [f"### Calibration of `{result['source']}`", "",
             f"{result['n_samples']} samples, {result['n_classes']} classes, input: {result['input']}.", ""]
    if result.get("gates"):
        lines += ["| gate | limit | measured | result |", "| --- | ---: | ---: | --- |"]
        lines += [f"| `{option}` | {limit} | {value} | {verdict} |" for option, limit, value, verdict in _gate_rows(result)]
        lines.append("")
    lines += ["| metric | value | note |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in _metric_rows(result)]
    lines += [text for note in result.get("notes", []) for text in ("", f"Note: {note}")]
    post = result["post_calibration"]
    lines += ["", _verdict(result), "", _post_heading(post) + "."]
    if _post_was_run(post):
        lines += ["", "| calibration | ECE (equal-width) | NLL | Brier | accuracy |", "| --- | ---: | ---: | ---: | ---: |"]
        for name, values in _post_rows(result):
            lines.append(f"| {name} | {values['ece']:.4f} | {values['nll']:.4f} | {values['brier']:.4f} "
                         f"| {values['accuracy']:.4f} |")
    # A blank line before each note: a line right under a table would be read as a table row.
    lines += [text for note in post.get("notes", []) + _accuracy_note(result) for text in ("", f"Note: {note}")]
    scheme, _, _, table = _headline(result)
    lines += ["", f"Reliability bins ({scheme}):", "",
              "| bin | count | confidence | accuracy |", "| --- | ---: | ---: | ---: |"]
    lines += ["| " + " | ".join(_bin_cells(row)) + " |" for row in table]
    return "\n".join(lines) + "\n"
