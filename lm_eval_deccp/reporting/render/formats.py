"""Writing a `deccp report` table as markdown, CSV or JSON. Pure formatting: every number comes from the Report, and
the same Report always renders to the same bytes. HTML is the audit page (audit_page/), which also shows the answers
behind the numbers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY, PUBLISHED_OVERALL
from lm_eval_deccp.reporting.render.full_table import (
    QUESTIONS_HEADER,
    column_kind,
    escape_markdown,
    full_headers,
    has_apart_rows,
    legend,
    overall_keys,
    questions_text,
    row_cells,
    source_lines,
)
from lm_eval_deccp.reporting.render.view_markdown import render_view
from lm_eval_deccp.reporting.statistics.censorship_summary import METHOD
from lm_eval_deccp.reporting.table.cells import Cell
from lm_eval_deccp.reporting.table.columns import UNITS, ComparisonColumn, RateColumn
from lm_eval_deccp.reporting.table.report import Report


def render_markdown(report: Report, columns: str = "default") -> str:
    """The default view (table/view.py: small tables that fit 120 columns), or with columns="all" the full table."""
    if columns == "default":
        return render_view(report, source_lines(report))
    headers = full_headers(report)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(headers) - 1)) + "|"]
    for row in report.rows:
        lines.append("| " + " | ".join([escape_markdown(row.model), *row_cells(report, row)]) + " |")
    if has_apart_rows(report):
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


# The formats this module writes, by --format name (html: audit_page.page.render_html).
RENDERERS = {"markdown": render_markdown, "csv": render_csv, "json": render_json}
