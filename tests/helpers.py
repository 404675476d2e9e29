"""Builders shared by several test modules (imported as ``helpers``; pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advisor import profile


def overconfident(n, k, seed, scale=2.0):
    """Labels drawn from softmax(z), reported logits scale * z, so the best temperature is near ``scale``.

    Returns labels (n,), logits (n, k) and their softmax probabilities (n, k).
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, k)) * 1.5
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    labels = (p.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1).clip(0, k - 1)
    logits = scale * z
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return labels, logits, probs


def loaded_profile(scores, context=None, baseline=None, name="t") -> profile.LoadedProfile:
    """A validated in-memory profile: six scores in DIMENSIONS order, optional context and baseline."""
    data = {"version": 1, "project": {"name": name}, "scores": dict(zip(profile.DIMENSIONS, scores, strict=True)),
            "context": context or {}}
    if baseline is not None:
        data["baseline"] = baseline
    return profile.LoadedProfile(profile=profile.validate_profile_data(data, f"{name}.yaml"),
                                 path=Path(f"{name}.yaml"), text="", sha256="0" * 64)


def calibration_json(path, *options, keep_source=False) -> dict:
    """``advisor calibration PATH --format json OPTIONS`` parsed; fails the test on a non-zero exit."""
    import json

    from click.testing import CliRunner

    from advisor.cli import main

    result = CliRunner().invoke(main, ["calibration", str(path), "--format", "json", *map(str, options)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    if not keep_source:
        data.pop("source")
    return data


def figures_beside(folder: Path, stem: str = "report") -> dict[str, str]:
    """kind -> name of each content-named figure of report ``stem`` in ``folder`` (``report.scores.<hash>.svg``)."""
    import re

    pattern = re.compile(re.escape(stem) + r"\.([a-z]+)\.[0-9a-f]{12}\.svg")
    return {m.group(1): p.name for p in sorted(Path(folder).iterdir()) if (m := pattern.fullmatch(p.name))}
