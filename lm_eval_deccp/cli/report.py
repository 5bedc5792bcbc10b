"""One row per model: censorship columns (EN and ZH refusal, deflection and censorship rates with 95% intervals,
control over-refusal, China-specific gap, EN↔ZH flip share, for deccp and deccp-plus) beside capability columns
named as in MixEval, and an Overall.

RESULTS are lm_eval results_*.json files or folders holding them (searched recursively), from lm_eval or from
`deccp score`; runs of the same model are merged. Unusable files are reported on stderr (naming the file) and the
table is made from the rest; the exit status is then 1.

  deccp report results/ -o results/leaderboard.md --plot results/leaderboard.png"""

from __future__ import annotations

import sys
from pathlib import Path

FORMATS = ("markdown", "csv", "json", "html")


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="lm_eval results_*.json files or folders holding them (searched recursively)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: from the -o file's extension, else markdown)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table here instead of stdout")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also draw censorship rates per model and language (needs matplotlib)")


_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json", ".html": "html",
               ".htm": "html"}


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting.table import build_report
    from lm_eval_deccp.reporting.plot import PlotUnavailable, plot_censorship
    from lm_eval_deccp.reporting.render import RENDERERS

    output = Path(args.output) if args.output else None
    chosen = args.format or (_EXTENSIONS.get(output.suffix.lower()) if output else None) or "markdown"
    report = build_report(args.results)
    # Rendered before the messages are printed: the HTML page reads the samples, which can add problems.
    text = RENDERERS[chosen](report) if report.rows else ""
    for note in report.notes:
        print(f"deccp report: note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"deccp report: {problem}", file=sys.stderr)
    if not report.rows:
        raise UsageError("no usable results: nothing to report (see the messages above)")
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.plot:
        try:
            plot_censorship(report, Path(args.plot))
        except PlotUnavailable as err:
            raise UsageError(str(err)) from None
    return 1 if report.problems else 0
