"""The pins CI tests the lowest versions with (.ci/lowest.txt) are pyproject.toml's lower bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement  # pytest's own dependency
from packaging.utils import canonicalize_name
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; CI runs 3.11

ROOT = Path(__file__).resolve().parent.parent
# The extras CI installs; `lint` is pinned exactly and `fuzz` is not run in CI.
RANGED_EXTRAS = ("test", "dask", "parquet")


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return [Requirement(text) for text in project["dependencies"] + [r for e in RANGED_EXTRAS for r in extras[e]]]


def pinned() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f".ci/lowest.txt: '{line}' is not an exact pin (name==version)"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def lower_bound(requirement: Requirement) -> Version:
    bounds = [Version(spec.version) for spec in requirement.specifier if spec.operator == ">="]
    assert len(bounds) == 1, f"{requirement}: a range needs exactly one '>=' lower bound"
    return bounds[0]


def test_every_range_has_a_lower_bound_and_no_exact_pin():
    for requirement in declared():
        lower_bound(requirement)
        assert not any(spec.operator in ("==", "===") for spec in requirement.specifier), str(requirement)


def test_lowest_pins_equal_the_lower_bounds():
    bounds = {canonicalize_name(r.name): lower_bound(r) for r in declared()}
    assert pinned() == bounds


def test_lowest_pins_satisfy_every_declared_range():
    pins = pinned()
    for requirement in declared():
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)]), str(requirement)
