"""The report's corrected rates and detector-uncertainty lines, in each format: a markdown section after the table,
a `groups` list in the JSON document, a static section on the audit page. The leaderboard table itself is left as
table/ and render/ make it.

JSON names scripts read, per group: `corrected` {censorship_rate, ci_low, ci_high, n_labels, refusal_rate,
deflection_rate (each with ci_low/ci_high), lambda}, beside `detector` {the same rates, ci_low, ci_high}; all
fractions in [0, 1]."""

from __future__ import annotations

import html
import json
from typing import Any, Sequence

from lm_eval_deccp.reporting.numbers import percent, percent_interval
from lm_eval_deccp.reporting.statistics.corrected import RATES, GroupRates
from lm_eval_deccp.reporting.statistics.ppi import METHOD as CORRECTED_METHOD
from lm_eval_deccp.reporting.statistics.uncertainty import FLAG_EVIDENCE, FLAG_THRESHOLD, flagged

DISAGREE_MARK = "≠"
FLAG_MARK = "⚑"
SAMPLING_ONLY = ("The detector's intervals cover only the sampling of questions: they treat its verdicts as the "
                 "truth, and do not contain its errors. On answers from models it was not trained on it misses "
                 "about a third of English deflections (docs/detector.md); spot-check a sample of answers "
                 "(deccp spot-check) and pass the labels with --labels for corrected rates with intervals that do.")
SHORT = {"censorship_rate": "censorship", "refusal_rate": "refusal", "deflection_rate": "deflection"}


def _confusion(group: GroupRates) -> str:
    """label→verdict counts of the disagreements, e.g. 'deflected→answered 3'."""
    confusion = group.agreement["confusion"] if group.agreement else {}
    parts = [f"{label}→{verdict} {count}" for label, row in confusion.items() for verdict, count in row.items()
             if label != verdict and count]
    return ", ".join(parts) or "none"


def footnotes(groups: Sequence[GroupRates], has_labels: bool) -> list[str]:
    lines = [SAMPLING_ONLY,
             f"Unsure: share of a group's answers whose p(censored) was in the detector's refine band (0.15–0.85); "
             f"{FLAG_MARK} above {percent(FLAG_THRESHOLD)}%: {FLAG_EVIDENCE}."]
    if has_labels:
        lines.append(f"Corrected: {CORRECTED_METHOD}. Valid when the labelled answers were drawn at random from "
                     "their group (deccp spot-check does). κ and the disagreements (label→verdict) are on the labelled "
                     f"answers. {DISAGREE_MARK}: the detector's censorship interval and the corrected one do not overlap.")
    return lines


NO_SAMPLES = ("The share of answers the detector was unsure of, per model and task, needs the runs' samples "
              "(lm_eval --log_samples, or deccp score), and so does a spot-check.")


def markdown_section(groups: Sequence[GroupRates], group_names: Sequence[str]) -> str:
    """The per-group table and its footnotes; without groups (runs without samples) the footnotes that apply."""
    if not groups:
        return "\n" + _paragraphs([SAMPLING_ONLY, NO_SAMPLES])
    has_labels = any(group.corrected for group in groups)
    header = [*group_names, "answers", "unsure", "detector: censorship [95%]"]
    if has_labels:
        header += ["labels", "corrected: censorship [95%]", "corrected: refusal", "corrected: deflection",
                   "κ", "disagreements (label→verdict)", ""]
    lines = ["", "## Detector verdicts per group" + (" and corrected rates" if has_labels else ""), "",
             "| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for group in groups:
        cells = [name.replace("|", "\\|") for name in group.group]
        cells += [str(group.n_answers), f"{percent(group.unsure)}%" + (f" {FLAG_MARK}" if flagged(group.unsure) else ""),
                  percent_interval(*group.detector["censorship_rate"])]
        if has_labels:
            if group.corrected:
                c = group.corrected
                kappa = group.agreement.get("kappa") if group.agreement else None
                cells += [str(c["censorship_rate"].n_labels),
                          *(percent_interval(c[rate].rate, c[rate].low, c[rate].high) for rate in RATES),
                          "—" if kappa is None else f"{kappa:.2f}", _confusion(group),
                          DISAGREE_MARK if group.disagrees else ""]
            else:
                cells += ["0", "—", "—", "—", "—", "—", ""]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines) + "\n" + _paragraphs(footnotes(groups, has_labels))


def _paragraphs(texts: Sequence[str]) -> str:
    """Footnotes as markdown paragraphs wrapped to fit a 120-column terminal, as the tables above them do."""
    import textwrap

    return "\n\n".join(textwrap.fill(text, width=116, break_on_hyphens=False) for text in texts) + "\n"


def group_json(group: GroupRates, group_names: Sequence[str]) -> dict[str, Any]:
    entry: dict[str, Any] = dict(zip(group_names, group.group))
    entry.update(lang=group.lang, n_answers=group.n_answers, unsure_share=round(group.unsure, 4),
                 unsure_flag=flagged(group.unsure))
    detector: dict[str, Any] = {}
    for rate in RATES:
        value, low, high = group.detector[rate]
        detector.update({rate: value} if rate == "censorship_rate" else {rate: {"value": value}})
        target = detector if rate == "censorship_rate" else detector[rate]
        target.update(ci_low=low, ci_high=high)
    entry["detector"] = detector
    if group.corrected:
        main = group.corrected["censorship_rate"]
        corrected: dict[str, Any] = {"censorship_rate": main.rate, "ci_low": main.low, "ci_high": main.high,
                                     "n_labels": main.n_labels, "lambda": round(main.lam, 4)}
        for rate in ("refusal_rate", "deflection_rate"):
            c = group.corrected[rate]
            corrected[rate] = {"value": c.rate, "ci_low": c.low, "ci_high": c.high}
        corrected["label_censorship_rate"] = main.label_rate
        entry["corrected"] = corrected
        entry["agreement"] = group.agreement
        entry["disagrees"] = group.disagrees
    else:
        entry["corrected"] = None
    return entry


def json_groups(groups: Sequence[GroupRates], group_names: Sequence[str]) -> dict[str, Any]:
    has_labels = any(group.corrected for group in groups)
    return {"group_by": list(group_names), "groups": [group_json(g, group_names) for g in groups],
            "intervals": {"detector": "95% percentile bootstrap over the group's answers; sampling only",
                          "corrected": CORRECTED_METHOD if has_labels else None},
            "footnotes": footnotes(groups, has_labels) if groups else [SAMPLING_ONLY, NO_SAMPLES]}


def add_to_json(document_text: str, groups: Sequence[GroupRates], group_names: Sequence[str]) -> str:
    document = json.loads(document_text)
    document.update(json_groups(groups, group_names))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def html_section(groups: Sequence[GroupRates], group_names: Sequence[str]) -> str:
    """The markdown section's table as static HTML (escaped; the page's script does not touch it)."""
    esc = html.escape
    text = markdown_section(groups, group_names).strip().splitlines()
    if not groups:
        return '<section id="corrected">' + "".join(f'<p class="legend">{esc(line)}</p>' for line in text) + \
            "</section>"
    title = text[0].lstrip("# ")
    rows = [line for line in text if line.startswith("|")]
    notes = [line for line in text[1:] if line and not line.startswith("|")]
    parts = ['<section id="corrected">', f"<h2>{esc(title)}</h2>", '<div class="scroll"><table>']
    for index, line in enumerate(rows):
        if index == 1:
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in line.strip("|").split(" | ")]
        tag = "th" if index == 0 else "td"
        parts.append("<tr>" + "".join(f"<{tag}>{esc(cell)}</{tag}>" for cell in cells) + "</tr>")
    parts.append("</table></div>")
    parts.extend(f'<p class="legend">{esc(note)}</p>' for note in notes)
    parts.append("</section>")
    return "\n".join(parts)


def add_to_page(page: str, section: str) -> str:
    """The audit page with `section` before its detector footer."""
    marker = '<footer id="detector">'
    return page.replace(marker, section + "\n" + marker, 1) if marker in page else page
