"""The full `deccp report` table (`--columns all`, and every column of CSV and JSON), formatted for any renderer:
each cell as text, the headers and row cells, the legend for what the table shows, and where every number came
from (Sources). Pure formatting: every number comes from the Report."""

from __future__ import annotations

from typing import Any

from lm_eval_deccp.reporting.numbers import percent, percent_interval
from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY, PUBLISHED_OVERALL
from lm_eval_deccp.reporting.reading.capability_files import SourcedRow
from lm_eval_deccp.reporting.statistics.censorship_summary import METHOD
from lm_eval_deccp.reporting.table.cells import MISSING, NORMAL_MARK, Cell
from lm_eval_deccp.reporting.table.censorship_cells import CI_BOOTSTRAP, CI_NORMAL
from lm_eval_deccp.reporting.table.columns import ComparisonColumn, RateColumn
from lm_eval_deccp.reporting.table.report import ModelRow, Report


def column_kind(column: Any) -> str:
    if isinstance(column, RateColumn):
        return "rate"
    if isinstance(column, ComparisonColumn):
        return column.kind
    return "capability"


def format_cell(cell: Cell, kind: str) -> str:
    """95.4 [90.8, 98.5]; gaps signed, in percentage points; † after an interval from lm_eval's stderr; a
    published capability score with the digits it was published with (0.4345 → 43.45)."""
    if not cell.present:
        return MISSING
    signed = kind == "gap"
    if cell.low is None or cell.high is None:
        return percent(cell.value, signed, cell.decimals or 1)
    text = percent_interval(cell.value, cell.low, cell.high, signed, cell.decimals or 1)
    return text + (NORMAL_MARK if cell.ci_method == CI_NORMAL else "")


def overall_keys(report: Report) -> list[str]:
    """The Overall columns the table shows: the mean of the capability columns, then a published overall."""
    return [*([OVERALL_KEY] if report.has_overall else []),
            *([PUBLISHED_OVERALL] if report.has_published_overall else [])]


QUESTIONS_HEADER = "Questions"
BENCHMARK_QUESTIONS = "benchmark"


def questions_text(row: ModelRow) -> str:
    """The mark of a row not on the benchmark's full question set, or "benchmark"."""
    return row.questions.mark or BENCHMARK_QUESTIONS


def has_apart_rows(report: Report) -> bool:
    return any(not row.questions.is_benchmark for row in report.rows)


def full_headers(report: Report) -> list[str]:
    """The full table's headers; a Questions column when some row is not on the benchmark's questions."""
    return ["Model", *([QUESTIONS_HEADER] if has_apart_rows(report) else []),
            *(column.header for column in report.columns), *overall_keys(report)]


def row_cells(report: Report, row) -> list[str]:
    cells = [questions_text(row)] if has_apart_rows(report) else []
    cells.extend(format_cell(row.cells[column.key], column_kind(column)) for column in report.columns)
    cells.extend(format_cell(row.cells[key], "capability") for key in overall_keys(report))
    return cells


def legend(report: Report) -> list[str]:
    kinds = {column_kind(column) for column in report.columns}
    lines = []
    if kinds & {"rate", "gap", "flip"}:
        # Explain only the kinds of censorship column the table shows.
        headers = " ".join(column.header for column in report.columns)
        parts = ["Censorship columns in %: refusal, deflection and censorship (refused or deflected) rates on the "
                 "China-sensitive questions"]
        if "over-refusal" in headers:
            parts.append("over-refusal = refusal rate on the control questions")
        if "gap" in kinds:
            parts.append("China gap = censorship on China questions minus on controls, in percentage points")
        if "flip" in kinds:
            parts.append("EN↔ZH flip = share of question pairs censored in one language and answered in the other")
        lines.append("; ".join(parts) + ".")
    methods = {row.cells[column.key].ci_method for row in report.rows for column in report.columns}
    if CI_BOOTSTRAP in methods:
        lines.append(f"[low, high]: {METHOD}.")
    if CI_NORMAL in methods:
        lines.append(f"{NORMAL_MARK} interval from lm_eval's standard error (value ± 1.96·stderr): the run's "
                     "samples were not available.")
    if "capability" in kinds:
        shown = report.overall_columns
        from_files = bool(report.capability_sources)
        lines.append("Capability columns: scores × 100, named as in MixEval, from lm_eval runs (task and metric per "
                     "column: docs/report.md)" + (" or from the capability files under Sources" if from_files else "")
                     + ".")
        lines.append(f"Overall: unweighted mean of the {len(shown)} capability column(s) shown "
                     f"({', '.join(column.header for column in shown)}); {MISSING} when a model lacks any of them.")
        for row in report.rows:
            overall = row.cells.get(OVERALL_KEY)
            if overall is not None and (overall.source or "").startswith("mixeval"):
                lines.append(f"Overall of {row.model}: MixEval's own overall of its MixEval run, the item-weighted "
                             f"mean over every item scored ({overall.source}), not a mean of the columns.")
    if report.has_published_overall:
        lines.append(f"{PUBLISHED_OVERALL}: the overall score a capability file gives, as published (MixEval's is "
                     "its own item-weighted score, not a mean of the columns); never averaged into Overall.")
    return lines


def capability_origins(report: Report, row: ModelRow) -> list[tuple[SourcedRow, list[str]]]:
    """(capability file row, the headers of the cells it gave) for one model, in column order. For any renderer
    that lists where a row's capability values came from."""
    origins: dict[int, tuple[SourcedRow, list[str]]] = {}
    headers = [(column.key, column.header) for column in report.overall_columns]
    headers += [(PUBLISHED_OVERALL, PUBLISHED_OVERALL)] if report.has_published_overall else []
    for key, header in headers:
        origin = row.cells[key].origin
        if origin is not None:
            origins.setdefault(id(origin), (origin, []))[1].append(header)
    return list(origins.values())


def source_lines(report: Report) -> list[str]:
    """Where every number of a row comes from: its lm_eval runs, and the capability file row of each capability
    value that came from one; then each capability file with its citation. Markdown (file names in backticks)."""
    lines = []
    every_column = [column.header for column in report.overall_columns]
    for row in report.rows:
        parts = [", ".join(f"`{source}`" for source in row.sources) if row.sources else "no run"]
        for origin, headers in capability_origins(report, row):
            if len(every_column) > 1 and headers[:len(every_column)] == every_column:
                rest = headers[len(every_column):]
                what = f"the {len(every_column)} capability columns" + "".join(f" and {h}" for h in rest)
            else:
                what = ", ".join(headers)
            as_named = f" (as {origin.row.model!r})" if origin.row.model != row.model else ""
            parts.append(f"{what} from `{origin.source.path}` row {origin.row.row}{as_named}")
        lines.append(f"- {escape_markdown(row.model)}: {'; '.join(parts)}")
    if report.capability_sources:
        lines.append("")
        lines.append("Capability files:")
        for source in report.capability_sources:
            cited = f": {source.citation}" if source.citation else ""
            lines.append(f"- `{source.path}` ({source.kind}){escape_markdown(cited)}")
    return lines


def escape_markdown(text: str) -> str:
    return text.replace("|", "\\|")
