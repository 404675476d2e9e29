"""Plain-text and Markdown renderings of a :func:`measure` result."""

from __future__ import annotations

from .interval import THIN_COUNT


def _num(value, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _interval(pair, digits: int = 4) -> str:
    return "n/a" if not pair else f"[{pair[0]:.{digits}f}, {pair[1]:.{digits}f}]"


def pct(value: float | None) -> str:
    """A share as a percentage to one decimal, without a trailing .0 (0.61 -> 61%, 0.615 -> 61.5%)."""
    if value is None:
        return "n/a"
    text = f"{100 * value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def _records(result: dict) -> bool:
    return result.get("input") == "confidence"


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
        (f"ECE ({scheme}, {result['n_bins']} bins)", _num(ece),
         f"{level} {_interval(iv['ece'])} (of the binned ECE at this size; see below)"
         if iv.get("ece") else f"{level} n/a"),
        (f"MCE ({scheme})", _num(mce), ""),
    ]
    if not _records(result):  # records have no class distribution: no NLL, Brier or temperature
        rows += [
            ("NLL", _num(result["nll"]), ""),
            ("Brier", _num(result["brier"]), "sum over classes"),
            ("temperature", _num(result["temperature"], 3), "minimizes the NLL (without its eps clip) on all rows"),
        ]
    if result.get("top_label_brier") is not None:
        rows.append(("top-label Brier", _num(result["top_label_brier"]), "mean (confidence - correct)^2"))
    if result.get("scheme") == "mass":  # with equal-width bins the ECE row above is this one
        rows.append(("ECE equal-width", _num(result["ece_width"]), "the JSON output's ece"))
    else:
        rows.append(("ECE equal-mass", _num(result["ece_mass"]), ""))
    rows.append(("debiased L2 error", _num(result["debiased_l2_error"]), "Kumar et al. 2019"))
    if result.get("classwise_ece") is not None:
        rows.append(("class-wise ECE", _num(result["classwise_ece"]), "mean over classes"))
    elif (result["n_classes"] or 0) > 2 and result.get("notes"):
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
        verdict = (f"The {scheme} ECE of {ece:.4f} is larger than a perfectly calibrated model of this size "
                   f"would show (p = {sig['p_value']:.3f}): the miscalibration is real.")
    else:
        verdict = (f"The {scheme} ECE of {ece:.4f} is within what a perfectly calibrated model of this size "
                   f"shows (typically {sig['ece_if_calibrated']:.4f}; p = {sig['p_value']:.3f}): "
                   "no evidence of miscalibration.")
    if result["intervals"].get("ece"):
        verdict += (" The ECE interval covers the binned ECE expected at this sample size, which noise pushes "
                    "above the true calibration error: even a perfectly calibrated model's interval sits around "
                    f"the noise floor ({sig['ece_if_calibrated']:.4f}), never at 0.")
    return verdict


def _post_rows(result: dict) -> list[tuple[str, dict]]:
    post = result["post_calibration"]
    rows = [("uncalibrated", post["before"])]
    for name in ("temperature", "platt", "isotonic"):
        if post.get(name) is not None:
            rows.append((name, post[name]))
    return rows


def _post_table(result: dict) -> tuple[list[str], list[list[str]]]:
    """(columns, rows) of the post-calibration table; records show the top-label Brier."""
    if _records(result):
        return (["method", "ECE*", "top-label Brier"],
                [[name, _num(v["ece"]), _num(v["top_label_brier"])] for name, v in _post_rows(result)])
    return (["method", "ECE*", "NLL", "Brier", "accuracy"],
            [[name, _num(v["ece"]), _num(v["nll"]), _num(v["brier"]), _num(v["accuracy"])]
             for name, v in _post_rows(result)])


def _bin_cells(row: dict) -> list[str]:
    # Bin 0 also holds c == 0 (section 5), so its interval is closed on the left.
    opening = "[" if row["lower"] == 0.0 else "("
    interval = _interval(row.get("accuracy_interval"), 3) if row["count"] else ""
    return [f"{opening}{row['lower']:.3f}, {row['upper']:.3f}]", str(row["count"]),
            _num(row["confidence"]), _num(row["accuracy"]), interval, "thin" if row.get("thin") else ""]


BIN_COLUMNS = ["bin", "count", "confidence", "accuracy", "95% interval", ""]
THIN_NOTE = (f"thin: fewer than {THIN_COUNT} rows; the bin's accuracy is known only within its wide "
             "interval (Wilson, 95%)")


# ---------------------------------------------------------------- evidence sections


def selective_sentence(selective: dict) -> str:
    """"Today you can automate X% at T accuracy; after calibration Y%." (section 8's coverage)."""
    target = pct(selective["target_accuracy"])
    if selective["threshold"] is None:
        today = f"Today no confidence threshold reaches {target} accuracy"
    else:
        today = (f"Today you can automate {pct(selective['coverage'])} of the rows at {target} accuracy "
                 f"(accepting confidence of at least {selective['threshold']:.4g})")
    after = selective.get("after_calibration") or {}
    if after.get("coverage") is None:
        return today + "; after calibration: not measured" + (f" ({after['notes'][0]})" if after.get("notes") else "")
    return today + f"; after calibration {pct(after['coverage'])}."


def face_value_gain_sentence(gain: dict) -> str:
    """What calibration buys a router that trusts the confidence, and whether it is beyond noise."""
    text = (f"Usable at face value (accepted rows reaching the target): {pct(gain['usable_today'])} today, "
            f"{pct(gain['usable_after'])} after calibration")
    if gain["n_added"]:
        text += (f"; the {gain['n_added']:,} row(s) only calibration accepts are {pct(gain['added_accuracy'])} "
                 f"accurate{' (95% ' + _interval(gain['added_interval'], 3) + ')' if gain.get('added_interval') else ''}")
    verdict = "beyond sampling noise" if gain["beyond_noise"] else "within sampling noise"
    return text + f": a gain of {gain['gain'] * 100:+.1f} points, {verdict}."


def _selective_lines(result: dict) -> list[str]:
    selective = result.get("selective")
    if not selective:
        return []
    lines = [selective_sentence(selective)]
    face = selective.get("at_face_value")
    if face:
        after = (selective.get("after_calibration") or {}).get("at_face_value")
        text = (f"Trusting the confidence as it is (accepting confidence of at least {pct(selective['target_accuracy'])}) "
                f"accepts {pct(face['coverage'])} at {pct(face['accuracy'])} accuracy")
        if after:
            text += f"; after calibration {pct(after['coverage'])} at {pct(after['accuracy'])}"
        lines.append(text + ".")
    gain = (selective.get("after_calibration") or {}).get("face_value_gain")
    if gain:
        lines.append(face_value_gain_sentence(gain))
    lines.append("The threshold is the best one in hindsight on these rows; the risk-coverage curve "
                 f"is in the JSON output (area under it: {_num(selective.get('aurc'))}).")
    return lines


def _segment_table(result: dict) -> tuple[list[str], list[list[str]]] | None:
    segments = result.get("segments")
    if not segments:
        return None
    rows = []
    for entry in segments:
        flags = [flag for flag, on in (("small", entry.get("small")), ("below target", entry.get("below_target"))) if on]
        rows.append([entry["name"], str(entry["n_samples"]), _num(entry["accuracy"]),
                     _interval(entry.get("accuracy_interval"), 3), _num(entry["ece"]),
                     _num(entry.get("ece_if_calibrated")), ", ".join(flags)])
    return ["segment", "rows", "accuracy", "95% interval", "ECE", "noise floor", ""], rows


def _segment_lines(result: dict) -> list[str]:
    summary = result.get("segment_summary")
    if not summary:
        return []
    lines = []
    worst = summary.get("worst")
    if worst is None:
        lines.append(f"Every segment has fewer than {summary['min_samples']} rows: none is ranked.")
    else:
        text = (f"Worst segment: {worst['name']} ({worst['n_samples']} rows), accuracy {worst['accuracy']:.4f} "
                f"{_interval(worst.get('accuracy_interval'), 3)}")
        if worst.get("target_accuracy") is not None:
            text += (f", below the target of {worst['target_accuracy']:g}" + (" with its whole interval"
                     if worst.get("clearly_below") else "") if worst["below_target"]
                     else f", meeting the target of {worst['target_accuracy']:g}")
        lines.append(text + ".")
    if summary.get("n_small"):
        lines.append(f"{summary['n_small']} segment(s) have fewer than {summary['min_samples']} rows: "
                     "flagged as small, not ranked.")
    share = summary.get("worst_share")
    if share:
        lines.append(f"The worst {share['count']} segment(s) hold {pct(share['error_share'])} of the errors "
                     f"and {pct(share['row_share'])} of the rows.")
    return lines


def _concentration_lines(result: dict) -> list[str]:
    found = result.get("error_concentration")
    if not found:
        return []
    top, pairs = found["top_classes"], found["top_pairs"]
    classes = ", ".join(f"class {c['label']} ({c['errors']})" for c in top["classes"][:3])
    confusions = ", ".join(f"{p['label']} as {p['predicted']} ({p['errors']})" for p in pairs["pairs"][:3])
    return [f"Errors ({found['n_errors']}): the top {top['count']} class(es) by errors hold "
            f"{pct(top['error_share'])} of them and {pct(top['row_share'])} of the rows; most errors: {classes}.",
            f"The top {pairs['count']} confusion(s) hold {pct(pairs['error_share'])} of the errors; "
            f"most frequent (true as predicted): {confusions}."]


def _text_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell; numbers right-aligned, the first column and flags (no heading) left."""
    widths = [max(len(cell) for cell in column) for column in zip(columns, *rows, strict=True)]
    left = [i == 0 or not name for i, name in enumerate(columns)]

    def line(cells):
        padded = [cell.ljust(width) if left[i] else cell.rjust(width) for i, (cell, width) in
                  enumerate(zip(cells, widths, strict=True))]
        return ("  " + "  ".join(padded)).rstrip()

    return [line(columns), *(line(row) for row in rows)]


def _markdown_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---" if i == 0 or not name else "---:" for i, name in enumerate(columns)]
    return ["| " + " | ".join(columns) + " |", "| " + " | ".join(align) + " |",
            *("| " + " | ".join(row) + " |" for row in rows)]


def _evidence_blocks(result: dict) -> list[tuple[str, list[str], tuple | None]]:
    """(heading, sentences, table or None) of each evidence section present in ``result``."""
    blocks: list[tuple[str, list[str], tuple | None]] = []
    if result.get("selective"):
        blocks.append(("Selective prediction", _selective_lines(result), None))
    table = _segment_table(result)
    if table:
        blocks.append(("Segments (accuracy, ECE with the same bins)", _segment_lines(result), table))
    if result.get("error_concentration"):
        blocks.append(("Where the errors are", _concentration_lines(result), None))
    return blocks


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
    if iso is None or iso.get("accuracy") == post["before"].get("accuracy"):
        return []
    return ["isotonic regression is fitted one class against the rest and then renormalized, which can "
            "change the predicted class, so its accuracy differs; temperature and Platt scaling never change it"]


def _gate_rows(result: dict) -> list[tuple[str, str, str, str]]:
    """(option, limit, value, verdict) of every gate given (``advisor calibration --max-ece ...``)."""
    return [(f"--{g['gate'].replace('_', '-')}", f"{g['limit']:g}", _num(g["value"]), "passed" if g["passed"] else "FAILED")
            for g in result.get("gates", [])]


def _described(result: dict) -> str:
    if _records(result):
        return f"{result['n_samples']} records (confidence, correct)"
    return f"{result['n_samples']} samples, {result['n_classes']} classes"


def format_text(result: dict) -> str:
    """A terminal report: gates, metrics, significance, post-calibration, the evidence sections and the reliability table."""
    kind = "" if _records(result) else f" ({result['input']})"
    lines = [f"{result['source']}: {_described(result)}{kind}", ""]
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
        lines += _text_table(*_post_table(result))
        lines.append(f"  * equal-width, {result['n_bins']} bins")
    lines += [f"  note: {note}" for note in post.get("notes", []) + _accuracy_note(result)]
    for heading, sentences, evidence in _evidence_blocks(result):
        lines += ["", f"{heading}:", *(f"  {sentence}" for sentence in sentences)]
        lines += _text_table(*evidence) if evidence else []
    scheme, _, _, table = _headline(result)
    lines += ["", f"Reliability bins ({scheme}):"]
    lines += _text_table(BIN_COLUMNS, [_bin_cells(row) for row in table])
    lines += [f"  {THIN_NOTE}"] if any(row.get("thin") for row in table) else []
    return "\n".join(lines) + "\n"


def format_markdown(result: dict) -> str:
    """The same report as Markdown tables, for pasting into documents."""
    lines = [f"### Calibration of `{result['source']}`", "",
             f"{_described(result)}, input: {result['input']}.", ""]
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
        columns, rows = _post_table(result)
        lines += ["", *_markdown_table(["calibration", "ECE (equal-width)", *columns[2:]], rows)]
    # A blank line before each note: a line right under a table would be read as a table row.
    lines += [text for note in post.get("notes", []) + _accuracy_note(result) for text in ("", f"Note: {note}")]
    for heading, sentences, evidence in _evidence_blocks(result):
        lines += ["", f"{heading}:", ""]
        lines += [text for sentence in sentences for text in (sentence, "")][:-1]
        lines += ["", *_markdown_table(*evidence)] if evidence else []
    scheme, _, _, table = _headline(result)
    lines += ["", f"Reliability bins ({scheme}):", ""]
    lines += _markdown_table(BIN_COLUMNS, [_bin_cells(row) for row in table])
    lines += ["", THIN_NOTE] if any(row.get("thin") for row in table) else []
    return "\n".join(lines) + "\n"
