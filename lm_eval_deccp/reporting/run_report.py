"""`deccp report` from its options to its output (cli/report.py parses them): the leaderboard of runs in the format
asked for, with the per-group part after it (detector rates, unsure shares, corrected rates with --labels) and the
chart; or, for `deccp classify` output, the per-group part alone. Messages go to stderr; the exit status is 1
when some input could not be used."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from lm_eval_deccp.reporting.audit_page.page import render_html
from lm_eval_deccp.reporting.options import CommandError, check_outputs, parse_aliases, split_fields
from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS, PUBLISHED_OVERALL
from lm_eval_deccp.reporting.reading.labelled_answers import AnswersError, is_classified_output
from lm_eval_deccp.reporting.render.formats import RENDERERS
from lm_eval_deccp.reporting.render.group_report import classified_report, extend_runs_report
from lm_eval_deccp.reporting.render.plot import PlotUnavailable, capability_axis, plot_censorship
from lm_eval_deccp.reporting.table.report import build_report
from lm_eval_deccp.textfiles import write_text_atomically

_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json", ".html": "html",
               ".htm": "html"}


@dataclass(frozen=True)
class ReportRequest:
    results: list[str]
    output: str | None = None
    format: str | None = None  # None: from the output's extension, else markdown
    columns: str = "default"
    plot: str | None = None
    plot_capability: str = "Overall"
    capabilities: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # NAME=MODEL
    include_capability_only: bool = False
    labels: list[str] = field(default_factory=list)
    group_by: str | None = None  # FIELD,...

    @property
    def chosen_format(self) -> str:
        suffix = Path(self.output).suffix.lower() if self.output else None
        return self.format or (_EXTENSIONS.get(suffix) if suffix else None) or "markdown"


def run_report(request: ReportRequest) -> int:
    check_outputs([(request.output, "-o"), (request.plot, "--plot")])
    if request.labels and request.chosen_format == "csv":
        raise CommandError("--labels: the corrected rates are in markdown, json and html, not csv")
    try:
        if all(is_classified_output(path) for path in request.results):
            return _classified(request)
        return _runs(request)
    except AnswersError as err:
        raise CommandError(str(err)) from None


def _runs(request: ReportRequest) -> int:
    chosen = request.chosen_format
    if request.group_by:
        raise CommandError("--group-by is for `deccp classify` output; runs are grouped by model and task")
    aliases = parse_aliases(request.aliases)
    axis = capability_axis(request.plot_capability)
    if axis is None:
        raise CommandError(f"--plot-capability {request.plot_capability!r}: not a capability column (Overall, "
                          f"'{PUBLISHED_OVERALL}', or one of {', '.join(c.header for c in CAPABILITY_COLUMNS)})")
    report = build_report(request.results, request.capabilities, aliases, request.include_capability_only)
    # Rendered before the messages are printed: the HTML page reads the samples, which can add problems. The page
    # embeds the chart, so it is drawn with --plot-capability.
    text = ("" if not report.rows else render_html(report, axis, request.columns) if chosen == "html"
            else RENDERERS[chosen](report, request.columns))
    if report.rows:
        text = extend_runs_report(text, chosen, request.results, aliases, request.labels, report.problems)
    for note in report.notes:
        print(f"deccp report: note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"deccp report: {problem}", file=sys.stderr)
    if not report.rows:
        raise CommandError("no usable results: nothing to report (see the messages above)")
    if report.unusable_capability_files:
        raise CommandError(f"{', '.join(report.unusable_capability_files)}: no capability value could be used (see "
                          f"the messages above); nothing written")
    _write(request.output, text)
    if request.plot:
        try:
            plot_censorship(report, Path(request.plot), axis)
        except PlotUnavailable as err:
            raise CommandError(str(err)) from None
    return 1 if report.problems else 0


def _classified(request: ReportRequest) -> int:
    chosen = request.chosen_format
    if chosen == "csv" or request.plot or request.capabilities or request.aliases:
        raise CommandError("`deccp classify` output gets a per-group report in markdown, json or html: --plot, "
                          "--capabilities, --alias and csv are for runs")
    group_by = split_fields(request.group_by, "--group-by")
    _write(request.output, classified_report(request.results, group_by, request.labels, chosen))
    return 0


def _write(output: str | None, text: str) -> None:
    if output:
        write_text_atomically(Path(output), text)
    else:
        sys.stdout.write(text)
