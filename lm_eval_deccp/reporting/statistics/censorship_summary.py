"""The statistics a censorship leaderboard prints beside each rate: bootstrap confidence intervals, the
China-specific gap (China questions minus control questions) and the EN↔ZH flip share, from logged samples.

`deccp score` stores this summary in the results JSON it writes (under SUMMARY_KEY), so that `deccp report` can
print intervals from the results files alone, without the samples (which hold the generations and are not always
kept). When samples exist, `deccp report` computes the summary again with these same functions, so a run reported
from its samples and one reported from its stored summary give the same numbers.

The paired statistics (deccp-plus, where every question has a Chinese version and a matched control) come from
paired.py; the canonical deccp set has no pairing (its Chinese questions are not translations of its English ones,
and its controls are not matched), so its China-specific gap is an unpaired difference of rates and it has no flip
share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from lm_eval_deccp.registry import TaskSpec
from lm_eval_deccp.reporting import paired
from lm_eval_deccp.reporting.numbers import finite_or_none
from lm_eval_deccp.reporting.reading.leaderboard_tasks import POOLED, SUITES, control_tasks
from lm_eval_deccp.reporting.reading.runs import ResultsError
from lm_eval_deccp.reporting.statistics import bootstrap

SUMMARY_KEY = "deccp_summary"
RATE_METRICS = ("refusal_rate", "deflection_rate", "censorship_rate", "unusable_rate", "answer_rate")
# Runs logged before the `unusable` label existed have every rate but this one; their other rates still count.
ADDED_LATER = frozenset({"unusable_rate"})
REQUIRED_METRICS = tuple(metric for metric in RATE_METRICS if metric not in ADDED_LATER)
METHOD = (f"95% percentile bootstrap over questions, {bootstrap.DEFAULT_ITERATIONS} resamples, "
          f"seed {bootstrap.DEFAULT_SEED}")


@dataclass(frozen=True)
class GapSpec:
    """China-specific gap: censorship on the China questions minus on the controls, in one language."""

    key: str
    test_task: str
    baseline_task: str
    paired_comparison: str | None  # key in paired.COMPARISONS, or None for an unpaired difference


@dataclass(frozen=True)
class FlipSpec:
    """Share of question pairs censored in one language and answered in the other."""

    key: str
    paired_comparison: str


def _gap(control: TaskSpec) -> GapSpec:
    """The China gap a control task measures: its China task (the registry's `pair`) minus it, paired question by
    question where `deccp paired` compares the two (deccp-plus), else an unpaired difference (deccp)."""
    comparison = next((c.key for c in paired.COMPARISONS
                       if (c.test_task, c.baseline_task) == (control.pair, control.name)), None)
    return GapSpec(f"{control.suite}:china_gap_{control.language}", control.pair, control.name, comparison)


GAPS = tuple(_gap(control) for suite in SUITES for control in control_tasks(suite))
# The leaderboard's flip share: the same question censored in Chinese and answered in English, or the reverse.
FLIPS = (FlipSpec("deccp_plus:flip_en_zh", "zh_vs_en"),)
_COMPARISONS = {comparison.key: comparison for comparison in paired.COMPARISONS}


@dataclass
class TaskSamples:
    """One task's logged samples (in doc_id order) and the file they came from, for error messages."""

    task: str
    samples: list[dict[str, Any]]
    source: str

    @classmethod
    def of(cls, task: str, samples: Sequence[dict[str, Any]], source: str) -> "TaskSamples":
        return cls(task, sorted(samples, key=lambda s: s.get("doc_id", 0)), source)

    def values(self, metric: str) -> list[float]:
        """The per-question values lm_eval averaged into the task's score (0/1, or a share for re-rolls)."""
        found = []
        for sample in self.samples:
            value = sample.get(metric)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ResultsError(f"{self.source}: sample doc_id={sample.get('doc_id')} has no numeric "
                                   f"{metric!r} (fields: {', '.join(sorted(sample))}); not a deccp task's samples")
            found.append(float(value))
        return found

    def has_rates(self) -> bool:
        return bool(self.samples) and all(metric in self.samples[0] for metric in REQUIRED_METRICS)

    def rate_metrics(self) -> list[str]:
        """The rate metrics these samples carry (all of RATE_METRICS, or REQUIRED_METRICS for older runs)."""
        return [metric for metric in RATE_METRICS
                if metric not in ADDED_LATER or all(metric in sample for sample in self.samples)]


def interval(values: Sequence[float]) -> list[float | None]:
    return _json_pair(bootstrap.bootstrap_ci(values))


def rate_intervals(task: TaskSamples) -> dict[str, list[float | None]]:
    return {metric: interval(task.values(metric)) for metric in task.rate_metrics()}


def gap(spec: GapSpec, tasks: Mapping[str, TaskSamples]) -> dict[str, Any]:
    test, baseline = tasks[spec.test_task], tasks[spec.baseline_task]
    if spec.paired_comparison is None:
        first, second = test.values("censorship_rate"), baseline.values("censorship_rate")
        value = sum(first) / len(first) - sum(second) / len(second)
        return {"value": value, "ci": _json_pair(bootstrap.unpaired_bootstrap_diff_ci(first, second)),
                "n": [len(first), len(second)], "paired": False}
    result = _paired(spec.paired_comparison, test, baseline)
    difference = result.gaps["censorship_rate"].gap
    return {"value": finite_or_none(difference.value), "ci": difference.ci.to_json(), "n": result.n_pairs, "paired": True}


def flip_share(spec: FlipSpec, tasks: Mapping[str, TaskSamples]) -> dict[str, Any]:
    comparison = _COMPARISONS[spec.paired_comparison]
    test, baseline = _verdicts(tasks[comparison.test_task]), _verdicts(tasks[comparison.baseline_task])
    result = paired.compare(comparison, test, baseline)
    # The flip indicator per judged pair (no unusable side), in paired's (pair_id) order, so the bootstrap is
    # reproducible and its mean is paired's flip share.
    flips = [float(paired.is_flip(t, b)) for t, b in paired.matched_pairs(test, baseline) if t.judged and b.judged]
    return {"value": finite_or_none(result.flip_share), "ci": interval(flips), "n": result.n_pairs, "paired": True}


def summarise(tasks: Mapping[str, TaskSamples]) -> dict[str, Any]:
    """Intervals for every task with deccp rates, and each gap and flip share whose tasks are all present."""
    rated = {name: task for name, task in tasks.items() if task.has_rates()}
    comparisons: dict[str, Any] = {}
    for spec in GAPS:
        if spec.test_task in rated and spec.baseline_task in rated:
            comparisons[spec.key] = gap(spec, rated)
    for flip in FLIPS:
        comparison = _COMPARISONS[flip.paired_comparison]
        if comparison.test_task in rated and comparison.baseline_task in rated:
            comparisons[flip.key] = flip_share(flip, rated)
    intervals = {name: rate_intervals(rated[name]) for name in sorted(rated)}
    for group, members in POOLED.items():
        # The group row pools its members' questions (lm_eval weighs them by size): one bootstrap over all of them.
        if all(member in rated for member in members):
            pooled = TaskSamples(group, [s for member in members for s in rated[member].samples], group)
            intervals[group] = rate_intervals(pooled)
    return {"method": METHOD, "intervals": dict(sorted(intervals.items())), "comparisons": comparisons}


def _verdicts(task: TaskSamples) -> paired.TaskVerdicts:
    return paired.question_verdicts(task.samples, task.source)


def _paired(comparison_key: str, test: TaskSamples, baseline: TaskSamples) -> paired.ComparisonResult:
    return paired.compare(_COMPARISONS[comparison_key], _verdicts(test), _verdicts(baseline))


def _json_pair(pair: tuple[float, float]) -> list[float | None]:
    return [finite_or_none(pair[0]), finite_or_none(pair[1])]
