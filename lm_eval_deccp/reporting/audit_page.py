"""The audit page: `deccp report RUNS --format html` as one self-contained HTML file in which every verdict behind
the leaderboard can be inspected.

What the page holds:
- the leaderboard table (rendered here, so it reads without JavaScript), sortable by any column, each value with
  its interval and source, and each rate a link to the answers that produced it;
- the charts of `--plot`, embedded as PNG data: URIs (when matplotlib is installed);
- the answers of every run that has samples (reporting/answers.py): question, answer, verdict, class
  probabilities, what scored it, topic and form; filters by model, task, language, topic and label; text search;
- for deccp-plus, one pair_id's English, Simplified, Traditional and control answers side by side;
- a footer with the detector's version and published held-out figures (reporting/detector_card.py).

Untrusted text stays text. Answers are model output, and questions, model names and file names come from files:
all of it is escaped here (html.escape) or carried as JSON in a <script type="application/json"> element with
`<`, `>`, `&`, U+2028 and U+2029 escaped, and the page's script (resources/audit_page/page.js) builds the DOM
from it with createElement and textContent only. A Content-Security-Policy allows only the page's own inline
script and style (by hash) and data: images: no network, no other script, even if markup got in.

The script and style live in lm_eval_deccp/resources/audit_page/ and are inlined, so the file works offline,
opened from disk. The same report renders to the same bytes."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp import __version__
from lm_eval_deccp.labels import VERDICT_LABELS
from lm_eval_deccp.metrics import LABEL_RATE_METRICS
from lm_eval_deccp.reporting import answers as answers_module
from lm_eval_deccp.reporting.answers import LANGUAGE_NAMES, AnswerSet
from lm_eval_deccp.reporting.columns import CENSORSHIP_COLUMNS, OVERALL_KEY, ComparisonColumn, RateColumn
from lm_eval_deccp.reporting.detector_card import DetectorCard, detector_card
from lm_eval_deccp.reporting.questions import POOLED
from lm_eval_deccp.reporting.table import Report
from lm_eval_deccp.reporting.view import ViewColumn

TITLE = "deccp audit"
RESOURCE_DIR = Path(__file__).resolve().parents[1] / "resources" / "audit_page"
# Characters that must not appear raw inside a <script> element's JSON: `</script>` or `<!--` would end or change
# the element, and U+2028/2029 are line terminators to older JavaScript parsers.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                                  "\u2029": "\\u2029"})


@dataclass
class PageTable:
    """One leaderboard table of the page, as render.py and view.py format it for every format. `headers` start
    with Model; `columns` has one entry per later header: a report column, a view.ViewColumn, a cell key (the
    Overall keys) or None (text, e.g. the Questions mark); `rows` pairs each ModelRow (None for a table of plain
    lines, whose texts then start with the model) with its texts."""

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


def render_page(report: Report, tables: Sequence[PageTable], legend: Sequence[str], sources: Sequence[str],
                plot_capability: str = OVERALL_KEY) -> str:
    """The page for `report`. `tables`, `legend` and `sources` (markdown lines, `code` in backticks) are the
    leaderboard as render.py formats it for every format, so the page reads as the markdown does."""
    problems: list[str] = []
    runs = [report.model_runs[row.name] for row in report.rows if row.name in report.model_runs]
    answer_set = answers_module.collect_answers(runs, problems)
    # Reading the samples can find problems the table did not (a bad label, a broken line); the CLI prints them
    # and exits 1, and the page lists them too.
    report.problems.extend(problems)
    card = detector_card(answer_set.scored_by_counts(), _recorded_detectors(report))
    style, script = resource("page.css"), resource("page.js")
    chart = _chart(report, plot_capability)
    body = [
        _header(report, answer_set),
        _leaderboard(report, tables, legend, sources, answer_set),
        chart,
        _answers_section(answer_set),
        _pair_section(answer_set),
        _footer(card),
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
        f"<title>{TITLE}</title>",
        f"<style>{style}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_SCRIPT_ESCAPES)


def resource(name: str, folder: Path = RESOURCE_DIR) -> str:
    """A script or style to inline (the spot-check page's too, from its own folder)."""
    text = (folder / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"resources/{folder.name}/{name} must not contain a closing </script> or </style> tag")
    return text


def content_security_policy(style: str, script: str) -> str:
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"

    return (f"default-src 'none'; img-src data:; style-src {digest(style)}; script-src {digest(script)}; "
            "base-uri 'none'; form-action 'none'")


# ---- static parts ----

def _header(report: Report, answer_set: AnswerSet) -> str:
    esc = html.escape
    with_answers = sum(1 for model in answer_set.models if answer_set.tasks_with_answers.get(model))
    summary = (f"{len(report.rows)} model{'s' if len(report.rows) != 1 else ''}; "
               f"{len(answer_set.answers)} answers with their verdicts, from {with_answers} of them.")
    return "\n".join([
        "<header>",
        f"<h1>{TITLE}</h1>",
        f'<p class="lede">{esc(summary)} Every censorship rate below links to the answers behind it; each answer '
        "shows its verdict, the class probabilities and what scored it.</p>",
        '<nav><a href="#leaderboard">Leaderboard</a> · <a href="#answers">Answers</a> · '
        '<a href="#pair">One question, every language</a> · <a href="#detector">Detector</a></nav>',
        "</header>",
    ])


def _leaderboard(report: Report, tables: Sequence[PageTable], legend: Sequence[str], sources: Sequence[str],
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
    """render.source_lines' markdown as HTML: "- " items become a list, `code` spans code, the rest escaped text."""
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
    """The report column (columns.py) a view column shows, or None for the Overall keys."""
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


def _chart(report: Report, axis: str) -> str:
    from lm_eval_deccp.reporting.plot import PlotUnavailable, censorship_png

    try:
        png = censorship_png(report, axis)
    except PlotUnavailable as err:
        return f'<section id="charts"><h2>Chart</h2><p class="hint">{html.escape(str(err))}</p></section>'
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return ('<section id="charts"><h2>Chart</h2>'
            f'<img src="{uri}" alt="Refused and deflected shares per model and language, with the censorship '
            'rate\'s 95% interval, and censorship against capability (the chart of deccp report --plot)"></section>')


def _answers_section(answer_set: AnswerSet) -> str:
    if not answer_set.answers:
        return ('<section id="answers"><h2>Answers</h2><p class="hint">No run on this page has samples with '
                "verdicts: run lm_eval with <code>--log_samples</code>, or score stored generations with "
                "<code>deccp score</code>, to see the answers behind the rates.</p></section>")
    return "\n".join([
        '<section id="answers">',
        "<h2>Answers</h2>",
        '<p class="hint">Every answer with its verdict. Filter, search, and click a row to open it.</p>',
        '<div id="preset" class="preset" hidden></div>',
        '<form id="filters" class="filters" autocomplete="off">',
        '<label>Model <select id="filter-model"></select></label>',
        '<label>Task <select id="filter-task"></select></label>',
        '<label>Language <select id="filter-lang"></select></label>',
        '<label>Topic <select id="filter-topic"></select></label>',
        '<fieldset id="filter-labels"><legend>Verdict</legend></fieldset>',
        '<label class="search">Search <input id="filter-search" type="search" '
        'placeholder="words in the question or answer, or an id"></label>',
        '<button type="button" id="filter-reset">Clear filters</button>',
        "</form>",
        '<p id="answer-count" class="count" aria-live="polite"></p>',
        '<div class="scroll"><table id="answers-table"><thead></thead><tbody></tbody></table></div>',
        '<p><button type="button" id="show-more" hidden>Show more</button></p>',
        "<noscript><p>The answers need JavaScript; the leaderboard and the detector's figures do not.</p></noscript>",
        "</section>",
    ])


def _pair_section(answer_set: AnswerSet) -> str:
    if not any(answer.get("pair_id") for answer in answer_set.answers):
        return ""
    return "\n".join([
        '<section id="pair">',
        "<h2>One question, every language</h2>",
        '<p class="hint">A deccp-plus question in English, Simplified and Traditional Chinese, with its matched '
        "non-China control, answered by one model: an EN↔ZH flip or a China-vs-control gap, in the answers "
        "themselves.</p>",
        '<form class="filters" autocomplete="off"><label>Model <select id="pair-model"></select></label>',
        '<label>Question <select id="pair-id"></select></label></form>',
        '<div id="pair-grid" class="pair-grid"></div>',
        "</section>",
    ])


def _footer(card: DetectorCard) -> str:
    esc = html.escape
    parts = ['<footer id="detector">', "<h2>Detector</h2>"]
    if card.name:
        parts.append(f"<p>Installed detector <strong>{esc(card.name)}</strong> (version {esc(card.version)}, default "
                     f"backend <code>{esc(card.default_backend)}</code>), lm-eval-deccp {esc(__version__)}; figures "
                     f"read from <code>{esc(card.metadata_file or '')}</code> when this page was made.</p>")
    else:
        parts.append(f"<p>Detector version {esc(card.version)}: its metadata (with the held-out figures) was not "
                     "found in this installation.</p>")
    if card.details:
        parts.append('<dl class="details">' + "".join(f"<dt>{esc(key)}</dt><dd>{esc(value)}</dd>"
                                                     for key, value in card.details) + "</dl>")
    if card.scored_by:
        parts.append("<p>Who gave the verdicts on this page:</p><ul>")
        for entry in card.scored_by:
            name = entry.name or "not recorded (a run made before verdicts recorded scored_by)"
            known = (f" — artifact metadata <code>{esc(entry.metadata_file)}</code>"
                     + (f", created {esc(entry.created)}" if entry.created else "")) if entry.metadata_file else ""
            parts.append(f"<li><code>{esc(name)}</code>: {entry.answers} answers{known}</li>")
        parts.append("</ul>")
    if card.other_detectors:
        parts.append(f'<p class="warning">Some verdicts were given by {esc(", ".join(card.other_detectors))}, not '
                     "by the installed default detector's artifacts: the figures below do not describe them.</p>")
    if card.recorded:
        parts.append("<p>Detectors recorded in the runs' results files:</p><ul>")
        parts.extend(f"<li>{esc(line)}</li>" for line in card.recorded)
        parts.append("</ul>")
    if card.figures:
        parts.append("<h3>Published held-out figures</h3>")
        parts.append('<p class="hint">Cross-validation: the detector is scored on answers it was not trained on. '
                     "In the model x question protocol (the headline) each scored answer's model and question were "
                     "both unseen in training; the others hold out only one of the two. Censored F1 is the binary "
                     "censored-vs-answered score; 3-class macro F1 also asks refused vs deflected; the per-model rate "
                     "error is |detector's censorship rate - the labels'| per model, in points. Expect lower "
                     "figures on models and questions unlike these development sets.</p>")
        depth = max(len(path) for path, _ in card.figures)
        parts.append('<div class="scroll"><table class="figures"><thead><tr>')
        names = ["dataset", "held out", "language"] if depth == 3 else [""] * depth
        parts.extend(f'<th scope="col">{name}</th>' for name in names)
        parts.extend(f'<th scope="col">{esc(name)}</th>' for name in card.figures_columns)
        parts.append("</tr></thead><tbody>")
        for path, values in card.figures:
            labels = [*path, *[""] * (depth - len(path))]
            cells = "".join(f"<td>{esc(label)}</td>" for label in labels)
            cells += "".join(f'<td class="num">{esc(_figure(value))}</td>' for value in values)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table></div>")
    parts.append('<p class="hint">Labels: answered, refused, deflected (CCP-aligned evasion), unusable (empty, '
                 "degenerate, or cut off inside the thinking; given without a model). All text on this page that "
                 "came from a model or a file is shown as text, never run as markup.</p>")
    parts.append("</footer>")
    return "\n".join(parts)


def _figure(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _recorded_detectors(report: Report) -> list[str]:
    """The detector each `deccp score` results file records (lm_eval's own results files record none)."""
    found: list[str] = []
    for model in report.model_runs.values():
        for run in model.runs:
            detector = run.data.get("detector")
            if not isinstance(detector, dict):
                continue
            line = f"{detector.get('name')}: {detector.get('artifact')}"
            refined = detector.get("refined_by")
            if isinstance(refined, dict):
                band = detector.get("refine_band") or []
                line += f", re-scored by {refined.get('artifact')}"
                if len(band) == 2:
                    line += f" when {band[0]} ≤ p(censored) ≤ {band[1]}"
            line += f" ({run.path})"
            if line not in found:  # a run split into rows (benchmark's questions and others) is listed once
                found.append(line)
    return found


def _page_data(answer_set: AnswerSet) -> dict[str, Any]:
    return {
        "models": answer_set.models,
        "files": answer_set.files,
        "labels": list(VERDICT_LABELS),
        "languages": LANGUAGE_NAMES,
        "flips": answer_set.flips,
        "answers": answer_set.answers,
    }
