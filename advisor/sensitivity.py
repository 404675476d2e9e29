"""What would flip the recommendation: per-dimension score changes and weight noise.

Both analyses are deterministic: dimension values are tried exhaustively and the
weight perturbation draws from a fixed seed.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

TRIALS = 200
RELATIVE = 0.2
SEED = 20260601
TIERS = {"eligible": 0, "gated": 1, "vetoed": 2}


def dimension_flips(primary_for: Callable[[dict], str], scores: dict[str, int], primary: str) -> list[dict]:
    """For each dimension, the smallest change of its score (0..5) that changes the primary.

    ``primary_for(scores)`` re-runs the whole decision (rules included) for other scores.
    Ties between an equal-sized rise and fall go to the lower score, so the answer is stable.
    """
    result = []
    for dimension, current in scores.items():
        flip = None
        for value in sorted((v for v in range(6) if v != current), key=lambda v: (abs(v - current), v)):
            winner = primary_for({**scores, dimension: value})
            if winner != primary:
                flip = {"to": value, "change": value - current, "new_primary": winner}
                break
        result.append({"dimension": dimension, "score": current, "flip": flip})
    return result


def weight_perturbation(strategies: list[str], dimensions: list[str], scores: dict[str, int],
                        weights: np.ndarray, fixed: np.ndarray, status: dict[str, str], primary: str,
                        trials: int = TRIALS, relative: float = RELATIVE, seed: int = SEED) -> dict:
    """Multiply every weight by an independent factor in [1 - relative, 1 + relative].

    ``weights`` is (n_dimensions, n_strategies); ``fixed`` (n_strategies,) is everything
    that does not depend on weights (base score plus rule adjustments). Rules and gates
    do not depend on weights, so only the scores move; the winner is picked exactly as
    in the decision (best status tier first, then the score rounded to 4 decimals, then
    rubric order).
    """
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1.0 - relative, 1.0 + relative, size=(trials,) + weights.shape)
    x = np.array([scores[d] for d in dimensions], dtype=float)
    totals = np.round(fixed[None, :] + np.einsum("d,tds->ts", x, weights[None] * factors), 4)
    tiers = np.array([TIERS[status[s]] for s in strategies])
    totals[:, tiers != tiers.min()] = -np.inf
    winners = np.argmax(totals, axis=1)  # first maximum = earliest in rubric order
    counts = np.bincount(winners, minlength=len(strategies))
    shares = {strategies[i]: round(int(c) / trials, 4) for i, c in enumerate(counts) if c}
    ordered = dict(sorted(shares.items(), key=lambda item: (-item[1], item[0])))
    return {
        "trials": trials,
        "relative": relative,
        "seed": seed,
        "primary_survival": shares.get(primary, 0.0),
        "alternatives": ordered,
    }
