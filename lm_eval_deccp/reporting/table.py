"""`deccp report`: one row per model, censorship columns beside MixEval-named capability columns.

Reading is forgiving and loud: a file that cannot be used (truncated JSON, samples without deccp fields, a run that
lacks some tasks) becomes a `problem` naming the file, and the table is built from everything else. The numbers
are deterministic: the same files give the same table, byte for byte.

Where each interval comes from, best first:
1. the run's samples (samples_<task>_<date>.jsonl beside the results file): a bootstrap over questions;
2. the summary `deccp score` stores in its results file (the same bootstrap, computed when it scored);
3. lm_eval's standard error: a normal approximation, value ± 1.96·stderr, marked as such."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from lm_eval_deccp.reporting import capability_scores, censorship_summary, reliability
from lm_eval_deccp.reporting.capabilities import PUBLISHED_OVERALL, CapabilitySource, read_capability_file
from lm_eval_deccp.reporting.cells import Cell
from lm_eval_deccp.reporting.columns import (
    CAPABILITY_COLUMNS,
    CENSORSHIP_COLUMNS,
    OVERALL_KEY,
    CapabilityColumn,
    ComparisonColumn,
    RateColumn,
)
from lm_eval_deccp.reporting.model_runs import (  # noqa: F401  (ModelRuns and row_name: read by answers, plot)
    ModelRuns,
    group_by_model,
    load_runs,
    row_name,
    task_count,
)
from lm_eval_deccp.reporting.questions import BENCHMARK, POOLED, Questions
from lm_eval_deccp.reporting.runs import ResultsError, Run, read_samples

Z_95 = 1.959963984540054
CI_BOOTSTRAP = "bootstrap"
CI_NORMAL = "normal"  # from lm_eval's stderr: no samples and no stored summary


@dataclass
class ModelRow:
    model: str
    cells: dict[str, Cell]
    sources: list[str]
    questions: Questions = BENCHMARK  # a row of other questions than the benchmark's full set is marked

    @property
    def name(self) -> str:
        """The row's name: the model, with its mark when it is not on the benchmark's questions."""
        return row_name(self.model, self.questions)


@dataclass
class Report:
    columns: list  # RateColumn | ComparisonColumn | CapabilityColumn, only those some model has
    rows: list[ModelRow]
    has_overall: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    has_published_overall: bool = False  # some model has an overall score a capability file publishes
    capability_sources: list[CapabilitySource] = field(default_factory=list)  # the files some cell comes from
    # The runs behind each row that has any (by model name), for renderers that show more than numbers (the audit
    # page); rows from capability files alone have none.
    model_runs: dict[str, "ModelRuns"] = field(default_factory=dict)
    # Capability files given that yielded no value at all (every value, row or column rejected, see `problems`).
    unusable_capability_files: list[str] = field(default_factory=list)

    @property
    def overall_columns(self) -> list[CapabilityColumn]:
        """The capability columns Overall averages: those shown."""
        return [column for column in self.columns if isinstance(column, CapabilityColumn)]


# ---- reading ----

def censorship_tasks() -> list[str]:
    tasks = []
    for column in CENSORSHIP_COLUMNS:
        for task in ((column.task,) if isinstance(column, RateColumn) else (column.test_task, column.baseline_task)):
            if task not in tasks:
                tasks.append(task)
    return tasks


def read_task_samples(model: ModelRuns, problems: list[str]) -> dict[str, censorship_summary.TaskSamples]:
    """The logged samples of the model's censorship tasks, where they exist and hold deccp scores."""
    found = {}
    for task in censorship_tasks():
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


# ---- cells ----

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


# ---- the table ----

def build_report(paths: Iterable[str | Path], capability_files: Iterable[str | Path] = (),
                 aliases: dict[str, str] | None = None, include_capability_only: bool = False) -> Report:
    """The table of the lm_eval results under `paths`, with capability scores from `capability_files` beside them;
    `aliases` renames models (NAME → MODEL) in every source. See capability_scores for how sources combine."""
    problems: list[str] = []
    notes: list[str] = []
    aliases = dict(aliases or {})
    runs = load_runs(paths, problems)
    sources, unusable_files = [], []
    for path in capability_files:
        source = read_capability_file(path, problems, notes)
        if source is None or not any(row.scores for row in source.rows):
            unusable_files.append(str(path))
        if source is not None:
            sources.append(source)
    problems.extend(capability_scores.unused_aliases(aliases, {run.model for run in runs}, sources))
    models = {model.model: model for model in group_by_model(runs, notes, aliases)}
    # Capability files name plain models; their values go to the model's benchmark row (made if it has none).
    assigned = capability_scores.assign_rows(sources, aliases, {model.plain_model for model in models.values()},
                                             include_capability_only, problems, notes)
    rows = []
    for name in sorted(set(models) | set(assigned), key=lambda name: (name.casefold(), name)):
        model = models.get(name)
        cells = censorship_cells(model, problems) if model else {c.key: Cell(None) for c in CENSORSHIP_COLUMNS}
        cells.update(capability_scores.capability_cells(name, model.task_run if model else {}, assigned.get(name, []),
                                                        problems))
        if model:
            notes.extend(missing_tasks(model))
            if not model.questions.is_benchmark:
                notes.append(f"{name}: not on the benchmark's full question set, so not in its columns: "
                             f"{model.questions.detail}")
        rows.append(ModelRow(model.plain_model if model else name, cells,
                             [str(run.path) for run in model.runs] if model else [],
                             model.questions if model else BENCHMARK))
    columns = [column for column in [*CENSORSHIP_COLUMNS, *CAPABILITY_COLUMNS]
               if any(row.cells[column.key].present for row in rows)]
    shown_capabilities = [column for column in columns if isinstance(column, CapabilityColumn)]
    for row in rows:
        row.cells[OVERALL_KEY] = capability_scores.overall_cell(row.cells, shown_capabilities)
        note = capability_scores.mixed_sources_note(row.name, row.cells, shown_capabilities)
        if note:
            notes.append(note)
    used = {id(cell.origin.source) for row in rows for cell in row.cells.values() if cell.origin}
    return Report(columns, rows, bool(shown_capabilities), problems, notes,
                  has_published_overall=any(row.cells[PUBLISHED_OVERALL].present for row in rows),
                  capability_sources=[source for source in sources if id(source) in used], model_runs=models,
                  unusable_capability_files=unusable_files)


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


def missing_tasks(model: ModelRuns) -> list[str]:
    """A run that has part of a suite: say which tasks are missing (their columns stay empty)."""
    messages = []
    for suite, tasks in _suite_tasks().items():
        present = [task for task in tasks if task in model.task_run]
        missing = [task for task in tasks if task not in model.task_run]
        if present and missing:
            files = ", ".join(sorted({str(model.task_run[task].path) for task in present}))
            messages.append(f"{files}: model {model.model} has {', '.join(present)} but not {', '.join(missing)}; "
                            f"those columns are left empty")
    return messages


def _suite_tasks() -> dict[str, list[str]]:
    suites: dict[str, list[str]] = {}
    for task in censorship_tasks():
        if task in POOLED:
            continue  # a group row is made from its members when a run lacks it
        suite = "deccp_plus" if task.startswith("deccp_plus") else "deccp"
        suites.setdefault(suite, []).append(task)
    return suites


def _is_interval(value: Any) -> bool:
    return (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value))
