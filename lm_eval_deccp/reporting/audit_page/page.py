"""The audit page: `deccp report RUNS --format html` as one self-contained HTML file in which every verdict behind
the leaderboard can be inspected.

What the page holds:
- the leaderboard table (rendered here, so it reads without JavaScript), sortable by any column, each value with
  its interval and source, and each rate a link to the answers that produced it;
- the charts of `--plot`, embedded as PNG data: URIs (when matplotlib is installed);
- the answers of every run that has samples (reading/answers.py): question, answer, verdict, class
  probabilities, what scored it, topic and form; filters by model, task, language, topic and label; text search;
- for deccp-plus, one pair_id's English, Simplified, Traditional and control answers side by side;
- a footer with the detector's version and published held-out figures (detector_card.py);
- the task registry (lm_eval_deccp/registry.py) as JSON, from which the script takes task names and their order.
This module assembles the page: leaderboard.py renders its tables, sections.py the rest.

Untrusted text stays text. Answers are model output, and questions, model names and file names come from files:
all of it is escaped (html.escape) or carried as JSON in a <script type="application/json"> element with
`<`, `>`, `&`, U+2028 and U+2029 escaped, and the page's script (resources/audit_page/page.js) builds the DOM
from it with createElement and textContent only. A Content-Security-Policy allows only the page's own inline
script and style (by hash) and data: images: no network, no other script, even if markup got in.

The script and style live in lm_eval_deccp/resources/audit_page/ and are inlined, so the file works offline,
opened from disk. The same report renders to the same bytes."""

from __future__ import annotations

import html
from typing import Any, Sequence

from lm_eval_deccp import __version__, registry
from lm_eval_deccp.labels import VERDICT_LABELS
from lm_eval_deccp.reporting.audit_page import sections
from lm_eval_deccp.reporting.audit_page.detector_card import detector_card
from lm_eval_deccp.reporting.audit_page.flips import flipping_pairs
from lm_eval_deccp.reporting.audit_page.leaderboard import PageTable, leaderboard_section
from lm_eval_deccp.reporting.audit_page.self_contained import (RESOURCES, content_security_policy, page_style, resource,
                                                              script_json)
from lm_eval_deccp.reporting.reading.answers import LANGUAGE_NAMES, AnswerSet, collect_answers
from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY
from lm_eval_deccp.reporting.render import full_table
from lm_eval_deccp.reporting.table import view
from lm_eval_deccp.reporting.table.report import Report

RESOURCE_DIR = RESOURCES / "audit_page"


def render_html(report: Report, plot_capability: str = OVERALL_KEY, columns: str = "default") -> str:
    """`deccp report --format html`: the default view's tables (or with columns="all" the full table), sortable,
    with the answers behind every rate, and the chart of --plot (its capability axis: `plot_capability`, a cell
    key)."""
    if columns == "default":
        tables, capability = view.censorship_tables(report), view.capability_table(report)
        page_tables = [PageTable.of_view(table) for table in [*tables, *([capability] if capability else [])]]
        apart = view.apart_lines(report)
        if apart:
            page_tables.append(PageTable.of_lines("apart", "Kept apart: not the benchmark's full question set",
                                                  view.APART_HEADERS, apart))
        return render_page(report, page_tables, view.legend(report, tables, capability),
                           full_table.source_lines(report), plot_capability)
    # The Questions column (when shown) is text: None in the page table's columns.
    columns = [*([None] if full_table.has_apart_rows(report) else []), *report.columns,
               *full_table.overall_keys(report)]
    table = PageTable("leaderboard-table", "", full_table.full_headers(report), columns,
                      [(row, full_table.row_cells(report, row)) for row in report.rows])
    return render_page(report, [table], full_table.legend(report), full_table.source_lines(report),
                       plot_capability)


def render_page(report: Report, tables: Sequence[PageTable], legend: Sequence[str], sources: Sequence[str],
                plot_capability: str = OVERALL_KEY) -> str:
    """The page for `report`. `tables`, `legend` and `sources` (markdown lines, `code` in backticks) are the
    leaderboard as render/ formats it for every format, so the page reads as the markdown does."""
    problems: list[str] = []
    runs = [report.model_runs[row.name] for row in report.rows if row.name in report.model_runs]
    answer_set = collect_answers(runs, problems)
    answer_set.flips = flipping_pairs(runs)
    # Reading the samples can find problems the table did not (a bad label, a broken line); the CLI prints them
    # and exits 1, and the page lists them too.
    report.problems.extend(problems)
    card = detector_card(answer_set.scored_by_counts(), sections.recorded_detectors(report))
    style, script = page_style(RESOURCE_DIR), resource("page.js", RESOURCE_DIR)
    chart = sections.chart_section(report, plot_capability)
    body = [
        sections.page_header(report, answer_set),
        leaderboard_section(report, tables, legend, sources, answer_set),
        chart,
        sections.answers_section(answer_set),
        sections.pair_section(answer_set),
        sections.detector_footer(card),
        f'<script type="application/json" id="deccp-data">{script_json(_page_data(answer_set))}</script>',
        f"<script>{script}</script>",
    ]
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(style, script)}">',
        f'<meta name="generator" content="lm-eval-deccp {html.escape(__version__)}">',
        f"<title>{sections.TITLE}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def _page_data(answer_set: AnswerSet) -> dict[str, Any]:
    """What the page's script reads: the answers and their models, files and labels, and the task registry (task
    names and the order of one question's tasks)."""
    return {
        "models": answer_set.models,
        "files": answer_set.files,
        "labels": list(VERDICT_LABELS),
        "languages": LANGUAGE_NAMES,
        "flips": answer_set.flips,
        "registry": registry.registry_json(),
        "answers": answer_set.answers,
    }
