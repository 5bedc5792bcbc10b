"""MixEval's columns of `deccp report`, read from the runs of the MixEval tasks: each part records its
per-benchmark scores and item counts in its `mixeval` metric (harness.summarise), and the parts are combined as
MixEval's current suite combines them (scoring.METHOD_ITEM_WEIGHTED): a benchmark in both parts gets one column over
all its items, and the overall is the item-weighted mean of every item. MixEval-Hard is read before full MixEval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from lm_eval_deccp.mixeval.harness import RECORD_METRIC
from lm_eval_deccp.mixeval.scoring import METHOD_ITEM_WEIGHTED, MixEvalScore, PartScores, combine

# Benchmark → its part tasks, free-form first (the order MixEval combines them in).
PART_TASKS = {"mixeval_hard": ("mixeval_hard_freeform", "mixeval_hard_multichoice"),
              "mixeval": ("mixeval_freeform", "mixeval_multichoice")}
RECORD_KEY = f"{RECORD_METRIC},mixeval"


@dataclass(frozen=True)
class RunScore:
    benchmark: str  # "mixeval_hard" or "mixeval"
    tasks: tuple[str, ...]  # the part tasks the score rests on
    parsers: str  # which parser scored them ("rule", "model:<name>")
    version: str
    score: MixEvalScore

    def source(self, column: str | None = None) -> str:
        what = f"{column}: {self.score.items.get(column, 0)} items" if column else \
            f"overall: {sum(self.score.items.values())} items, item-weighted"
        return f"{'+'.join(self.tasks)} ({what}; MixEval {self.version}, {self.parsers} parser)"


def part_record(run: Any, task: str) -> dict[str, Any] | None:
    """A part's `mixeval` record in a run's results, or None."""
    scores = (getattr(run, "tasks", None) or {}).get(task) or {}
    record = scores.get(RECORD_KEY)
    return record if isinstance(record, dict) and isinstance(record.get("benchmarks"), dict) else None


def run_score(task_run: Mapping[str, Any]) -> RunScore | None:
    """MixEval's score from a model's runs (task → run), or None when it has no MixEval part."""
    for benchmark, tasks in PART_TASKS.items():
        found = [(task, record) for task in tasks if task in task_run
                 and (record := part_record(task_run[task], task)) is not None]
        if not found:
            continue
        parts = [PartScores.from_means({name: (float(b["score"]), int(b["n"]))
                                        for name, b in record["benchmarks"].items()}) for _, record in found]
        return RunScore(benchmark, tuple(task for task, _ in found),
                        ", ".join(sorted({str(record.get("parser")) for _, record in found})),
                        ", ".join(sorted({str(record.get("version")) for _, record in found})),
                        combine(parts, METHOD_ITEM_WEIGHTED))
    return None
