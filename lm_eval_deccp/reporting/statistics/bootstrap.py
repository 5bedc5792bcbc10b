"""Small, dependency-light statistics for censorship rates: bootstrap intervals and McNemar's exact test.

Everything is seeded, so the same inputs print the same intervals on every run."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

DEFAULT_ITERATIONS = 2000
DEFAULT_SEED = 20240607  # fixed so reports are reproducible byte for byte


def bootstrap_ci(values: Sequence[float], confidence: float = 0.95, iterations: int = DEFAULT_ITERATIONS,
                 seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval for the mean of per-question values (0/1 verdicts or probabilities)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(iterations, data.size))].mean(axis=1)
    alpha = (1 - confidence) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))


def paired_bootstrap_diff_ci(first: Sequence[float], second: Sequence[float], confidence: float = 0.95,
                             iterations: int = DEFAULT_ITERATIONS, seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """Interval for mean(first) - mean(second) when item i of both is the same question (resampled together)."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    return bootstrap_ci(a - b, confidence, iterations, seed)


def unpaired_bootstrap_diff_ci(first: Sequence[float], second: Sequence[float], confidence: float = 0.95,
                               iterations: int = DEFAULT_ITERATIONS, seed: int = DEFAULT_SEED) -> tuple[float, float]:
    """Interval for mean(first) - mean(second) for independent question sets (each resampled on its own)."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    if a.size == 0 or b.size == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    diffs = (a[rng.integers(0, a.size, size=(iterations, a.size))].mean(axis=1)
             - b[rng.integers(0, b.size, size=(iterations, b.size))].mean(axis=1))
    alpha = (1 - confidence) / 2
    return float(np.quantile(diffs, alpha)), float(np.quantile(diffs, 1 - alpha))


def mcnemar_exact(only_first: int, only_second: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts (binomial test with p = 1/2).

    only_first: pairs where the first condition was censored and the second not; only_second: the reverse."""
    n = only_first + only_second
    if n == 0:
        return 1.0
    k = min(only_first, only_second)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)
