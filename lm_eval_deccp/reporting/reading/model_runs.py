"""The runs behind each row of `deccp report`: results files read, grouped by model and by question set.

A model's runs merge into one row, the later run winning a task both hold; but tasks answered on other questions
than the benchmark's full set (questions.py: `--limit`, a user's own questions, part of the benchmark) form a row
of their own per mark, so they never enter the benchmark's columns."""

from __future__ import annotations

from dataclasses import dataclass

from lm_eval_deccp.reporting.reading.questions import (
    BENCHMARK,
    RECORD_KEY,
    SCORE_MODEL_SOURCE,
    Questions,
    task_questions,
)
from lm_eval_deccp.reporting.reading.runs import ResultsError, Run, read_samples


@dataclass
class ModelRuns:
    """The runs of one report row and, per task, the run whose result is used (the latest run holding the task).
    A model's tasks answered on other questions than the benchmark's full set (`--limit`, a user's own questions)
    form a row of their own: `model` is then the row's name, the model with the mark (questions.Questions)."""

    model: str
    runs: list[Run]
    task_run: dict[str, Run]
    plain_model: str = ""  # the model's name without the mark
    questions: Questions = BENCHMARK


def rename(name: str, aliases: dict[str, str]) -> str:
    """A model's name after `--alias NAME=MODEL`, in runs and capability files alike."""
    return aliases.get(name, name)


def row_name(model: str, questions: Questions) -> str:
    return model if questions.is_benchmark else f"{model} [{questions.mark}]"


def task_count(run: Run, task: str) -> int | None:
    """How many questions (documents) a task of a run was answered on, as lm_eval records it."""
    scores, counts = run.tasks.get(task), run.data.get("n-samples")
    count = scores.get("sample_len") if isinstance(scores, dict) else None
    if not isinstance(count, int) and isinstance(counts, dict) and isinstance(counts.get(task), dict):
        count = counts[task].get("effective")
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _run_questions(run: Run, task: str) -> Questions:
    samples = None
    if run.data.get("model_source") == SCORE_MODEL_SOURCE and RECORD_KEY not in run.data and task in run.samples:
        try:
            samples = list(read_samples(run.samples[task]))
        except (ResultsError, OSError):
            samples = None  # the samples' own problem is reported when the table reads them
    return task_questions(run.data, task, task_count(run, task), samples)


def group_by_model(runs: list[Run], notes: list[str], aliases: dict[str, str] | None = None) -> list[ModelRuns]:
    """One ModelRuns per model and question set: the benchmark's tasks of every run of a model merge into one row;
    tasks answered on other questions go to a row of their own per mark, never into the benchmark's."""
    grouped: dict[tuple[str, str | None], list[tuple[Run, list[str], list[str]]]] = {}
    for run in runs:
        model = rename(run.model, aliases or {})
        split: dict[str | None, tuple[list[str], dict[str, list[str]]]] = {}
        for task in run.tasks:
            found = _run_questions(run, task)
            tasks, details = split.setdefault(found.mark, ([], {}))
            tasks.append(task)
            if found.mark:
                details.setdefault(found.detail, []).append(task)
        for mark, (tasks, details) in split.items():
            # One line per run and reason, naming the tasks it applies to.
            lines = [f"{run.path}: {', '.join(named)}: {detail}" for detail, named in details.items()]
            grouped.setdefault((model, mark), []).append((run, tasks, lines))
    models = []
    for model, mark in sorted(grouped, key=lambda key: (key[0].casefold(), key[0], key[1] or "")):
        entries = sorted(grouped[(model, mark)], key=lambda e: (_run_date(e[0]), e[0].path.name, str(e[0].path)))
        questions = Questions(mark, "; ".join(line for _, _, details in entries for line in details)) if mark \
            else BENCHMARK
        name = row_name(model, questions)
        task_run: dict[str, Run] = {}
        for run, tasks, _ in entries:
            for task in tasks:
                if task in task_run and task_run[task].path != run.path:
                    notes.append(f"{name}: {task} is in {task_run[task].path} and {run.path}; using the later "
                                 f"{run.path}")
                task_run[task] = run
        models.append(ModelRuns(name, [run for run, _, _ in entries], task_run, model, questions))
    return models


def _run_date(run: Run) -> float:
    date = run.data.get("date")
    return float(date) if isinstance(date, (int, float)) else 0.0
