"""The default view (table/view.py) as markdown that reads in a terminal: each table's columns padded to one width (by
display width, so Chinese model names line up), prose wrapped at WIDTH columns."""

from __future__ import annotations

import textwrap
import unicodedata

from lm_eval_deccp.reporting.table import view
from lm_eval_deccp.reporting.table.report import Report

WIDTH = 120  # the terminal width the view is made for (tables of model names up to ~25 characters fit)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table_lines(headers: list[str], rows: list[list[str]], text_columns: int = 1) -> list[str]:
    """A markdown table with every column padded to its widest cell; the first `text_columns` left-aligned, the
    numbers after them right-aligned."""
    escaped = [[cell.replace("|", "\\|") for cell in row] for row in rows]
    widths = [max(display_width(text) for text in column) for column in zip(headers, *escaped)]

    def line(cells: list[str], right: bool) -> str:
        padded = [cell + " " * (width - display_width(cell)) if index < text_columns or not right
                  else " " * (width - display_width(cell)) + cell
                  for index, (cell, width) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (width + 2)) if index < text_columns else ("-" * (width + 1)) + ":"
                          for index, width in enumerate(widths)) + "|"
    return [line(headers, False), rule, *(line(row, True) for row in escaped)]


def wrap(line: str) -> list[str]:
    """A prose line wrapped at WIDTH; a list item's continuation lines indented under its text."""
    indent = "  " if line.startswith("- ") else ""
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [""]


def render_view(report: Report, sources: list[str]) -> str:
    tables, capability = view.censorship_tables(report), view.capability_table(report)
    lines: list[str] = []
    for table in [*tables, *([capability] if capability else [])]:
        lines += [f"### {table.title}", ""]
        lines += table_lines(["Model", *table.headers], [[row.model, *texts] for row, texts in table.rows])
        lines.append("")
    apart = view.apart_lines(report)
    if apart:
        lines += ["### Kept apart: not the benchmark's full question set (not comparable with the tables above)", ""]
        lines += table_lines(view.APART_HEADERS, apart, text_columns=3)
        lines.append("")
        lines += [wrapped for row in view.apart_rows(report) for wrapped in wrap(f"- {row.name}: {row.questions.detail}")]
        lines.append("")
    for line in view.legend(report, tables, capability):
        lines += wrap(line)
    lines += ["", "Sources:"]
    for line in sources:
        lines += wrap(line)
    return "\n".join(lines) + "\n"
