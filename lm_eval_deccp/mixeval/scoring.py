"""MixEval's score: per-benchmark columns and the overall, computed as MixEval's suite computes them
(github.com/Psycoy/MixEval, mix_eval/compute_metrics.py).

Each part (free-form, multiple-choice) is scored on its own first: the mean item score per benchmark and over the
part ("overall"), each rounded to 3 decimals. The parts are then combined in one of two ways:

- METHOD_ITEM_WEIGHTED, the suite since 2024-09-12 (commit d172ce9, "new calculation with weighting"): every key
  (each benchmark, and overall) is the parts' rounded scores weighted by their item counts. A benchmark that is in
  both parts (AGIEval in MixEval-Hard 2024-06-01: 12 free-form items, 71 multiple-choice) gets one column over all
  its items, and overall is the item-weighted mean of the 1,000 items.
- METHOD_2024_06, the suite from its release to 2024-09-12 (commit a013d63), which produced the June 2024 figures
  (MixEval's leaderboard, the deccp blog post's table): overall is the unweighted mean of the two parts' rounded
  overalls (hence its fourth decimal: 0.4345 = (0.457 + 0.412) / 2), and the columns are the two parts' dictionaries
  merged, so a benchmark in both parts shows the multiple-choice part's score alone. Its free-form items still count
  in overall. That is why the study's Overall for Qwen2-7B-Instruct (0.4345) is not the item-weighted mean of its
  sixteen columns (0.4285): its AGIEval column (0.479) is 71 multiple-choice items, and the 12 free-form AGIEval
  items, which no column shows, scored about 0.99 (docs/mixeval.md works it through)."""

from __future__ import annotations

from dataclasses import dataclass, field

METHOD_ITEM_WEIGHTED = "item-weighted"
METHOD_2024_06 = "2024-06"
METHODS = (METHOD_ITEM_WEIGHTED, METHOD_2024_06)
OVERALL = "overall"
DECIMALS = 3  # MixEval rounds each part's scores to 3 decimals before combining them


@dataclass
class PartScores:
    """One part's item scores summed per benchmark: benchmark → (sum of item scores, number of items)."""

    sums: dict[str, tuple[float, int]] = field(default_factory=dict)

    def add(self, benchmark: str, score: float) -> None:
        total, count = self.sums.get(benchmark, (0.0, 0))
        self.sums[benchmark] = (total + score, count + 1)

    @classmethod
    def from_means(cls, means: dict[str, tuple[float, int]]) -> "PartScores":
        """From benchmark → (mean, count), as a run's results file records them."""
        return cls({name: (mean * count, count) for name, (mean, count) in means.items()})

    def rounded(self) -> dict[str, tuple[float, int]]:
        """MixEval's per-part dictionary: benchmark and overall → (mean rounded to 3 decimals, items)."""
        out = {name: (round(total / count, DECIMALS), count) for name, (total, count) in self.sums.items() if count}
        items = sum(count for _, count in self.sums.values())
        if items:
            out[OVERALL] = (round(sum(total for total, _ in self.sums.values()) / items, DECIMALS), items)
        return out


@dataclass(frozen=True)
class MixEvalScore:
    overall: float | None
    columns: dict[str, float]  # benchmark → score, as MixEval's score.json gives them
    items: dict[str, int]  # benchmark → items behind its column
    method: str


def combine(parts: list[PartScores], method: str = METHOD_ITEM_WEIGHTED) -> MixEvalScore:
    """MixEval's score of a run from its parts (free-form and multiple-choice, either may be missing)."""
    if method not in METHODS:
        raise ValueError(f"unknown MixEval score method {method!r}; expected one of {', '.join(METHODS)}")
    rounded = [part.rounded() for part in parts if part.sums]
    if not rounded:
        return MixEvalScore(None, {}, {}, method)
    if method == METHOD_2024_06:
        overalls = [scores[OVERALL][0] for scores in rounded]
        merged: dict[str, tuple[float, int]] = {}
        for scores in rounded:  # later parts overwrite earlier ones, as MixEval's {**free_form, **multiple_choice}
            merged.update({name: value for name, value in scores.items() if name != OVERALL})
        return MixEvalScore(sum(overalls) / len(overalls), {n: v for n, (v, _) in merged.items()},
                            {n: c for n, (_, c) in merged.items()}, method)
    weighted: dict[str, tuple[float, int]] = {}
    for scores in rounded:
        for name, (value, count) in scores.items():
            total, items = weighted.get(name, (0.0, 0))
            weighted[name] = (total + value * count, items + count)
    columns = {name: total / items for name, (total, items) in weighted.items()}
    overall = columns.pop(OVERALL)
    return MixEvalScore(overall, columns, {n: c for n, (_, c) in weighted.items() if n != OVERALL}, method)
