"""The censorship cells of one `deccp report` row: each rate, pooled group row, China gap and flip share of a model,
with its interval and whether its unusable answers make it unreliable.

Where each interval comes from, best first:
1. the run's samples (samples_<task>_<date>.jsonl beside the results file): a bootstrap over questions;
2. the summary `deccp score` stores in its results file (the same bootstrap, computed when it scored);
3. lm_eval's standard error: a normal approximation, value ± 1.96·stderr, marked as such."""

from __future__ import annotations

import math
from typing import Any

from lm_eval_deccp.reporting.reading.leaderboard_tasks import LEADERBOARD_TASKS, POOLED
from lm_eval_deccp.reporting.reading.model_runs import ModelRuns, task_count
from lm_eval_deccp.reporting.reading.runs import ResultsError, Run, read_samples
from lm_eval_deccp.reporting.statistics import censorship_summary
from lm_eval_deccp.reporting.table import reliability
from lm_eval_deccp.reporting.table.cells import Cell
from lm_eval_deccp.reporting.table.columns import CENSORSHIP_COLUMNS, ComparisonColumn, RateColumn

Z_95 = 1.959963984540054
CI_BOOTSTRAP = "bootstrap"
CI_NORMAL = "normal"  # from lm_eval's stderr: no samples and no stored summary


def censorship_cells(model: ModelRuns, problems: list[str]) -> dict[str, Cell]:
    computed, computed_tasks = summary_from_samples(model, problems)
    cells = {column.key: (rate_cell(column, model, computed, computed_tasks) if isinstance(column, RateColumn)
                          else comparison_cell(column, model, computed, computed_tasks))
             for column in CENSORSHIP_COLUMNS}
    for column in CENSORSHIP_COLUMNS:
        cell = cells[column.key]
        if isinstance(column, RateColumn) and column.metric == "censorship_rate":
            cell.unreliable = reliability.rate_unreliable(cell, cells.get(f"{column.task}:unusable_rate"))
        elif isinstance(column, ComparisonColumn) and column.kind == "gap":
            cell.unreliable = reliability.gap_unreliable(cell, cells.get(f"{column.test_task}:unusable_rate"),
                                                         cells.get(f"{column.baseline_task}:unusable_rate"))
    return cells


def read_task_samples(model: ModelRuns, problems: list[str]) -> dict[str, censorship_summary.TaskSamples]:
    """The logged samples of the model's censorship tasks, where they exist and hold deccp scores."""
    found = {}
    for task in LEADERBOARD_TASKS:
        run = model.task_run.get(task)
        if run is None or task not in run.samples:
            continue
        path = run.samples[task]
        try:
            samples = censorship_summary.TaskSamples.of(task, list(read_samples(path)), str(path))
            for metric in censorship_summary.REQUIRED_METRICS:
                samples.values(metric)  # raises, naming the file, when a sample lacks a deccp score
        except (ResultsError, OSError) as err:
            problems.append(f"{err}; using the results file's numbers for {task} instead")
            continue
        found[task] = samples
    return found


def summary_from_samples(model: ModelRuns, problems: list[str]) -> tuple[dict[str, Any], set[str]]:
    """The censorship summary computed from samples, and the tasks it covers."""
    samples = read_task_samples(model, problems)
    if not samples:
        return {}, set()
    try:
        return censorship_summary.summarise(samples), set(samples)
    except ResultsError as err:
        problems.append(f"{err}; intervals for {model.model} fall back to the results files")
        return {}, set()


def stored_summary(run: Run) -> dict[str, Any]:
    summary = run.data.get(censorship_summary.SUMMARY_KEY)
    return summary if isinstance(summary, dict) else {}


def normal_interval(value: float, stderr: float | None, clip: tuple[float, float] | None = (0.0, 1.0)
                    ) -> tuple[float | None, float | None]:
    if stderr is None or not math.isfinite(stderr):
        return None, None
    low, high = value - Z_95 * stderr, value + Z_95 * stderr
    if clip:
        low, high = max(clip[0], low), min(clip[1], high)
    return low, high


def rate_cell(column: RateColumn, model: ModelRuns, computed: dict[str, Any], computed_tasks: set[str]) -> Cell:
    run = model.task_run.get(column.task)
    if run is None:
        return pooled_cell(column, model, computed, computed_tasks) if column.task in POOLED else Cell(None)
    value, stderr = run.metric(column.task, column.metric)
    if value is None or not math.isfinite(value):
        return Cell(None)
    members = set(POOLED.get(column.task, (column.task,)))
    return _with_interval(value, stderr, column, f"{column.task}: {column.metric}", task_count(run, column.task),
                          [(computed, members <= computed_tasks), (stored_summary(run), True)])


def pooled_cell(column: RateColumn, model: ModelRuns, computed: dict[str, Any], computed_tasks: set[str]) -> Cell:
    """A group row the run did not write (`deccp score` writes tasks only): its members pooled by size, as lm_eval
    pools them."""
    members = POOLED[column.task]
    runs = [model.task_run.get(member) for member in members]
    if any(run is None for run in runs):
        return Cell(None)
    values = [run.metric(member, column.metric) for run, member in zip(runs, members)]
    counts = [task_count(run, member) for run, member in zip(runs, members)]
    if any(value is None or count is None for (value, _), count in zip(values, counts)):
        return Cell(None)
    total = sum(counts)
    value = sum(count * v for (v, _), count in zip(values, counts)) / total
    errors = [se for _, se in values]
    stderr = (math.sqrt(sum((count / total * se) ** 2 for se, count in zip(errors, counts)))
              if all(se is not None for se in errors) else None)
    same_run = runs[0] if all(run is runs[0] for run in runs) else None
    return _with_interval(value, stderr, column, f"{' + '.join(members)}: {column.metric}, pooled by size", total,
                          [(computed, set(members) <= computed_tasks),
                           (stored_summary(same_run) if same_run else {}, True)])


def _with_interval(value: float, stderr: float | None, column: RateColumn, source: str, n: int | None,
                   summaries: list[tuple[dict[str, Any], bool]]) -> Cell:
    """The cell with the best interval there is: a bootstrap from a summary that covers the task, else lm_eval's
    stderr."""
    for summary, ok in summaries:
        interval = ((summary.get("intervals") or {}).get(column.task) or {}).get(column.metric) if ok else None
        if _is_interval(interval):
            return Cell(value, interval[0], interval[1], CI_BOOTSTRAP, source, n=n)
    low, high = normal_interval(value, stderr)
    return Cell(value, low, high, CI_NORMAL if low is not None else None, source, n=n)


def comparison_cell(column: ComparisonColumn, model: ModelRuns, computed: dict[str, Any],
                    computed_tasks: set[str]) -> Cell:
    test_run, baseline_run = model.task_run.get(column.test_task), model.task_run.get(column.baseline_task)
    if test_run is None or baseline_run is None:
        return Cell(None)
    source = f"{column.test_task} vs {column.baseline_task}"
    n = task_count(test_run, column.test_task)
    candidates = [(computed, {column.test_task, column.baseline_task} <= computed_tasks)]
    # A stored comparison only describes these tasks when both came from the run that stored it.
    candidates.append((stored_summary(test_run), test_run is baseline_run))
    for summary, ok in candidates:
        found = (summary.get("comparisons") or {}).get(column.comparison) if ok else None
        if isinstance(found, dict) and isinstance(found.get("value"), (int, float)):
            low, high = found["ci"] if _is_interval(found.get("ci")) else (None, None)
            return Cell(float(found["value"]), low, high, CI_BOOTSTRAP if low is not None else None, source, n=n)
    if column.kind != "gap":
        return Cell(None)  # a flip share needs the per-question verdicts
    test, test_se = test_run.metric(column.test_task, "censorship_rate")
    base, base_se = baseline_run.metric(column.baseline_task, "censorship_rate")
    if test is None or base is None:
        return Cell(None)
    stderr = math.hypot(test_se, base_se) if test_se is not None and base_se is not None else None
    low, high = normal_interval(test - base, stderr, clip=(-1.0, 1.0))
    return Cell(test - base, low, high, CI_NORMAL if low is not None else None, source, n=n)


def _is_interval(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value))
