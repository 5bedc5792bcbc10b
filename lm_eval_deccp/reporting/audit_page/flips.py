"""The answers behind a flip share (e.g. EN↔ZH): per model, the deccp-plus pair_ids whose verdicts flip between the
two tasks, decided by paired.is_flip as the leaderboard's number is. The page's flip cells list them."""

from __future__ import annotations

from typing import Sequence

from lm_eval_deccp.reporting import paired
from lm_eval_deccp.reporting.reading.model_runs import ModelRuns
from lm_eval_deccp.reporting.reading.runs import ResultsError, iter_jsonl_objects
from lm_eval_deccp.reporting.statistics.censorship_summary import FLIPS


def flipping_pairs(models: Sequence[ModelRuns]) -> dict[str, dict[str, list[str]]]:
    """model -> flip column key -> the pair_ids that flip; a model without both tasks' samples is left out."""
    found = {}
    for model in models:
        flips = _model_flips(model)
        if flips:
            found[model.model] = flips
    return found


def _model_flips(model: ModelRuns) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    comparisons = {comparison.key: comparison for comparison in paired.COMPARISONS}
    for flip in FLIPS:
        comparison = comparisons[flip.paired_comparison]
        verdicts = []
        for task in (comparison.test_task, comparison.baseline_task):
            run = model.task_run.get(task)
            path = run.samples.get(task) if run is not None else None
            if path is None:
                break
            try:
                verdicts.append(paired.question_verdicts((s for _, s in iter_jsonl_objects(path)), path))
            except ResultsError:
                break  # the leaderboard reports this file's problem; the page then has no flip list for it
        if len(verdicts) == 2:
            test, baseline = verdicts
            found[flip.key] = sorted(t.pair_id for t, b in paired.matched_pairs(test, baseline) if paired.is_flip(t, b))
    return found
