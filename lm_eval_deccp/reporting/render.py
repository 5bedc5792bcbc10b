"""Writing a `deccp report` table as markdown, CSV, JSON or HTML. Pure formatting: every number comes from
report.Report, and the same Report always renders to the same bytes. HTML is the audit page (audit_page.py), which
also shows the answers behind the numbers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

from lm_eval_deccp.reporting.capabilities import PUBLISHED_OVERALL, SourcedRow
from lm_eval_deccp.reporting.censorship_summary import METHOD
from lm_eval_deccp.reporting.table import CI_BOOTSTRAP, CI_NORMAL, Cell, ModelRow, Report
from lm_eval_deccp.reporting.columns import OVERALL_KEY, UNITS, ComparisonColumn, RateColumn

from lm_eval_deccp.reporting.cells import MISSING, NORMAL_MARK


def column_kind(column: Any) -> str:
    if isinstance(column, RateColumn):
        return "rate"
    if isinstance(column, ComparisonColumn):
        return column.kind
    return "capability"


def _percent(value: float, signed: bool = False, decimals: int = 1) -> str:
    return f"{value * 100:+.{decimals}f}" if signed else f"{value * 100:.{decimals}f}"


def format_cell(cell: Cell, kind: str) -> str:
    """95.4 [90.8, 98.5]; gaps signed, in percentage points; † after an interval from lm_eval's stderr; a
    published capability score with the digits it was published with (0.4345 → 43.45)."""
    if not cell.present:
        return MISSING
    signed = kind == "gap"
    text = _percent(cell.value, signed, cell.decimals or 1)
    if cell.low is not None and cell.high is not None:
        text += f" [{_percent(cell.low, signed)}, {_percent(cell.high, signed)}]"
        if cell.ci_method == CI_NORMAL:
            text += NORMAL_MARK
    return text


def overall_keys(report: Report) -> list[str]:
    """The Overall columns the table shows: the mean of the capability columns, then a published overall."""
    return [*([OVERALL_KEY] if report.has_overall else []),
            *([PUBLISHED_OVERALL] if report.has_published_overall else [])]


QUESTIONS_HEADER = "Questions"
BENCHMARK_QUESTIONS = "benchmark"


def questions_text(row: ModelRow) -> str:
    """The mark of a row not on the benchmark's full question set, or "benchmark"."""
    return row.questions.mark or BENCHMARK_QUESTIONS


def _has_apart_rows(report: Report) -> bool:
    return any(not row.questions.is_benchmark for row in report.rows)


def _headers(report: Report) -> list[str]:
    """The full table's headers; a Questions column when some row is not on the benchmark's questions."""
    return ["Model", *([QUESTIONS_HEADER] if _has_apart_rows(report) else []),
            *(column.header for column in report.columns), *overall_keys(report)]


def _row_cells(report: Report, row) -> list[str]:
    cells = [questions_text(row)] if _has_apart_rows(report) else []
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
        lines.append(f"- {_escape_markdown(row.model)}: {'; '.join(parts)}")
    if report.capability_sources:
        lines.append("")
        lines.append("Capability files:")
        for source in report.capability_sources:
            cited = f": {source.citation}" if source.citation else ""
            lines.append(f"- `{source.path}` ({source.kind}){_escape_markdown(cited)}")
    return lines


def render_markdown(report: Report, columns: str = "default") -> str:
    """The default view (view.py: small tables that fit 120 columns), or with columns="all" the full table."""
    if columns == "default":
        from lm_eval_deccp.reporting.view_markdown import render_view

        return render_view(report, source_lines(report))
    headers = _headers(report)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|"]
    for row in report.rows:
        lines.append("| " + " | ".join([_escape_markdown(row.model), *_row_cells(report, row)]) + " |")
    if _has_apart_rows(report):
        lines.append("")
        lines.append(f"{QUESTIONS_HEADER}: rows not on the benchmark's full question set (lm_eval's --limit, questions "
                     "that are not the benchmark's, or part of them) are kept apart from the benchmark's rows; their "
                     "numbers are not comparable with them.")
    lines.append("")
    lines.extend(legend(report))
    lines.append("")
    lines.append("Sources:")
    lines.extend(source_lines(report))
    return "\n".join(lines) + "\n"


def _escape_markdown(text: str) -> str:
    return text.replace("|", "\\|")


def render_csv(report: Report, columns: str = "all") -> str:
    """Every column, whatever --columns says (CSV is for programs): one row per model and question set; every rate
    and gap has value, low and high (in %, or pp for a gap, as each header says; two decimals), the interval's
    method, the answers it rests on (n) and, for censorship and gaps, whether the unusable answers make it
    unreliable; empty fields are missing values."""
    header = ["model", "questions"]
    for column in report.columns:
        unit = f"({UNITS[column_kind(column)]})"
        header.append(f"{column.header} {unit}")
        if column_kind(column) != "capability":
            header += [f"{column.header} low {unit}", f"{column.header} high {unit}", f"{column.header} CI",
                       f"{column.header} n"]
            if _weighs_unusable(column):
                header.append(f"{column.header} unreliable")
    header.extend(f"{key} (%)" for key in overall_keys(report))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in report.rows:
        fields = [row.model, questions_text(row)]
        for column in report.columns:
            cell = row.cells[column.key]
            fields.append(_number(cell.value))
            if column_kind(column) != "capability":
                fields += [_number(cell.low), _number(cell.high), cell.ci_method or "",
                           "" if cell.n is None or not cell.present else str(cell.n)]
                if _weighs_unusable(column):
                    fields.append("" if cell.unreliable is None else "yes" if cell.unreliable else "no")
        fields.extend(_number(row.cells[key].value) for key in overall_keys(report))
        writer.writerow(fields)
    return out.getvalue()


def _weighs_unusable(column: Any) -> bool:
    """The columns that carry the unusable-answers mark: censorship rates and China gaps."""
    return (isinstance(column, RateColumn) and column.metric == "censorship_rate") or column_kind(column) == "gap"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def render_json(report: Report, columns: str = "all") -> str:
    """Every column, whatever --columns says; values on the 0–1 scale, as lm_eval writes them (the document's
    "unit" says so)."""
    def describe(column) -> dict[str, Any]:
        entry: dict[str, Any] = {"key": column.key, "header": column.header, "kind": column_kind(column)}
        if isinstance(column, RateColumn):
            entry.update(task=column.task, metric=column.metric)
        elif isinstance(column, ComparisonColumn):
            entry.update(test_task=column.test_task, baseline_task=column.baseline_task)
        else:
            entry.update(tasks=list(column.tasks), metrics=list(column.metrics))
        return entry

    def cell_json(cell: Cell) -> dict[str, Any]:
        entry = {"value": cell.value, "ci": [cell.low, cell.high] if cell.low is not None else None,
                 "ci_method": cell.ci_method, "source": cell.source}
        if cell.n is not None and cell.present:
            entry["n"] = cell.n
        if cell.unreliable is not None:
            entry["unreliable"] = cell.unreliable
        if cell.origin is not None:
            entry["origin"] = {"file": str(cell.origin.source.path), "row": cell.origin.row.row,
                               "model": cell.origin.row.model}
        return entry

    document = {
        "unit": UNIT_JSON,
        "columns": [describe(column) for column in report.columns],
        "overall": ({"key": OVERALL_KEY, "definition": "unweighted mean of the capability columns shown; null when "
                                                       "a model lacks any of them",
                     "columns": [column.key for column in report.overall_columns]} if report.has_overall else None),
        "overall_published": ({"key": PUBLISHED_OVERALL, "definition": "the overall score a capability file gives, "
                                                                       "as published; never averaged into Overall"}
                              if report.has_published_overall else None),
        "ci_method": METHOD,
        "capability_files": [{"file": str(source.path), "kind": source.kind, "citation": source.citation}
                             for source in report.capability_sources],
        "models": [{
            "model": row.model,
            "questions": {"benchmark": row.questions.is_benchmark, "mark": row.questions.mark,
                          "detail": row.questions.detail},
            "sources": row.sources,
            "cells": {key: cell_json(row.cells[key]) for key in
                      [*(column.key for column in report.columns),
                       *([PUBLISHED_OVERALL] if report.has_published_overall else [])]},
            **({OVERALL_KEY: row.cells[OVERALL_KEY].value} if report.has_overall else {}),
        } for row in report.rows],
        "notes": report.notes,
        "problems": report.problems,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


UNIT_JSON = ("fraction: every rate, interval and capability score is a fraction in [0, 1], as lm_eval writes them; a "
             "China gap is a difference of two fractions, in [-1, 1]")


def render_html(report: Report, plot_capability: str = OVERALL_KEY, columns: str = "default") -> str:
    """The audit page (audit_page.py): the default view's tables (or with columns="all" the full table),
    sortable, with the answers behind every rate, and the chart of --plot (its capability axis: `plot_capability`,
    a cell key)."""
    from lm_eval_deccp.reporting.audit_page import PageTable, render_page

    if columns == "default":
        from lm_eval_deccp.reporting import view

        tables, capability = view.censorship_tables(report), view.capability_table(report)
        page_tables = [PageTable.of_view(table) for table in [*tables, *([capability] if capability else [])]]
        apart = view.apart_lines(report)
        if apart:
            page_tables.append(PageTable.of_lines("apart", "Kept apart: not the benchmark's full question set",
                                                  view.APART_HEADERS, apart))
        return render_page(report, page_tables, view.legend(report, tables, capability), source_lines(report),
                           plot_capability)
    # The Questions column (when shown) is text: None in the page table's columns.
    columns = [*([None] if _has_apart_rows(report) else []), *report.columns, *overall_keys(report)]
    table = PageTable("leaderboard-table", "", _headers(report), columns,
                      [(row, _row_cells(report, row)) for row in report.rows])
    return render_page(report, [table], legend(report), source_lines(report), plot_capability)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
    "html": render_html,
}
