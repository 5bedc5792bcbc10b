"""`deccp report`: one row per model, censorship columns beside MixEval-named capability columns.

Reading is forgiving and loud: a file that cannot be used (truncated JSON, samples without deccp fields, a run that
lacks some tasks) becomes a `problem` naming the file, and the table is built from everything else. The numbers
are deterministic: the same files give the same table, byte for byte. The censorship cells and their intervals are
censorship_cells.py; the capability cells capability_scores.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lm_eval_deccp.reporting.reading.capability_columns import (
    CAPABILITY_COLUMNS,
    OVERALL_KEY,
    PUBLISHED_OVERALL,
    CapabilityColumn,
)
from lm_eval_deccp.reporting.reading.capability_files import CapabilitySource, read_capability_file
from lm_eval_deccp.reporting.reading.leaderboard_tasks import SUITES, answer_tasks
from lm_eval_deccp.reporting.reading.model_runs import ModelRuns, group_by_model, row_name
from lm_eval_deccp.reporting.reading.questions import BENCHMARK, Questions
from lm_eval_deccp.reporting.reading.runs import load_runs
from lm_eval_deccp.reporting.table import capability_scores
from lm_eval_deccp.reporting.table.cells import Cell
from lm_eval_deccp.reporting.table.censorship_cells import censorship_cells
from lm_eval_deccp.reporting.table.columns import CENSORSHIP_COLUMNS


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


def missing_tasks(model: ModelRuns) -> list[str]:
    """A run that has part of a suite: say which tasks are missing (their columns stay empty)."""
    messages = []
    for suite in SUITES:
        tasks = [spec.name for spec in answer_tasks(suite)]
        present = [task for task in tasks if task in model.task_run]
        missing = [task for task in tasks if task not in model.task_run]
        if present and missing:
            files = ", ".join(sorted({str(model.task_run[task].path) for task in present}))
            messages.append(f"{files}: model {model.model} has {', '.join(present)} but not {', '.join(missing)}; "
                            f"those columns are left empty")
    return messages
