"""The suite's comparisons broken down per topic (rates and paired gaps) and per question (each variant's verdict
and which way the language and script comparisons flip)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, finite_or_none
from lm_eval_deccp.reporting.paired.comparisons import ComparisonResult, compare
from lm_eval_deccp.reporting.paired.tasks import COMPARISONS, SUITE_TASKS
from lm_eval_deccp.reporting.paired.verdicts import MEASURES, QuestionVerdicts, TaskVerdicts, is_flip


def restrict_to_topic(verdicts: TaskVerdicts, topic: str) -> TaskVerdicts:
    return {pid: q for pid, q in verdicts.items() if q.topic == topic}


def topics_of(tasks: Mapping[str, TaskVerdicts]) -> list[str]:
    return sorted({q.topic for verdicts in tasks.values() for q in verdicts.values()})


def suite_only(tasks: Mapping[str, TaskVerdicts]) -> dict[str, TaskVerdicts]:
    return {task: v for task, v in tasks.items() if task in SUITE_TASKS}


@dataclass
class TopicRow:
    """One topic's rates per task (over the questions each task has), and its paired gaps per comparison."""

    topic: str
    n: dict[str, int]
    rates: dict[str, dict[str, float]]          # task -> measure -> rate
    gaps: dict[str, ComparisonResult]           # comparison key -> result restricted to the topic

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "n": self.n,
            "rates": {task: {m: finite_or_none(v) for m, v in by_measure.items()}
                      for task, by_measure in self.rates.items()},
            "gaps": {key: {"n_pairs": result.n_pairs,
                           "only_test_censored": result.only_test,
                           "only_baseline_censored": result.only_baseline,
                           "mcnemar_p": result.mcnemar_p,
                           "censorship_gap": result.gaps["censorship_rate"].gap.to_json()}
                     for key, result in self.gaps.items()},
        }


def mean_share(verdicts: Iterable[QuestionVerdicts], measure: str) -> float:
    values = [q.share(measure) for q in verdicts]
    return sum(values) / len(values) if values else math.nan


def topic_row(topic: str, tasks: Mapping[str, TaskVerdicts], settings: BootstrapSettings) -> TopicRow:
    """A row of the per-topic table; topic "all" means every question."""
    chosen = {task: verdicts if topic == "all" else restrict_to_topic(verdicts, topic)
              for task, verdicts in suite_only(tasks).items()}
    return TopicRow(
        topic=topic,
        n={task: len(v) for task, v in chosen.items()},
        rates={task: {m: mean_share(v.values(), m) for m in MEASURES} for task, v in chosen.items()},
        gaps={c.key: compare(c, chosen[c.test_task], chosen[c.baseline_task], settings)
              for c in COMPARISONS if c.test_task in chosen and c.baseline_task in chosen},
    )


def topic_table(tasks: Mapping[str, TaskVerdicts], settings: BootstrapSettings = BootstrapSettings()
                ) -> list[TopicRow]:
    suite = suite_only(tasks)
    return [topic_row(topic, suite, settings) for topic in topics_of(suite)] + [topic_row("all", suite, settings)]


@dataclass
class QuestionRow:
    """One question across the suite's variants, for the per-question listing."""

    pair_id: str
    topic: str
    form: str
    labels: dict[str, str]   # task -> verdict label
    flips: list[str]         # e.g. "ZH>EN": censored in ZH, answered in EN (language and script comparisons)


def question_rows(tasks: Mapping[str, TaskVerdicts]) -> list[QuestionRow]:
    suite = suite_only(tasks)
    rows = []
    for pid in sorted({pid for verdicts in suite.values() for pid in verdicts}):
        present = {task: verdicts[pid] for task, verdicts in suite.items() if pid in verdicts}
        first = next(iter(present.values()))
        rows.append(QuestionRow(pair_id=pid, topic=first.topic, form=first.form,
                                labels={task: q.verdict for task, q in present.items()},
                                flips=question_flips(present)))
    return rows


def question_flips(present: Mapping[str, QuestionVerdicts]) -> list[str]:
    """Which way the language and script comparisons flip for one question: "ZH>EN" means censored in Chinese
    and answered in English."""
    marks = []
    for comparison in COMPARISONS:
        if not comparison.within_subject:
            continue
        test, base = present.get(comparison.test_task), present.get(comparison.baseline_task)
        if test is None or base is None or not is_flip(test, base):
            continue
        winner, loser = (comparison.test_name, comparison.baseline_name) if test.censored else \
            (comparison.baseline_name, comparison.test_name)
        marks.append(f"{winner}>{loser}")
    return marks
