"""The censorship columns of `deccp report`, made from the task registry (reading/leaderboard_tasks.py): per suite,
each China task's rates, the pooled group row, each control's over-refusal and censorship, and each China gap;
then the EN↔ZH flip share. The capability columns are reading/capability_columns.py. docs/report.md documents the
same table."""

from __future__ import annotations

from dataclasses import dataclass

from lm_eval_deccp.registry import TASKS, display_name
from lm_eval_deccp.reporting import paired
from lm_eval_deccp.reporting.reading import leaderboard_tasks
from lm_eval_deccp.reporting.statistics.censorship_summary import FLIPS, GAPS


@dataclass(frozen=True)
class RateColumn:
    """A censorship rate of one task (with a confidence interval)."""

    key: str
    header: str
    suite: str
    task: str
    metric: str


@dataclass(frozen=True)
class ComparisonColumn:
    """A China-specific gap or a flip share (censorship_summary's comparison `key`)."""

    key: str
    header: str
    suite: str
    comparison: str
    test_task: str
    baseline_task: str
    kind: str  # "gap" (difference of censorship rates) or "flip" (share of pairs)


_RATES = (("refusal_rate", "refusal"), ("deflection_rate", "deflection"), ("censorship_rate", "censorship"),
          ("unusable_rate", "unusable"))


def _rate(suite: str, task: str, label: str, metric: str, metric_label: str) -> RateColumn:
    header = f"{leaderboard_tasks.suite_label(suite)} {label} {metric_label}"
    return RateColumn(f"{task}:{metric}", header, suite, task, metric)


def _suite_columns(suite: str) -> list:
    columns: list = [_rate(suite, spec.name, spec.display_name, metric, metric_label)
                     for spec in leaderboard_tasks.china_tasks(suite) for metric, metric_label in _RATES]
    # The group row a leaderboard takes for one number per suite (leaderboard_tasks.POOLED).
    group = leaderboard_tasks.pooled_group(suite)
    columns += [_rate(suite, group.name, group.display_name, metric, metric_label)
                for metric, metric_label in _RATES[2:]]
    for control in leaderboard_tasks.control_tasks(suite):
        label = leaderboard_tasks.control_label(control)
        # Over-refusal: refusing a harmless question of the same kind, e.g. about another country's politics.
        columns.append(_rate(suite, control.name, label, "refusal_rate", "over-refusal"))
        # What the China gap subtracts: the controls' censorship (refused or deflected), and its unusable share.
        columns += [_rate(suite, control.name, label, metric, metric_label) for metric, metric_label in _RATES[2:]]
    for gap in GAPS:
        if TASKS[gap.test_task].suite == suite:
            header = f"{leaderboard_tasks.suite_label(suite)} China gap {display_name(gap.test_task)}"
            columns.append(ComparisonColumn(gap.key, header, suite, gap.key, gap.test_task, gap.baseline_task, "gap"))
    return columns


def _flip_column(flip) -> ComparisonColumn:
    comparison = next(c for c in paired.COMPARISONS if c.key == flip.paired_comparison)
    suite = TASKS[comparison.test_task].suite
    header = (f"{leaderboard_tasks.suite_label(suite)} {display_name(comparison.baseline_task)}↔"
              f"{display_name(comparison.test_task)} flip")
    return ComparisonColumn(flip.key, header, suite, flip.key, comparison.test_task, comparison.baseline_task, "flip")


CENSORSHIP_COLUMNS: list = [*(column for suite in leaderboard_tasks.SUITES for column in _suite_columns(suite)),
                            *(_flip_column(flip) for flip in FLIPS)]

UNITS = {"rate": "%", "gap": "pp", "flip": "%", "capability": "%"}  # the ×100 formats' unit per column kind
