"""Regenerate every example's report (and the profile and assessment JSON Schemas) in examples/.

Each folder here with a ``profile.yaml`` gets ``report.md`` and its figures, named after
their content (``report.scores.<hash>.svg`` and, when the profile attaches predictions,
``report.reliability.<hash>.svg``; with an ``economics`` section, ``report.costs.<hash>.svg``)
-- exactly what ``advisor assess profile.yaml -o report.md`` writes when run in that folder --
and the other formats: ``report.html`` (``--format html``) and ``report.adr.md`` (``--format adr``).
``tests/test_examples.py`` fails when a committed file is out of date.

    python examples/render_all.py           # rewrite the files
    python examples/render_all.py --check   # only report stale files (exit 1)
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from advisor import assessment, engine, profile, report

EXAMPLES = Path(__file__).resolve().parent
REPORT = "report.md"
SCHEMA = "advisor-profile.schema.json"
ASSESSMENT_SCHEMA = "advisor-assessment.schema.json"
OTHER_FORMATS = {"html": "report.html", "adr": "report.adr.md"}


@contextmanager
def working_directory(path: Path):
    # Profiles are assessed from their own folder so recorded paths are relative and portable.
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def example_folders() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/profile.yaml"))


def render_example(folder: Path) -> dict[str, str]:
    """File name -> content of everything ``assess -o report.md`` writes for this example."""
    with working_directory(folder):
        assessment = engine.assess_file("profile.yaml")
        files = {path.name: text for path, text in report.report_files(assessment, Path(REPORT)).items()}
        for fmt, name in OTHER_FORMATS.items():
            files.update({path.name: text for path, text in report.report_files(assessment, Path(name), fmt=fmt).items()})
    return files


def expected_files() -> dict[Path, str]:
    files = {EXAMPLES / SCHEMA: json.dumps(profile.json_schema(), indent=2, ensure_ascii=False) + "\n",
             EXAMPLES / ASSESSMENT_SCHEMA: json.dumps(assessment.json_schema(), indent=2, ensure_ascii=False) + "\n"}
    for folder in example_folders():
        files.update({folder / name: text for name, text in render_example(folder).items()})
    return files


def stale_files() -> list[Path]:
    """Expected files missing or different on disk."""
    return [path for path, text in expected_files().items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text]


def old_figures(expected: dict[Path, str]) -> list[Path]:
    """Figures no report links any more (figures are named after their content)."""
    return [path for folder in example_folders() for path in sorted(folder.glob("report.*.svg"))
            if path not in expected]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files() + old_figures(expected_files())
        for path in stale:
            print(f"out of date: {path.relative_to(EXAMPLES.parent)}")
        return 1 if stale else 0
    expected = expected_files()
    for path, text in expected.items():
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(EXAMPLES.parent)}")
    for path in old_figures(expected):
        path.unlink()
        print(f"removed {path.relative_to(EXAMPLES.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
