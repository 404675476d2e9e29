"""The ``advisor`` command line.

Each command only parses its options, calls the library and writes the result;
domain errors become one ``Error:`` block and exit status 1 (click's usage
errors keep status 2). Heavy libraries (numpy, pydantic, jinja2) are imported
inside the commands so that ``advisor --help`` starts fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path

import click

from advisor import __version__
from advisor.allocator import tune_allocator
from advisor.confinement import allowing
from advisor.errors import AdvisorError, InputError, Interrupted, PredictionsError
from advisor.output import (
    check_output,
    forced,
    refuse_inputs,
    write_file_atomically,
    write_files_atomically,
)
from advisor.text import dump_json, for_document, for_terminal


class AdvisorClickError(click.ClickException):
    """A domain error shown as ``Error: ...`` with exit status 1."""

    exit_code = 1


def handle_errors(command):
    """Turn the library's input errors into a clean ``Error:`` block and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Interrupted as exc:
            # Only what was kept; click's own "Aborted!" would add nothing.
            click.echo(f"\n{exc.message}", err=True)
            raise click.exceptions.Exit(1) from None
        except AdvisorError as exc:
            # Messages quote file names and values from untrusted files: escape before the terminal.
            raise AdvisorClickError(for_terminal(exc.render())) from None
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise AdvisorClickError(for_terminal(f"{where}{exc.strerror or exc}")) from None

    return wrapper


def as_predictions_error(exc: ValueError) -> PredictionsError:
    """Wrap the calibration library's own error (it knows nothing of advisor's)."""
    return PredictionsError(str(exc))


def write_output(text: str, output: str | None) -> None:
    """Print to stdout, or write ``output`` atomically so a failure never leaves a partial file."""
    if output is None or output == "-":
        click.echo(text, nl=not text.endswith("\n"))
        return
    write_file_atomically(Path(output), text)


output_option = click.option(
    "-o", "--output", type=click.Path(), default=None,
    help="Write to this file instead of standard output (written only on success).",
)


def force_option(command):
    """``--force``: replace an output file even if it is read-only (for the whole command)."""

    @click.option("--force", is_flag=True, help="Replace output files even if they are read-only.")
    @functools.wraps(command)
    def wrapper(*args, force=False, **kwargs):
        with forced(force):
            return command(*args, **kwargs)

    return wrapper


def allow_path_option(command):
    """``--allow-path DIR`` (repeatable): a profile may also reference files under DIR."""

    @click.option("--allow-path", "allowed", multiple=True, type=click.Path(), metavar="DIR",
                  help="Let the profile reference files under DIR too (by default only its own "
                       "folder and the current folder; repeatable).")
    @functools.wraps(command)
    def wrapper(*args, allowed=(), **kwargs):
        with allowing(allowed):
            return command(*args, **kwargs)

    return wrapper


rubric_option = click.option(
    "--rubric", "rubric_path", type=click.Path(), default=None,
    help="Use this rubric YAML instead of the built-in default.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def main():
    """Recommend a model strategy (pre-trained, fine-tune, calibrate, from scratch)
    for an ML project, with its calibration evidence measured, not claimed."""
    tune_allocator()


@main.command()
@click.argument("profile", type=click.Path())
@output_option
@force_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html", "adr"]), default="markdown",
              show_default=True, help="markdown (with SVG figures beside it), json, html (one self-contained "
              "file) or adr (an Architecture Decision Record, MADR 4.0).")
@rubric_option
@click.option("--template", "template_path", type=click.Path(), default=None,
              help="Render the Markdown report with this Jinja2 template (sandboxed).")
@click.option("--no-figures", is_flag=True, help="Do not write the SVG figures (nor put them in the HTML).")
@allow_path_option
@handle_errors
def assess(profile, output, fmt, rubric_path, template_path, no_figures):
    """Score PROFILE and recommend a strategy."""
    if template_path is not None and fmt != "markdown":
        raise click.UsageError(f"--template renders the Markdown report; it cannot be used with --format {fmt}")
    write_assessment(profile, output, fmt, rubric_path, template_path, no_figures)


def write_assessment(profile, output, fmt, rubric_path, template_path, no_figures) -> dict:
    """Assess ``profile`` and write the report (or JSON) ``assess`` would; return the assessment."""
    from advisor import engine, report

    check_output(output, [profile, rubric_path, template_path])
    with progress_display():  # an attached predictions file of millions of rows takes a while
        assessment = engine.assess_file(profile, rubric_path=rubric_path)
    inputs = [profile, rubric_path, template_path, *attached_files(profile, assessment)]
    if fmt == "json":
        refuse_inputs([output] if output not in (None, "-") else [], inputs)
        write_output(dump_json(assessment), output)
        return assessment
    if output in (None, "-"):  # standard output has nowhere to put figure files
        write_output(report.render(assessment, fmt, template_path=template_path), output)
        return assessment
    files = report.report_files(assessment, Path(output), template_path, figures=not no_figures, fmt=fmt)
    refuse_inputs(list(files), inputs)  # the figures too: report.scores.svg may be someone's profile
    write_files_atomically(files)
    return assessment


def attached_files(profile: str, assessment: dict) -> list[Path]:
    """The predictions file(s) a profile attaches, as the assessment records them."""
    from advisor import calibration as cal

    attached = (assessment.get("inputs") or {}).get("predictions")
    return cal.input_files(Path(profile).parent / attached["path"]) if attached else []


@main.command()
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@output_option
@force_option
@rubric_option
@allow_path_option
@handle_errors
def diff(old, new, fmt, output, rubric_path):
    """What changed from OLD to NEW: inputs, scores, measured evidence and the decision.

    OLD and NEW are profiles (assessed now) or saved `assess --format json` outputs (.json).
    """
    from advisor.report import diff as difference

    check_output(output, [old, new, rubric_path])
    text = difference.diff_files(old, new, fmt, rubric_path=rubric_path)
    if fmt != "json":  # labels and values come from other people's files
        text = for_terminal(text) if output in (None, "-") else for_document(text)
    write_output(text, output)


@main.command()
@click.argument("predictions", type=click.Path())
@click.option("--bins", type=click.IntRange(1, 10_000), default=15, show_default=True, help="Number of bins.")
@click.option("--scheme", type=click.Choice(["width", "mass"]), default="width", show_default=True,
              help="Equal-width bins (Guo et al.) or equal-mass (adaptive) bins.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(0, 100_000), default=1000, show_default=True,
              help="Bootstrap resamples for the 95% intervals (0 to skip).")
@click.option("--resamples", "n_consistency", type=click.IntRange(0, 100_000), default=1000, show_default=True,
              help="Consistency resamples for the calibration significance test (0 to skip).")
@click.option("--folds", type=click.IntRange(0, 100), default=5, show_default=True,
              help="Cross-fitting folds for the post-calibration results (0 to skip).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of every random draw (a whole number of 0 or more).")
@click.option("--min-accuracy", type=click.FloatRange(0, 1), default=None,
              help="Gate: exit with status 3 when accuracy is below this.")
@click.option("--max-ece", type=click.FloatRange(0, 1), default=None,
              help="Gate: exit with status 3 when the ECE is above this.")
@click.option("--max-mce", type=click.FloatRange(0, 1), default=None,
              help="Gate: exit with status 3 when the MCE is above this.")
@click.option("--max-nll", type=click.FloatRange(min=0), default=None,
              help="Gate: exit with status 3 when the NLL is above this.")
@click.option("--max-brier", type=click.FloatRange(0, 2), default=None,
              help="Gate: exit with status 3 when the Brier score is above this.")
@click.option("--target-accuracy", type=click.FloatRange(0.0, 1.0), default=None,
              help="Report selective prediction: how many rows can be automated at this accuracy, "
                   "before and after calibration.")
@output_option
@force_option
@handle_errors
def calibration(predictions, bins, scheme, fmt, n_bootstrap, n_consistency, folds, seed, target_accuracy, output,
                **limits):
    """Measure the accuracy and calibration of a PREDICTIONS file (.npz, .npy pair, .csv, .jsonl, .parquet).

    With gates (--max-ece, --min-accuracy, ...) the output is written as usual, each
    failed gate is named on standard error and the exit status is 3.
    """
    from advisor import calibration as cal
    from advisor.calibration.gate import check_gates, failure_lines

    check_output(output, cal.input_files(predictions))  # before a measurement that may take minutes
    try:
        with progress_display():
            preds = cal.load_predictions(predictions)
            result = cal.measure(
                preds, bins=bins, scheme=scheme, n_bootstrap=n_bootstrap,
                n_consistency=n_consistency, folds=folds, seed=seed, target_accuracy=target_accuracy,
            )
    except cal.PredictionsFormatError as exc:
        raise as_predictions_error(exc) from None
    if any(limit is not None for limit in limits.values()):
        try:
            result["gates"] = check_gates(result, limits)
        except ValueError as exc:  # a gate on a metric this input has no value for
            raise PredictionsError(f"{predictions}: {exc}") from None
    if fmt == "json":
        text = dump_json(result)
    elif fmt == "markdown":
        text = for_terminal(cal.format_markdown(result))  # the file name is untrusted text
    else:
        text = for_terminal(cal.format_text(result))
    write_output(text, output)
    failed = failure_lines(result.get("gates", []))
    if failed:
        click.echo("\n".join(failed), err=True)
        raise click.exceptions.Exit(3)  # measured, and a gate failed (interface section 9)


@main.command()
@click.argument("first", metavar="A", type=click.Path())
@click.argument("second", metavar="B", type=click.Path())
@click.option("--bins", type=click.IntRange(1, 10_000), default=15, show_default=True, help="Number of bins.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(0, 100_000), default=1000, show_default=True,
              help="Paired-bootstrap resamples for the 95% intervals of the differences (0 to skip).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of every random draw (a whole number of 0 or more).")
@output_option
@force_option
@handle_errors
def compare(first, second, bins, fmt, n_bootstrap, seed, output):
    """Compare two models' predictions A and B of the same rows: differences B - A with paired intervals."""
    from advisor import calibration as cal
    from advisor.calibration.comparison import compare as compare_predictions
    from advisor.calibration.comparison_render import (
        format_comparison_markdown,
        format_comparison_text,
    )

    check_output(output, [*cal.input_files(first), *cal.input_files(second)])
    try:
        with progress_display():
            a, b = cal.load_predictions(first), cal.load_predictions(second)
            result = compare_predictions(a, b, bins=bins, n_bootstrap=n_bootstrap, seed=seed)
    except cal.PredictionsFormatError as exc:
        raise as_predictions_error(exc) from None
    if fmt == "json":
        text = dump_json(result)
    elif fmt == "markdown":
        text = for_terminal(format_comparison_markdown(result))  # file and segment names are untrusted text
    else:
        text = for_terminal(format_comparison_text(result))
    write_output(text, output)


@contextlib.contextmanager
def progress_display():
    """Progress of the measurement on standard error, only when it is a terminal."""
    from advisor import progress
    from advisor.calibration.progress import reporting

    display = progress.for_stderr()
    if display is None:
        yield
        return
    try:
        with reporting(display):
            yield
    finally:
        display.close()


@main.command()
@click.argument("profile", type=click.Path())
@rubric_option
@allow_path_option
@handle_errors
def validate(profile, rubric_path):
    """Check PROFILE (and its attached predictions); report every problem found."""
    from advisor import engine

    click.echo(for_terminal(engine.validate_file(profile, rubric_path=rubric_path)))


@main.command()
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the profile here (default: profile.yaml; written only at the end).")
@click.option("--answers", "answers_path", type=click.Path(), default=None,
              help="Take the answers from this YAML/JSON file instead of the terminal.")
@click.option("--resume", is_flag=True, help="Continue a questionnaire that was interrupted.")
@rubric_option
@force_option
@allow_path_option
@handle_errors
def questionnaire(output, answers_path, resume, rubric_path):
    """Answer the rubric's questions and write a profile YAML.

    Needs a terminal; without one, pass --answers FILE (a profile YAML, or - for
    standard input), which goes through the same validation. Progress is saved in
    .advisor-questionnaire.yaml after every answer. ADVISOR_FORCE_INTERACTIVE=1
    asks the questions even when standard input is not a terminal (for tests).
    """
    from advisor import questionnaire as q

    outcome = q.run(output=output, answers_path=answers_path, resume=resume, rubric_path=rubric_path)
    if outcome.report_path is not None:
        assessment = write_assessment(str(outcome.profile_path), str(outcome.report_path), "markdown",
                                      outcome.rubric_path, None, False)
        click.echo(for_terminal(f"Wrote {outcome.report_path}"))
        q.show_recommendation(assessment)


@main.command()
@click.argument("path", required=False, type=click.Path())
@click.option("--force", is_flag=True, help="Overwrite an existing file (even a read-only one).")
@handle_errors
def init(path, force):
    """Write an annotated starter profile to PATH (default: profile.yaml; - prints it)."""
    from advisor import questionnaire as q

    if path == "-":  # as everywhere else, - is standard output, not a file named "-"
        click.echo(q.starter_profile(), nl=False)
        return
    target = Path(path or "profile.yaml")
    if target.exists() and not force:
        raise InputError("already exists; pass --force to overwrite it", file=str(target))
    with forced(force):
        write_file_atomically(target, q.starter_profile())
    click.echo(for_terminal(f"Wrote {target}"))
    schema_path = target.with_name(q.SCHEMA_FILE)
    if not schema_path.exists():
        click.echo(f"For editor completion: advisor schema -o {schema_path}")


@main.command()
@output_option
@force_option
@click.option("--assessment", "of_assessment", is_flag=True,
              help="The schema of `assess --format json` output instead of the profile's.")
@handle_errors
def schema(output, of_assessment):
    """Print the JSON Schema of the profile (for editor completion), or of the assessment."""
    if of_assessment:
        from advisor import assessment

        write_output(dump_json(assessment.json_schema()), output)
        return
    from advisor import profile

    write_output(dump_json(profile.json_schema()), output)


@main.group()
def rubric():
    """Inspect and check rubric files."""


@rubric.command("show")
@rubric_option
@click.option("--format", "fmt", type=click.Choice(["text", "yaml"]), default="text", show_default=True)
@handle_errors
def rubric_show(rubric_path, fmt):
    """Show the dimensions, strategies and rules of a rubric."""
    from advisor import rubric as rub

    loaded = rub.load_rubric(rubric_path)
    text = rub.describe(loaded, fmt=fmt)
    click.echo(for_terminal(text) if fmt == "text" else text)


@rubric.command("lint")
@click.argument("path", required=False, type=click.Path())
@handle_errors
def rubric_lint(path):
    """Validate a rubric and find rules that can never fire (exit 1 on problems)."""
    from advisor import lint
    from advisor import rubric as rub

    loaded = rub.load_rubric(path)
    problems = lint.lint_rubric(loaded)
    if problems:
        raise InputError("lint found problems", file=str(path or rub.default_rubric_name()), problems=problems)
    click.echo(f"{path or rub.default_rubric_name()}: OK ({len(loaded.rules)} rules)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
