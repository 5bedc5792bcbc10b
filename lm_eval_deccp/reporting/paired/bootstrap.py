"""Rates and paired gaps with percentile-bootstrap intervals that resample questions, not responses."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from lm_eval_deccp.reporting import stats


def finite_or_none(value: float) -> float | None:
    # JSON has no NaN; an empty comparison reports null rather than an invalid file.
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def to_json(self) -> list[float | None]:
        return [finite_or_none(self.low), finite_or_none(self.high)]


@dataclass(frozen=True)
class Rate:
    """A mean of per-question values with its bootstrap interval."""

    value: float
    ci: Interval

    def to_json(self) -> dict[str, Any]:
        return {"value": finite_or_none(self.value), "ci": self.ci.to_json()}


@dataclass(frozen=True)
class Gap:
    """A rate on the test side, on the baseline side, and their difference (test − baseline), paired by question."""

    test: Rate
    baseline: Rate
    gap: Rate

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test.to_json(), "baseline": self.baseline.to_json(), "gap": self.gap.to_json()}


@dataclass(frozen=True)
class BootstrapSettings:
    confidence: float = 0.95
    iterations: int = stats.DEFAULT_ITERATIONS
    seed: int = stats.DEFAULT_SEED


def rate_of(values: Sequence[float], settings: BootstrapSettings) -> Rate:
    mean = sum(values) / len(values) if values else math.nan
    return Rate(mean, Interval(*stats.bootstrap_ci(values, settings.confidence, settings.iterations, settings.seed)))


def paired_gap(test: Sequence[float], baseline: Sequence[float], settings: BootstrapSettings) -> Gap:
    """Rates of both sides and their difference; the difference's interval resamples questions (both sides of a
    pair together), which is what makes it narrower than comparing two independent intervals."""
    diff = [t - b for t, b in zip(test, baseline, strict=True)]
    low, high = stats.paired_bootstrap_diff_ci(test, baseline, settings.confidence, settings.iterations,
                                               settings.seed)
    mean = sum(diff) / len(diff) if diff else math.nan
    return Gap(rate_of(test, settings), rate_of(baseline, settings), Rate(mean, Interval(low, high)))
