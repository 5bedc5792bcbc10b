"""Writing a `deccp report` table as markdown, CSV, JSON or HTML. Pure formatting: every number comes from
report.Report, and the same Report always renders to the same bytes. HTML is the audit page (audit_page.py), which
also shows the answers behind the numbers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable

from lm_eval_deccp.reporting.censorship_summary import METHOD
from lm_eval_deccp.reporting.table import CI_BOOTSTRAP, CI_NORMAL, Cell, Report
from lm_eval_deccp.reporting.columns import OVERALL_KEY, CapabilityColumn, ComparisonColumn, RateColumn

MISSING = "—"
NORMAL_MARK = "†"


def column_kind(column: Any) -> str:
    if isinstance(column, RateColumn):
        return "rate"
    if isinstance(column, ComparisonColumn):
        return column.kind
    return "capability"


def _percent(value: float, signed: bool = False) -> str:
    return f"{value * 100:+.1f}" if signed else f"{value * 100:.1f}"


def format_cell(cell: Cell, kind: str) -> str:
    """95.4 [90.8, 98.5]; gaps signed, in percentage points; † after an interval from lm_eval's stderr."""
    if not cell.present:
        return MISSING
    signed = kind == "gap"
    text = _percent(cell.value, signed)
    if cell.low is not None and cell.high is not None:
        text += f" [{_percent(cell.low, signed)}, {_percent(cell.high, signed)}]"
        if cell.ci_method == CI_NORMAL:
            text += NORMAL_MARK
    return text


def _headers(report: Report) -> list[str]:
    return ["Model", *(column.header for column in report.columns), *([OVERALL_KEY] if report.has_overall else [])]


def _row_cells(report: Report, row) -> list[str]:
    cells = [format_cell(row.cells[column.key], column_kind(column)) for column in report.columns]
    if report.has_overall:
        cells.append(format_cell(row.cells[OVERALL_KEY], "capability"))
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
        shown = [column for column in report.columns if isinstance(column, CapabilityColumn)]
        lines.append("Capability columns: lm_eval scores × 100, named as in MixEval (task and metric per column: "
                     "docs/report.md).")
        lines.append(f"Overall: unweighted mean of the {len(shown)} capability column(s) shown; {MISSING} when a "
                     f"model lacks any of them.")
    return lines


def render_markdown(report: Report) -> str:
    headers = _headers(report)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|"]
    for row in report.rows:
        lines.append("| " + " | ".join([_escape_markdown(row.model), *_row_cells(report, row)]) + " |")
    lines.append("")
    lines.extend(legend(report))
    lines.append("")
    lines.append("Sources:")
    for row in report.rows:
        lines.append(f"- {_escape_markdown(row.model)}: {', '.join(f'`{s}`' for s in row.sources)}")
    return "\n".join(lines) + "\n"


def _escape_markdown(text: str) -> str:
    return text.replace("|", "\\|")


def render_csv(report: Report) -> str:
    """One row per model; every rate and gap has value, low and high columns (percent, two decimals) and the
    interval's method; empty fields are missing values."""
    header = ["model"]
    for column in report.columns:
        header.append(column.header)
        if column_kind(column) != "capability":
            header += [f"{column.header} low", f"{column.header} high", f"{column.header} CI"]
    if report.has_overall:
        header.append(OVERALL_KEY)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in report.rows:
        fields = [row.model]
        for column in report.columns:
            cell = row.cells[column.key]
            fields.append(_number(cell.value))
            if column_kind(column) != "capability":
                fields += [_number(cell.low), _number(cell.high), cell.ci_method or ""]
        if report.has_overall:
            fields.append(_number(row.cells[OVERALL_KEY].value))
        writer.writerow(fields)
    return out.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def render_json(report: Report) -> str:
    """Values on the 0–1 scale, as lm_eval writes them."""
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
        return {"value": cell.value, "ci": [cell.low, cell.high] if cell.low is not None else None,
                "ci_method": cell.ci_method, "source": cell.source}

    document = {
        "columns": [describe(column) for column in report.columns],
        "overall": ({"key": OVERALL_KEY, "definition": "unweighted mean of the capability columns shown; null when "
                                                       "a model lacks any of them"} if report.has_overall else None),
        "ci_method": METHOD,
        "models": [{
            "model": row.model,
            "sources": row.sources,
            "cells": {column.key: cell_json(row.cells[column.key]) for column in report.columns},
            **({OVERALL_KEY: row.cells[OVERALL_KEY].value} if report.has_overall else {}),
        } for row in report.rows],
        "notes": report.notes,
        "problems": report.problems,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_html(report: Report) -> str:
    """The audit page (audit_page.py): this table, sortable, with the answers behind every rate."""
    from lm_eval_deccp.reporting.audit_page import render_page

    return render_page(report, _headers(report), [_row_cells(report, row) for row in report.rows], legend(report))


RENDERERS: dict[str, Callable[[Report], str]] = {
    "markdown": render_markdown,
    "csv": render_csv,
    "json": render_json,
    "html": render_html,
}
