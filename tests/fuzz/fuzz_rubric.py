"""Coverage-guided fuzzing of the rubric: bytes -> rubric.yaml -> load_rubric -> lint, describe, assess.

A rubric that loads is linted (``lint_rubric``), described (``describe``, text) and
used to assess each example profile (``engine.assess``; the calibrate example with a
measurement of its predictions made once at start-up, so metric conditions see
measured values).

Expected: advisor.errors.AdvisorError (any subclass). Anything else propagates, and
atheris reports it as a crash and saves the input.

    python tests/fuzz/fuzz_rubric.py tests/fuzz/corpus/rubric -max_total_time=600 \
        -rss_limit_mb=2048 -max_len=65536 -timeout=20 -artifact_prefix=tests/fuzz/findings/rubric/

By default a structure-aware mutator (``_yaml_mutator.py``) edits the parsed YAML tree
(and grafts random rule conditions built from the real dimension, fact, metric and
operator names); set FUZZ_BYTES_ONLY=1 for libFuzzer's byte mutations only.
"""

from __future__ import annotations

import math
import os
import random
import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

with atheris.instrument_imports(include=["advisor"]):
    from advisor import crosscheck, engine, profile, rule
    from advisor.errors import AdvisorError
    from advisor.lint import lint_rubric
    from advisor.rubric import describe, load_rubric

from _common import expect, fuzz, work_dir
from _yaml_mutator import HOSTILE_SCALARS, YamlMutator

WORK = work_dir("rubric")
TARGET = WORK / "rubric.yaml"
PROFILES = [profile.load_profile(p) for p in sorted((REPO / "examples").glob("*/profile.yaml"))]
# Measured once (the full measurement takes seconds); None for profiles without predictions.
MEASURED = [engine.measure_attached(p) for p in PROFILES]

NAMES = {"dimension": list(profile.DIMENSIONS), "fact": list(profile.CONTEXT_FACTS),
         "metric": list(crosscheck.METRICS)}


def condition(rng: random.Random, depth: int = 0):
    """A random rule condition over the real vocabulary (mostly well-formed, sometimes not)."""
    if depth < 3 and rng.random() < 0.35:
        group = rng.choice(rule.GROUPS)
        if group == "not":
            return {"not": condition(rng, depth + 1)}
        return {group: [condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    kind = rng.choice(rule.KINDS)
    leaf = {kind: rng.choice(NAMES[kind]), "op": rng.choice(list(rule.OPERATORS))}
    roll = rng.random()
    if roll < 0.4:
        leaf["value"] = rng.choice([0, 1, 2, 5, 8, 1000, 0.05, 0.5, 1.0, -1, 1e-9, 2**63, math.inf, -math.inf,
                                    math.nan, True, False, "none", "measured", "fine_tune", "calibrate"])
    elif roll < 0.6:
        leaf["value"] = [rng.choice([0, 3, 0.2, "pretrained", "claimed", True]) for _ in range(rng.randint(0, 3))]
    elif roll < 0.8:
        leaf["value"] = rng.choice(HOSTILE_SCALARS)
    return leaf


def TestOneInput(data: bytes) -> None:
    TARGET.write_bytes(data)
    expect(check_rubric, AdvisorError)


def check_rubric() -> None:
    loaded = load_rubric(TARGET)
    lint_rubric(loaded)
    describe(loaded, "text")
    for prof, measured in zip(PROFILES, MEASURED, strict=True):
        engine.assess(prof, loaded, measured=measured)


def main() -> None:
    kwargs = {}
    if not os.environ.get("FUZZ_BYTES_ONLY"):
        seeds = [REPO / "rubrics" / "default.yaml", *sorted((HERE / "corpus" / "rubric").glob("*.yaml"))]
        words = [*profile.DIMENSIONS, *profile.CONTEXT_FACTS, *crosscheck.METRICS, *rule.OPERATORS,
                 *profile.STRATEGIES, *rule.KINDS, *rule.GROUPS]
        kwargs["mutator"] = YamlMutator(seeds, words, subtree=condition)
    fuzz(TestOneInput, WORK, **kwargs)


if __name__ == "__main__":
    main()
