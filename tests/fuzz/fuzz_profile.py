"""Coverage-guided fuzzing of the profile loader: bytes -> profile.yaml -> load_profile.

A profile that loads is also assessed against the shipped rubric (attached predictions
are ignored: measuring them belongs to fuzz_predictions.py).

Expected: advisor.errors.AdvisorError (any subclass). Anything else propagates, and
atheris reports it as a crash and saves the input.

    python tests/fuzz/fuzz_profile.py tests/fuzz/corpus/profile -max_total_time=600 \
        -rss_limit_mb=2048 -max_len=65536 -timeout=20 -artifact_prefix=tests/fuzz/findings/profile/

Set FUZZ_BYTES_ONLY=1 to turn the structure-aware YAML mutator off. See tests/fuzz/README.md.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

with atheris.instrument_imports(include=["advisor"]):
    from advisor import engine
    from advisor.errors import AdvisorError
    from advisor.profile import load_profile
    from advisor.rubric import load_rubric

from _common import expect, fuzz, work_dir
from _yaml_mutator import YamlMutator

WORK = work_dir("profile")
TARGET = WORK / "profile.yaml"
# `baseline.predictions: predictions.npz` (the calibrate example) must resolve next to the profile.
shutil.copy(REPO / "examples" / "calibrate" / "predictions.npz", WORK / "predictions.npz")
RUBRIC = load_rubric()


def TestOneInput(data: bytes) -> None:
    TARGET.write_bytes(data)
    expect(check_profile, AdvisorError)


def check_profile() -> None:
    loaded = load_profile(TARGET)
    loaded.predictions_path  # noqa: B018  (resolves the attached path)
    engine.assess(loaded, RUBRIC, measured=None)


def main() -> None:
    mutator = None
    if not os.environ.get("FUZZ_BYTES_ONLY"):
        mutator = YamlMutator(sorted((REPO / "examples").glob("*/profile.yaml")))
    fuzz(TestOneInput, WORK, mutator)


if __name__ == "__main__":
    main()
