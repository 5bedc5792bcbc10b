"""The audit page's leaderboard: the tables as the text formats show them (rendered here, so they read without
JavaScript), sortable by any column, each value with its interval and source in its title, and each rate a button
that lists the answers behind it; then the legend, the sources, the notes and the problems."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Sequence

from lm_eval_deccp.labels import VERDICT_LABELS
from lm_eval_deccp.metrics import LABEL_RATE_METRICS
from lm_eval_deccp.reporting.reading.answers import AnswerSet
from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY
from lm_eval_deccp.reporting.reading.leaderboard_tasks import POOLED
from lm_eval_deccp.reporting.table.columns import CENSORSHIP_COLUMNS, ComparisonColumn, RateColumn
from lm_eval_deccp.reporting.table.report import Report
from lm_eval_deccp.reporting.table.view import ViewColumn


@dataclass
class PageTable:
    """One leaderboard table of the page, as render/full_table.py and table/view.py format it for every format.
    `headers` start with Model; `columns` has one entry per later header: a report column, a view.ViewColumn, a cell
    key (the Overall keys) or None (text, e.g. the Questions mark); `rows` pairs each ModelRow (None for a table of
    plain lines, whose texts then start with the model) with its texts."""

    id: str
    title: str
    headers: list[str]
    columns: list[Any]
    rows: list[tuple[Any, list[str]]]

    @classmethod
    def of_view(cls, table: Any) -> "PageTable":
        return cls(f"view-{table.key}", table.title, ["Model", *table.headers], list(table.columns), table.rows)

    @classmethod
    def of_lines(cls, key: str, title: str, headers: list[str], lines: list[list[str]]) -> "PageTable":
        return cls(f"view-{key}", title, headers, [None] * (len(headers) - 1), [(None, line) for line in lines])


def leaderboard_section(report: Report, tables: Sequence[PageTable], legend: Sequence[str], sources: Sequence[str],
                        answer_set: AnswerSet) -> str:
    esc = html.escape
    parts = ['<section id="leaderboard">', "<h2>Leaderboard</h2>",
             '<p class="hint">Click a column heading to sort. Click a rate to list the answers that produced it.</p>']
    for table in tables:
        parts.extend(_table(table, answer_set, with_answer_counts=table.id == "leaderboard-table"))
    parts.extend(f'<p class="legend">{esc(line)}</p>' for line in legend)
    parts.append("<h3>Sources</h3>")
    parts.extend(_markdown_lines(sources))
    for title, lines in (("Notes", report.notes), ("Problems (these files or parts were left out)", report.problems)):
        if lines:
            parts.append(f"<h3>{esc(title)}</h3><ul class=\"{'problems' if 'Problems' in title else 'notes'}\">")
            parts.extend(f"<li>{esc(line)}</li>" for line in lines)
            parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _table(table: PageTable, answer_set: AnswerSet, with_answer_counts: bool) -> list[str]:
    esc = html.escape
    model_index = {name: index for index, name in enumerate(answer_set.models)}
    parts = [f"<h3>{esc(table.title)}</h3>"] if table.title else []
    parts += [f'<div class="scroll"><table id="{esc(table.id)}" class="leaderboard">', "<thead><tr>",
              f'<th scope="col" data-type="text"><button type="button" class="sort">{esc(table.headers[0])}</button>'
              "</th>"]
    for header, column in zip(table.headers[1:], table.columns):
        kind = "text" if column is None else "number"
        title = f' title="{esc(_column_title(column))}"' if column is not None else ""
        parts.append(f'<th scope="col" data-type="{kind}"{title}><button type="button" class="sort">'
                     f"{esc(header)}</button></th>")
    if with_answer_counts:
        parts.append('<th scope="col" data-type="number" title="answers with verdicts on this page">'
                     '<button type="button" class="sort">answers</button></th>')
    parts.append("</tr></thead><tbody>")
    for row, texts in table.rows:
        if row is None:  # plain lines: the model, then text and numbers as formatted
            cells = [f'<th scope="row" data-value="{esc(texts[0])}">{esc(texts[0])}</th>']
            cells += [f'<td data-value="{esc(text)}">{esc(text)}</td>' for text in texts[1:]]
            parts.append(f'<tr>{"".join(cells)}</tr>')
            continue
        index = model_index.get(row.name)
        tasks_with_answers = set(answer_set.tasks_with_answers.get(row.name, []))
        cells = [f'<th scope="row" data-value="{esc(row.name)}">{esc(row.name)}</th>']
        for column, text in zip(table.columns, texts):
            if column is None:
                cells.append(f'<td data-value="{esc(text)}">{esc(text)}</td>')
                continue
            cell = row.cells[column if isinstance(column, str) else column.key]
            cells.append(_value_cell(index, row.name, column, cell, text, tasks_with_answers, answer_set))
        if with_answer_counts:
            count = sum(1 for answer in answer_set.answers if answer["model"] == index)
            cells.append(f'<td class="num" data-value="{count}"><button type="button" class="drill" '
                         f'data-model="{index}" data-title="all answers">{count}</button></td>' if count else
                         '<td class="missing" title="no samples: run lm_eval with --log_samples, or deccp score">'
                         "—</td>")
        parts.append(f'<tr>{"".join(cells)}</tr>')
    parts.append("</tbody></table></div>")
    return parts


def _markdown_lines(lines: Sequence[str]) -> list[str]:
    """full_table.source_lines' markdown as HTML: "- " items become a list, `code` spans code, the rest escaped text."""
    parts, in_list = [], False
    for line in lines:
        item = line.startswith("- ")
        if item != in_list:
            parts.append('<ul class="sources">' if item else "</ul>")
            in_list = item
        text = line[2:] if item else line
        if not text.strip():
            continue
        pieces = text.replace("\\|", "|").split("`")
        body = "".join(f"<code>{html.escape(piece)}</code>" if odd else html.escape(piece)
                       for odd, piece in ((i % 2 == 1, piece) for i, piece in enumerate(pieces)))
        parts.append(f"<li>{body}</li>" if item else f"<p>{body}</p>")
    if in_list:
        parts.append("</ul>")
    return parts


def _column_title(column: Any) -> str:
    if isinstance(column, ViewColumn):
        column = _report_column(column) or column.key
    if isinstance(column, str):
        return ("Overall: unweighted mean of the capability columns shown" if column == OVERALL_KEY
                else f"{column}: the overall score a capability file publishes, as published")
    if isinstance(column, RateColumn):
        return f"{column.task}: {column.metric}"
    if isinstance(column, ComparisonColumn):
        return f"{column.test_task} vs {column.baseline_task}"
    return f"{', '.join(column.tasks)}: {', '.join(column.metrics)}"


def _value_cell(index: int | None, model: str, column: Any, cell: Any, text: str, tasks_with_answers: set[str],
                answer_set: AnswerSet) -> str:
    esc = html.escape
    if not cell.present:
        return '<td class="missing">—</td>'
    origin = getattr(cell, "origin", None)
    origin_text = f"{origin.source.path} row {origin.row.row}" if origin is not None else None
    unreliable = ("! unreliable: the unusable answers could move it beyond its 95% interval" if cell.unreliable
                  else None)
    source = " · ".join(part for part in (cell.source, origin_text, _interval_note(cell.ci_method), unreliable)
                        if part)
    drill = _drill(index, model, column, tasks_with_answers, answer_set) if index is not None else None
    if drill is None:
        content = esc(text)
        if isinstance(column, (RateColumn, ComparisonColumn)):
            source += " · no samples on this page for these answers"
    else:
        content = f'<button type="button" class="drill" {drill}>{esc(text)}</button>'
    return f'<td class="num" data-value="{cell.value!r}" title="{esc(source)}">{content}</td>'


def _interval_note(method: str | None) -> str:
    return {"bootstrap": "95% bootstrap interval over questions",
            "normal": "95% interval from lm_eval's stderr (no samples)"}.get(method or "", "")


def _report_column(column: Any) -> Any:
    """The report column (table/columns.py) a view column shows, or None for the Overall keys."""
    return next((c for c in CENSORSHIP_COLUMNS if c.key == column.key), None)


def _drill(index: int, model: str, column: Any, tasks_with_answers: set[str], answer_set: AnswerSet) -> str | None:
    """data- attributes telling the page's script which answers a cell's number counts, or None."""
    if isinstance(column, ViewColumn):
        column = _report_column(column)
    if isinstance(column, RateColumn) and column.task in POOLED:
        tasks, labels, flip = list(POOLED[column.task]), sorted(LABEL_RATE_METRICS.get(column.metric, ())), None
    elif isinstance(column, RateColumn):
        tasks, labels, flip = [column.task], sorted(LABEL_RATE_METRICS.get(column.metric, ())), None
    elif isinstance(column, ComparisonColumn):
        tasks = [column.test_task, column.baseline_task]
        if column.kind == "flip":
            labels, flip = list(VERDICT_LABELS), column.key
            if column.key not in answer_set.flips.get(model, {}):
                return None
        else:
            labels, flip = sorted(LABEL_RATE_METRICS["censorship_rate"]), None
    else:
        return None
    if not labels or not set(tasks) <= tasks_with_answers:
        return None
    attributes = {"data-model": str(index), "data-tasks": ",".join(tasks), "data-labels": ",".join(labels),
                  "data-title": column.header}
    if flip:
        attributes["data-flip"] = flip
    return " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
