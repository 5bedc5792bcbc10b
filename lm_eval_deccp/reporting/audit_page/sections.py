"""The audit page's other sections: its header, the chart of `--plot`, the answers (filled by the page's script
from the embedded data), one deccp-plus question in every language, and the footer with the detector's version
and published held-out figures (detector_card.py)."""

from __future__ import annotations

import base64
import html
from typing import Any

from lm_eval_deccp import __version__
from lm_eval_deccp.reporting.audit_page.detector_card import DetectorCard
from lm_eval_deccp.reporting.reading.answers import AnswerSet
from lm_eval_deccp.reporting.render.plot import PlotUnavailable, censorship_png
from lm_eval_deccp.reporting.table.report import Report

TITLE = "deccp audit"


def page_header(report: Report, answer_set: AnswerSet) -> str:
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


def chart_section(report: Report, axis: str) -> str:
    try:
        png = censorship_png(report, axis)
    except PlotUnavailable as err:
        return f'<section id="charts"><h2>Chart</h2><p class="hint">{html.escape(str(err))}</p></section>'
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return ('<section id="charts"><h2>Chart</h2>'
            f'<img src="{uri}" alt="Refused and deflected shares per model and language, with the censorship '
            'rate\'s 95% interval, and censorship against capability (the chart of deccp report --plot)"></section>')


def answers_section(answer_set: AnswerSet) -> str:
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


def pair_section(answer_set: AnswerSet) -> str:
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


def detector_footer(card: DetectorCard) -> str:
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


def recorded_detectors(report: Report) -> list[str]:
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
