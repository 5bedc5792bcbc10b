"""The default view of `deccp report`: small tables a maintainer can paste, each one row per model, that fit 120
terminal columns and a 1,400 px window (`--columns all` gives the full table instead).

What the view shows, table by table (ViewTable): the rows a leaderboard takes (the pooled group rows, then each
language), every censorship rate with its 95% interval, the number of answers it rests on (in the header: every
row of a benchmark table rests on the benchmark's full question set) and the unusable share beside it; each China
gap beside the control rate it subtracts, the controls' *censorship*; the capability Overalls under names that say
which is computed here and which published. Rows not on the benchmark's full question set (`--limit`, a user's own
questions) are never in these tables: `apart_rows` lists them on their own, each number with its own n.

The numbers are the report's cells (report.py), formatted here for markdown and the audit page alike: percent, gaps
in percentage points, interval bounds rounded outward to whole points (a 65-question rate moves in steps of 1.5
points; the rounding widens the interval, never narrows it), `!` where the unusable answers make the number
unreliable (reliability.py), `†` where the interval is lm_eval's standard error."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lm_eval_deccp.registry import display_name
from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY, PUBLISHED_OVERALL
from lm_eval_deccp.reporting.reading.leaderboard_tasks import (
    LEADERBOARD_TASKS,
    SUITES,
    china_tasks,
    control_label,
    control_tasks,
    pooled_group,
    suite_label,
)
from lm_eval_deccp.reporting.statistics.censorship_summary import GAPS, METHOD
from lm_eval_deccp.reporting.table.cells import MISSING, NORMAL_MARK, Cell
from lm_eval_deccp.reporting.table.censorship_cells import CI_NORMAL
from lm_eval_deccp.reporting.table.report import ModelRow, Report

UNRELIABLE_MARK = "!"
UNUSABLE_HEADER = "unus. %"


@dataclass(frozen=True)
class ViewColumn:
    key: str  # the cell's key in ModelRow.cells
    header: str  # without unit and n, which the renderer adds
    kind: str  # "rate", "unusable", "gap" or "capability"
    task: str | None = None  # the task (or group) a rate reads, for the audit page's links


@dataclass(frozen=True)
class ViewTable:
    key: str
    title: str
    columns: tuple[ViewColumn, ...]
    n_in_title: bool = False  # the rates' n go in the title, where the headers would not fit 120 columns


def _rate(task: str, header: str) -> tuple[ViewColumn, ViewColumn]:
    return (ViewColumn(f"{task}:censorship_rate", header, "rate", task),
            ViewColumn(f"{task}:unusable_rate", UNUSABLE_HEADER, "unusable", task))


# How to read each suite's tables: prose, per suite; their columns come from the registry (leaderboard_tasks).
_TITLES = {
    "deccp": ("deccp: censorship on the China questions, by language",
              "deccp: China gap = EN censorship minus the EN controls' censorship (unpaired)"),
    "deccp_plus": ("deccp-plus: censorship on the China questions, by language and script",
                   "deccp-plus: China gap = censorship minus the matched controls' (paired)"),
}


def _pooled_table() -> ViewTable:
    groups = [pooled_group(suite).name for suite in SUITES]
    title = f"One number per suite: censorship on all its China questions (the group rows {', '.join(groups)})"
    return ViewTable("pooled", title, tuple(column for group in groups for column in _rate(group, group)))


def _suite_tables(suite: str) -> tuple[ViewTable, ViewTable]:
    """The suite's China rates by language, and each China gap beside the control rate it subtracts; with more
    than one control the rates' n go in the title, where the headers would not fit 120 columns."""
    key, (china_title, gap_title) = suite_label(suite), _TITLES[suite]
    china = tuple(column for spec in china_tasks(suite) for column in _rate(spec.name, spec.display_name))
    gaps = {gap.baseline_task: gap for gap in GAPS}
    controls = control_tasks(suite)
    gap_columns = tuple(column for control in controls for column in (
        *_rate(control.name, control_label(control)),
        ViewColumn(gaps[control.name].key, f"China gap {display_name(control.pair)}", "gap")))
    return (ViewTable(key, china_title, china),
            ViewTable(f"{key}-gap", gap_title, gap_columns, n_in_title=len(controls) > 1))


CENSORSHIP_TABLES = (_pooled_table(), *(table for suite in SUITES for table in _suite_tables(suite)))
COMPUTED_OVERALL = "Overall % (computed here)"
PUBLISHED_OVERALL_HEADER = "Overall % (published)"
# The tasks a row kept apart lists, one line each (the language rows and the controls; a group row only repeats
# them).
APART_TASKS = LEADERBOARD_TASKS


@dataclass
class Rendered:
    """A view table ready for a renderer: headers, and per row its ModelRow and cell texts (Model excluded)."""

    key: str
    title: str
    columns: list[ViewColumn]
    headers: list[str]
    rows: list[tuple[ModelRow, list[str]]]


def _bound(value: float, outward: str, signed: bool) -> str:
    points = round(value * 100, 6)  # 0.3 * 100 is 30.000000000000004: not a reason to round up to 31
    whole = math.floor(points) if outward == "down" else math.ceil(points)
    return f"{whole:+d}" if signed and whole != 0 else str(whole)


def format_view_cell(cell: Cell, kind: str) -> str:
    """78.5 [69, 88]; a gap +4.2 [-8, +17]; † for an interval from lm_eval's stderr; ! when unreliable."""
    if not cell.present:
        return MISSING
    if kind in ("unusable", "capability"):
        return f"{cell.value * 100:.{cell.decimals or 1}f}"
    signed = kind == "gap"
    text = f"{cell.value * 100:+.1f}" if signed else f"{cell.value * 100:.1f}"
    if cell.low is not None and cell.high is not None:
        text += f" [{_bound(cell.low, 'down', signed)}, {_bound(cell.high, 'up', signed)}]"
        text += NORMAL_MARK if cell.ci_method == CI_NORMAL else ""
    return text + (UNRELIABLE_MARK if cell.unreliable else "")


def _common_n(column: ViewColumn, rows: list[ModelRow]) -> int | None:
    """The number of answers every row's rate in this column rests on, or None when they differ."""
    counts = {row.cells[column.key].n for row in rows if row.cells[column.key].present}
    return counts.pop() if len(counts) == 1 else None


def _header(column: ViewColumn, rows: list[ModelRow], n_in_title: bool = False) -> str:
    if column.kind == "gap":
        return f"{column.header}, pp"
    if column.kind != "rate":
        return column.header
    n = _common_n(column, rows)
    return f"{column.header} % (n={n})" if n is not None and not n_in_title else f"{column.header} %"


def _title(table: ViewTable, columns: list[ViewColumn], rows: list[ModelRow]) -> str:
    if not table.n_in_title:
        return table.title
    counts = [(c.header, _common_n(c, rows)) for c in columns if c.kind == "rate"]
    return table.title + "; n: " + ", ".join(f"{header} {n}" for header, n in counts if n is not None)


def benchmark_rows(report: Report) -> list[ModelRow]:
    return [row for row in report.rows if row.questions.is_benchmark]


def apart_rows(report: Report) -> list[ModelRow]:
    return [row for row in report.rows if not row.questions.is_benchmark]


def censorship_tables(report: Report) -> list[Rendered]:
    """The censorship tables some benchmark row has values in, each without the columns no row has."""
    rendered = []
    for table in CENSORSHIP_TABLES:
        rows = [row for row in benchmark_rows(report) if any(row.cells[c.key].present for c in table.columns)]
        # A rate and its unusable share come and go together.
        columns = [c for c in table.columns
                   if any(row.cells[c.key if c.kind != "unusable" else f"{c.task}:censorship_rate"].present
                          for row in rows)]
        if not rows:
            continue
        texts = [(row, [_with_n(row.cells[c.key], c, rows) for c in columns]) for row in rows]
        rendered.append(Rendered(table.key, _title(table, columns, rows), columns,
                                 [_header(c, rows, table.n_in_title) for c in columns], texts))
    return rendered


def _with_n(cell: Cell, column: ViewColumn, rows: list[ModelRow]) -> str:
    """The cell's text, with its n when the column's rows do not all rest on the same number of answers."""
    text = format_view_cell(cell, column.kind)
    if column.kind == "rate" and cell.present and _common_n(column, rows) is None:
        text += f" n={cell.n}"
    return text


def capability_table(report: Report) -> Rendered | None:
    columns = [ViewColumn(OVERALL_KEY, COMPUTED_OVERALL, "capability")] if report.has_overall else []
    if report.has_published_overall:
        columns.append(ViewColumn(PUBLISHED_OVERALL, PUBLISHED_OVERALL_HEADER, "capability"))
    rows = [row for row in benchmark_rows(report) if any(row.cells[c.key].present for c in columns)]
    if not rows:
        return None
    texts = [(row, [format_view_cell(row.cells[c.key], "capability") for c in columns]) for row in rows]
    return Rendered("capability", "Capability", columns, [c.header for c in columns], texts)


APART_HEADERS = ["Model", "Questions", "Task", "n", "censorship %", UNUSABLE_HEADER]


def apart_lines(report: Report) -> list[list[str]]:
    """One line per task of each row kept apart: model, its mark, task, n, censorship, unusable share."""
    lines = []
    for row in apart_rows(report):
        for task in APART_TASKS:
            rate = row.cells.get(f"{task}:censorship_rate")
            if rate is None or not rate.present:
                continue
            lines.append([row.model, row.questions.mark or "", task, str(rate.n or "?"), format_view_cell(rate, "rate"),
                          format_view_cell(row.cells[f"{task}:unusable_rate"], "unusable")])
    return lines


def legend(report: Report, tables: list[Rendered], capability: Rendered | None) -> list[str]:
    """What the view's numbers mean, only for what it shows."""
    cells = [row.cells[c.key] for table in tables for row, _ in table.rows for c in table.columns]
    cells += [row.cells[f"{task}:censorship_rate"] for row in apart_rows(report) for task in APART_TASKS]
    lines = []
    if tables or apart_rows(report):
        lines.append("Units: % of answers; a China gap in percentage points (pp). n: the answers a rate rests on, one "
                     "per question. [low, high]: " + METHOD + ", bounds rounded outward to whole points"
                     + ("; † from lm_eval's standard error (no samples)" if any(
                         c.ci_method == CI_NORMAL for c in cells) else "") + ".")
        lines.append("Censorship = refused or deflected. The China gap subtracts the controls' censorship (shown "
                     "beside it), not their over-refusal. unus. = unusable answers (empty, degenerate, cut off), "
                     "counted as neither, so the rate could be higher by up to that share. ! = unreliable: the rate "
                     "plus its unusable share lies above the rate's 95% interval (for a gap, either shift leaves "
                     "its interval), so the unusable answers matter more than sampling (docs/report.md).")
    if apart_rows(report):
        lines.append("Kept apart: runs made with lm_eval's --limit, of questions that are not the benchmark's, or of "
                     "part of them; their numbers are not comparable with the tables above.")
    if capability is not None:
        shown = report.overall_columns
        parts = []
        if report.has_overall:
            parts.append(f"{COMPUTED_OVERALL} = unweighted mean of the {len(shown)} capability columns "
                         f"({', '.join(c.header for c in shown)}), each from an lm_eval run or a capability file "
                         f"(Sources); {MISSING} when a model lacks any")
        if report.has_published_overall:
            parts.append(f"{PUBLISHED_OVERALL_HEADER} = the overall score a capability file gives, as its source "
                         "published it (MixEval's is computed over its items, not from the columns: "
                         "docs/mixeval.md). Copy the published figure to compare with the source's "
                         "own leaderboard; the computed mean only compares rows whose columns come from the same "
                         "source")
        lines.append("; ".join(parts) + ". Every capability column: --columns all.")
    return lines
