"""The capability cells of `deccp report`: one value per model and MixEval-named column, from lm_eval runs (the
tasks each column reads) and from capability files (reading/capability_files.py), and the Overall.

The rules (docs/report.md, "Which value a cell gets"):
- names are matched exactly, after `--alias NAME=MODEL` (which renames NAME to MODEL in every source);
- a capability file's model that matches no run is an error naming the file and row, unless the report was asked
  to include capability-only models (then it gets a row without censorship columns);
- a file that lists one model twice (also through an alias) keeps the first row;
- two sources that give one model and column different values: neither is used, the cell stays empty, and the
  problem names both (they are different measurements; picking one silently would mislead). Equal values agree.
- Overall is the unweighted mean of the capability columns shown; an overall score a source publishes goes to its
  own column, as published, and is never averaged. A model whose capability columns all come from the MixEval
  tasks' runs gets MixEval's own overall instead (item-weighted over every item: lm_eval_deccp/mixeval/report.py)."""

from __future__ import annotations

import math
from typing import Iterable, Protocol

from lm_eval_deccp.mixeval.report import run_score
from lm_eval_deccp.reporting.reading.capability_columns import (
    CAPABILITY_COLUMNS,
    PUBLISHED_OVERALL,
    CapabilityColumn,
    matching_tasks,
)
from lm_eval_deccp.reporting.reading.capability_files import CapabilityRow, CapabilitySource, SourcedRow
from lm_eval_deccp.reporting.reading.model_runs import rename
from lm_eval_deccp.reporting.table.cells import Cell


# MixEval's own overall of a model's MixEval run: a cell the table does not show, which Overall takes (overall_cell).
MIXEVAL_OVERALL = "MixEval overall"
MIXEVAL_SOURCE_PREFIX = "mixeval"


class TaskRun(Protocol):
    def metric_by_key(self, task: str, key: str) -> tuple[float | None, float | None]: ...


def assign_rows(sources: list[CapabilitySource], aliases: dict[str, str], run_models: set[str],
                include_capability_only: bool, problems: list[str], notes: list[str]
                ) -> dict[str, list[SourcedRow]]:
    """Report model → the capability rows that belong to it, in the order the files were given."""
    assigned: dict[str, list[SourcedRow]] = {}
    capability_only: list[str] = []
    for source in sources:
        first_row: dict[str, CapabilityRow] = {}
        for row in source.rows:
            model = rename(row.model, aliases)
            where = source.where(row)
            if model in first_row:
                earlier = first_row[model]
                problems.append(f"{where}, column 'model': the same model as row {earlier.row} ({earlier.model!r}) "
                                f"once --alias is applied; this row is skipped (the first is used)")
                continue
            first_row[model] = row
            if model not in run_models:
                if not include_capability_only:
                    problems.append(f"{where}, column 'model': no run has a model named {model!r}; row skipped "
                                    f"(match it to a run's model with --alias NAME=MODEL, or show it without "
                                    f"censorship columns with --include-capability-only)")
                    continue
                if model not in assigned:
                    capability_only.append(model)
            assigned.setdefault(model, []).append(SourcedRow(source, row))
    if capability_only:
        notes.append(f"capability scores only, no run (--include-capability-only): {', '.join(capability_only)}")
    return assigned


def unused_aliases(aliases: dict[str, str], run_names: Iterable[str], sources: list[CapabilitySource]) -> list[str]:
    named = set(run_names) | {row.model for source in sources for row in source.rows}
    return [f"--alias {name}={target}: no run or capability file has a model named {name!r}"
            for name, target in aliases.items() if name not in named]


def run_capability_cell(column: CapabilityColumn, task_run: dict[str, TaskRun]) -> Cell:
    """The column's value in the model's lm_eval runs: the first of its tasks present, by the first of its metrics
    that task reports. The MixEval tasks' runs come first: they score every MixEval-named column they have items
    for."""
    mixeval = run_score(task_run)
    if mixeval is not None and column.key in mixeval.score.columns:
        return Cell(mixeval.score.columns[column.key], source=mixeval.source(column.key))
    available = sorted(task_run)
    for pattern in column.tasks:
        for task in matching_tasks(pattern, available):
            for key in column.metrics:
                value, _ = task_run[task].metric_by_key(task, key)
                if value is not None and math.isfinite(value):
                    return Cell(value, source=f"{task}: {key}")
    return Cell(None)


def capability_cells(model: str, task_run: dict[str, TaskRun], rows: list[SourcedRow], problems: list[str]
                     ) -> dict[str, Cell]:
    """Every capability column and the published overall for one model; a disagreement leaves the cell empty."""
    cells: dict[str, Cell] = {}
    for key, column in [*((c.key, c) for c in CAPABILITY_COLUMNS), (PUBLISHED_OVERALL, None)]:
        candidates: list[tuple[Cell, str]] = []
        if column is not None:
            from_runs = run_capability_cell(column, task_run)
            if from_runs.present:
                candidates.append((from_runs, f"lm_eval {from_runs.source}"))
        for sourced in rows:
            score = sourced.row.scores.get(key)
            if score is not None:
                candidates.append((Cell(score.value, source=sourced.source.kind, origin=sourced,
                                        decimals=score.decimals), sourced.where))
        cells[key] = _agreed(model, key, candidates, problems)
    mixeval = run_score(task_run)
    cells[MIXEVAL_OVERALL] = Cell(mixeval.score.overall, source=mixeval.source()) if mixeval else Cell(None)
    return cells


def _agreed(model: str, key: str, candidates: list[tuple[Cell, str]], problems: list[str]) -> Cell:
    if not candidates:
        return Cell(None)
    first = candidates[0][0]
    if all(math.isclose(cell.value, first.value, rel_tol=0.0, abs_tol=1e-12) for cell, _ in candidates):
        return first
    given = "; ".join(f"{where} gives {cell.value:g}" for cell, where in candidates)
    problems.append(f"model {model!r}, column {key!r}: the sources disagree ({given}); the cell is left empty "
                    f"(give one source for it)")
    return Cell(None)


def overall_cell(cells: dict[str, Cell], shown: list[CapabilityColumn]) -> Cell:
    """Mean of the capability columns shown; none when the model lacks any of them (see docs/report.md). When every
    capability value the model has comes from a MixEval run, MixEval's own overall of that run."""
    mixeval = cells.get(MIXEVAL_OVERALL)
    present = [cells[column.key] for column in shown if cells[column.key].present]
    if mixeval is not None and mixeval.present and present and \
            all((cell.source or "").startswith(MIXEVAL_SOURCE_PREFIX) for cell in present):
        return mixeval
    values = [cells[column.key].value for column in shown]
    if not shown or any(value is None for value in values):
        return Cell(None)
    return Cell(sum(values) / len(values), source=f"mean of {len(values)} columns")


def mixed_sources_note(model: str, cells: dict[str, Cell], shown: list[CapabilityColumn]) -> str | None:
    """A note when a model's Overall averages columns from different sources (lm_eval runs, different files)."""
    origins = {str(cells[c.key].origin.source.path) if cells[c.key].origin else "lm_eval runs"
               for c in shown if cells[c.key].present}
    if len(origins) < 2:
        return None
    return (f"model {model!r}: its capability columns come from {len(origins)} sources ({', '.join(sorted(origins))}); "
            f"scores of different benchmarks' versions are not comparable, and Overall averages them")
