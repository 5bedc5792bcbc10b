"""`deccp report`'s per-group part: the detector's rate, unsure share and (with --labels) the corrected rate of each
model × task of some runs, or of each group of `deccp classify` output. The CLI path of both; the leaderboard table
stays in table/report.py."""

from __future__ import annotations

from typing import Sequence

from lm_eval_deccp.reporting.render import corrected_rates
from lm_eval_deccp.reporting.statistics.corrected import check_labels, group_rates, read_labels
from lm_eval_deccp.reporting.reading.leaderboard_tasks import LEADERBOARD_TASKS
from lm_eval_deccp.reporting.reading.labelled_answers import (
    ALL_TASKS,
    DEFAULT_GROUP_BY,
    Answer,
    from_classified,
    from_runs,
)

RUN_GROUPS = ("model", "task")
FORMATS = ("markdown", "json", "html")


def _rates(answers: Sequence[Answer], label_files: Sequence[str]):
    labels = read_labels(label_files) if label_files else None
    if labels is not None:
        check_labels(answers, labels)
    return group_rates(answers, labels)


def extend_runs_report(text: str, fmt: str, inputs: Sequence[str], aliases: dict[str, str],
                       label_files: Sequence[str], problems: list[str]) -> str:
    """The leaderboard's text with the per-group part added (CSV is one table and is left as it is). Raises
    AnswersError for labels that do not fit the runs."""
    if fmt == "csv":
        return text
    found: list[str] = []  # the table already reported the runs' problems
    # Labels may come from a spot-check of other tasks (--tasks): they are checked against every answer, and the
    # groups shown are the leaderboard's censorship tasks and any other with labels.
    answers = from_runs(inputs, ALL_TASKS, found, aliases)
    labels = read_labels(label_files) if label_files else {}
    check_labels(answers, labels)
    shown = set(LEADERBOARD_TASKS) | {a.group[1] for a in answers if a.key in labels}
    groups = group_rates([a for a in answers if a.group[1] in shown], labels)
    if fmt == "json":
        return corrected_rates.add_to_json(text, groups, RUN_GROUPS)
    if fmt == "html":
        return corrected_rates.add_to_page(text, corrected_rates.html_section(groups, RUN_GROUPS))
    return text + corrected_rates.markdown_section(groups, RUN_GROUPS)


def classified_report(inputs: Sequence[str], group_by: Sequence[str] | None, label_files: Sequence[str],
                      fmt: str) -> str:
    """The per-group report of `deccp classify` output (no leaderboard: the rows carry no capability scores)."""
    names = tuple(group_by or DEFAULT_GROUP_BY)
    groups = _rates(from_classified(inputs, names), label_files)
    if fmt == "json":
        import json

        return json.dumps(corrected_rates.json_groups(groups, names), indent=2, ensure_ascii=False) + "\n"
    section = corrected_rates.markdown_section(groups, names).lstrip("\n")
    if fmt == "html":
        import html

        body = corrected_rates.html_section(groups, names)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-"
                "Policy\" content=\"default-src 'none'\"><title>deccp report</title></head><body>\n"
                f"<h1>{html.escape('deccp report: ' + ', '.join(inputs))}</h1>\n{body}\n</body></html>\n")
    return section
