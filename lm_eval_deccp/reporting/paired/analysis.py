"""One model's full paired analysis: every comparison its runs allow, the per-topic and per-question breakdowns,
and its re-roll summaries."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, Gap
from lm_eval_deccp.reporting.paired.breakdowns import QuestionRow, TopicRow, question_rows, topic_table
from lm_eval_deccp.reporting.paired.comparisons import ComparisonResult, compare
from lm_eval_deccp.reporting.paired.reading import ModelVerdicts
from lm_eval_deccp.reporting.paired.rerolls import RerollSummary, reroll_language_gap, reroll_summary
from lm_eval_deccp.reporting.paired.tasks import COMPARISONS, REROLL_GAP_TASKS, REROLL_TASKS, SUITE_TASKS


@dataclass
class ModelAnalysis:
    model: str
    comparisons: list[ComparisonResult]
    skipped: list[tuple[str, str]]          # (comparison key, why)
    topics: list[TopicRow]
    questions: list[QuestionRow]
    rerolls: list[RerollSummary]
    reroll_gap: tuple[int, dict[str, Gap]] | None
    sources: dict[str, dict[str, str]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "sources": self.sources,
            "comparisons": [c.to_json() for c in self.comparisons],
            "skipped": [{"key": key, "reason": why} for key, why in self.skipped],
            "topics": [row.to_json() for row in self.topics],
            "questions": [asdict(row) for row in self.questions],
            "rerolls": [summary.to_json() for summary in self.rerolls],
            "reroll_gap_zh_vs_en": None if self.reroll_gap is None else {
                "n_pairs": self.reroll_gap[0],
                "rates": {m: gap.to_json() for m, gap in self.reroll_gap[1].items()},
            },
            "notes": self.notes,
        }


def comparisons_of(model: ModelVerdicts, settings: BootstrapSettings
                   ) -> tuple[list[ComparisonResult], list[tuple[str, str]]]:
    """The comparisons whose two tasks the model's runs hold, and (key, why) for those skipped."""
    comparisons, skipped = [], []
    for comparison in COMPARISONS:
        missing = [t for t in (comparison.test_task, comparison.baseline_task) if t not in model.tasks]
        if missing:
            skipped.append((comparison.key, f"needs {' and '.join(missing)}, which none of the runs read holds "
                                            "(lm_eval --tasks deccp_plus runs all five)"))
        else:
            comparisons.append(compare(comparison, model.tasks[comparison.test_task],
                                       model.tasks[comparison.baseline_task], settings))
    return comparisons, skipped


def analyse(model: ModelVerdicts, settings: BootstrapSettings = BootstrapSettings()) -> ModelAnalysis:
    comparisons, skipped = comparisons_of(model, settings)
    has_gap_tasks = all(task in model.tasks for task in REROLL_GAP_TASKS)
    return ModelAnalysis(
        model=model.model,
        comparisons=comparisons,
        skipped=skipped,
        topics=topic_table(model.tasks, settings) if any(t in model.tasks for t in SUITE_TASKS) else [],
        questions=question_rows(model.tasks),
        rerolls=[reroll_summary(task, model.tasks[task], settings) for task in REROLL_TASKS if task in model.tasks],
        reroll_gap=reroll_language_gap(*(model.tasks[task] for task in REROLL_GAP_TASKS), settings)
        if has_gap_tasks else None,
        sources={task: {"results": str(model.results_files[task]), "samples": str(model.samples_files[task])}
                 for task in model.tasks},
        notes=list(model.notes),
    )
