"""Reading deccp-plus runs: each task's logged samples become `QuestionVerdicts`, grouped by model. The only part
of the package that reads files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from lm_eval_deccp.reporting.paired.tasks import REROLL_TASKS, SUITE_TASKS
from lm_eval_deccp.reporting.paired.verdicts import LABELS, QuestionVerdicts, TaskVerdicts
from lm_eval_deccp.reporting.runs import ResultsError, Run, read_samples, sample_verdicts


def question_verdicts(samples: Iterable[dict[str, Any]], source: Path | str) -> TaskVerdicts:
    """The verdicts of one task's logged samples, keyed by pair_id. `source` names the file in error messages."""
    found: TaskVerdicts = {}
    for sample in samples:
        doc = sample.get("doc") or {}
        where = f"{source}: sample doc_id={sample.get('doc_id')}"
        pair_id = doc.get("pair_id")
        if not pair_id:
            raise ResultsError(f"{where} has no pair_id in its doc; is this a deccp_plus task's samples file?")
        try:
            verdicts = sample_verdicts(sample)
        except ResultsError as err:
            raise ResultsError(f"{where}: {err}") from None
        if not verdicts:
            raise ResultsError(f"{where} holds no detector verdicts in filtered_resps (expected the JSON verdicts "
                               "the deccp_plus tasks log; was it written by an older lm-eval-deccp?)")
        labels = tuple(str(verdict.get("label")) for verdict in verdicts)
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise ResultsError(f"{where} has unknown verdict label(s) {unknown}; expected {list(LABELS)}")
        if pair_id in found:
            raise ResultsError(f"{where} repeats pair_id {pair_id!r}; one sample per question is expected")
        found[pair_id] = QuestionVerdicts(pair_id=pair_id, topic=str(doc.get("topic") or "?"),
                                          form=str(doc.get("form") or "?"), labels=labels)
    return found


@dataclass
class ModelVerdicts:
    """Everything one model's runs say about the deccp-plus tasks: verdicts per task, and where each came from."""

    model: str
    tasks: dict[str, TaskVerdicts] = field(default_factory=dict)
    results_files: dict[str, Path] = field(default_factory=dict)
    samples_files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def paired_tasks_of(run: Run) -> list[str]:
    return [task for task in (*SUITE_TASKS, *REROLL_TASKS) if task in run.tasks]


def check_runs(runs: Sequence[Run]) -> list[Run]:
    """The runs that hold deccp-plus tasks with their samples; errors name the file when none can be used or a
    task's samples are missing (lm_eval writes them only with --log_samples)."""
    usable = []
    for run in runs:
        tasks = paired_tasks_of(run)
        missing = [task for task in tasks if task not in run.samples]
        if missing:
            raise ResultsError(f"{run.path}: has results for {', '.join(missing)} but no samples_<task>_*.jsonl "
                               "beside it; run lm_eval with --log_samples (and keep the samples files next to "
                               "the results file)")
        if tasks:
            usable.append(run)
    if not usable:
        described = "; ".join(f"{run.path} has {', '.join(sorted(run.tasks)) or 'no tasks'}" for run in runs)
        raise ResultsError(f"no run holds a deccp_plus task (need some of {', '.join(SUITE_TASKS + REROLL_TASKS)}): "
                           f"{described}")
    return usable


def load_model_verdicts(runs: Sequence[Run]) -> list[ModelVerdicts]:
    """Group runs by model (a model is often evaluated in several lm_eval calls) and read their samples. When two
    runs of one model hold the same task, the later file (by name, which carries lm_eval's timestamp) wins."""
    by_model: dict[str, ModelVerdicts] = {}
    for run in sorted(check_runs(runs), key=lambda r: r.path.name):
        model = by_model.setdefault(run.model, ModelVerdicts(model=run.model))
        for task in paired_tasks_of(run):
            if task in model.results_files:
                model.notes.append(f"{task}: using {run.path}, not the earlier {model.results_files[task]}")
            samples_path = run.samples[task]
            model.tasks[task] = question_verdicts(read_samples(samples_path), samples_path)
            model.results_files[task] = run.path
            model.samples_files[task] = samples_path
    # Keep the order in which the user named the runs.
    order = list(dict.fromkeys(run.model for run in runs))
    return sorted(by_model.values(), key=lambda m: order.index(m.model))
