"""Locate the rubric and template files shipped with advisor.

In a wheel they live inside the package (``advisor/_data/...``, put there by
hatchling's force-include); in a source checkout or an editable install they
are the top-level ``rubrics/`` and ``templates/`` folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir(name: str) -> Path:
    """Return the folder of shipped data files called ``name`` (``rubrics`` or ``templates``)."""
    packaged = resources.files("advisor") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"advisor's {name}/ folder is missing from this installation")


def default_rubric_path() -> Path:
    return data_dir("rubrics") / "default.yaml"


def template_dir() -> Path:
    return data_dir("templates")
