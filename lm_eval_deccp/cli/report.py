"""One row per model: by default small tables that fit a terminal (the pooled group rows and each language's
censorship rate with its 95% interval, the answers it rests on and its unusable share; each China gap beside the
controls' censorship; the capability Overall computed here and the published one); `--columns all` gives every
column in one table (refusal, deflection, over-refusal, EN↔ZH flip share, the capability columns named as in
MixEval). Runs made with lm_eval's --limit or on questions that are not the benchmark's are marked and kept apart.

RESULTS are lm_eval results_*.json files or folders holding them (searched recursively), from lm_eval or from
`deccp score`; runs of the same model are merged. Capability scores can also come from CSV/TSV/JSON tables or
MixEval's score.json (--capabilities). Unusable rows and values are reported on stderr (naming the file, row and
column) and the table is made from the rest; the exit status is then 1. A capability file of which nothing at all
can be used is refused (exit status 2, nothing written): a table without the columns asked for is not a result.

After the table, each model × task's detector rate and the share of answers the detector was unsure of; with
--labels (a spot-check's export, `deccp spot-check`), the corrected (prediction-powered) rates with intervals that
cover the detector's errors, its agreement with the labels, and a mark where the two disagree. `deccp classify`
output (.jsonl) gets the same per group of rows (--group-by, default model,lang), without the leaderboard
(docs/spot_check.md).

  deccp report results/ -o results/leaderboard.md --plot results/leaderboard.png
  deccp report runs/ --capabilities mixeval/score.json --alias Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct
  deccp report runs/ --labels spot_check_labels.jsonl
  deccp report classified.jsonl --labels labels.jsonl --group-by model,lang --format json"""

from __future__ import annotations

import sys
from pathlib import Path

from lm_eval_deccp.reporting.capabilities import PUBLISHED_OVERALL
from lm_eval_deccp.reporting.columns import CAPABILITY_COLUMNS, OVERALL_KEY

FORMATS = ("markdown", "csv", "json", "html")
COLUMNS = ("default", "all")


def add_arguments(parser) -> None:
    parser.add_argument("results", nargs="+", metavar="RESULTS",
                        help="lm_eval results_*.json files or folders holding them (searched recursively), or "
                             "`deccp classify` output (.jsonl)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: from the -o file's extension, else markdown)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the table here instead of stdout")
    parser.add_argument("--columns", choices=COLUMNS, default="default",
                        help="default: small tables that fit 120 columns and a 1,400 px window (the group and "
                             "language rows, each censorship rate with its interval, n and unusable share, each "
                             "China gap beside the controls' censorship, the two Overalls); all: every column in "
                             "one table (refusal, deflection, over-refusal, flip share, each capability column). "
                             "For markdown and html; csv and json always hold every column")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also draw censorship rates per model and language as bars and, for models with "
                             "capability scores, censorship against capability (needs matplotlib)")
    parser.add_argument("--plot-capability", metavar="COLUMN", default=OVERALL_KEY,
                        help="the capability axis of the plot's censorship-vs-capability panels: Overall (default), "
                             f"'{PUBLISHED_OVERALL}', or a capability column such as MMLU")
    parser.add_argument("--capabilities", metavar="FILE", action="append", default=[],
                        help="capability scores from outside lm_eval (repeatable): a .csv/.tsv/.json table with a "
                             "'model' column and columns named as in MixEval, or MixEval's score.json; scores are "
                             "fractions in [0, 1] (docs/report.md)")
    parser.add_argument("--alias", metavar="NAME=MODEL", action="append", default=[],
                        help="report the model named NAME (in a run or a capability file) as MODEL, e.g. "
                             "Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct (repeatable)")
    parser.add_argument("--include-capability-only", action="store_true",
                        help="show models that only a capability file has, as rows without censorship columns "
                             "(without it, such a model is an error: usually a name that needs --alias)")
    parser.add_argument("--labels", metavar="FILE", action="append", default=[],
                        help="labels of randomly drawn answers (JSONL {id, label}; a deccp spot-check export), "
                             "repeatable: adds corrected rates per model and task (per group for classify output)")
    parser.add_argument("--group-by", metavar="FIELD,...",
                        help="classify output: the row fields that make a group (default model,lang)")


def parse_aliases(pairs: list[str]) -> dict[str, str]:
    from lm_eval_deccp.cli import UsageError

    aliases: dict[str, str] = {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        name, target = name.strip(), target.strip()
        if not sep or not name or not target:
            raise UsageError(f"--alias {pair!r}: expected NAME=MODEL, e.g. Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct")
        if aliases.get(name, target) != target:
            raise UsageError(f"--alias {pair!r}: {name!r} is already an alias of {aliases[name]!r}")
        aliases[name] = target
    return aliases


_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".json": "json", ".html": "html",
               ".htm": "html"}


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting.table import build_report
    from lm_eval_deccp.reporting.plot import PlotUnavailable, capability_axis, plot_censorship
    from lm_eval_deccp.reporting.render import RENDERERS
    from lm_eval_deccp.textfiles import TextFileError, check_writable, write_text_atomically

    output = Path(args.output) if args.output else None
    try:
        for path in [args.output, args.plot]:
            if path:
                check_writable(path, "-o" if path == args.output else "--plot")
    except TextFileError as err:
        raise UsageError(str(err)) from None
    chosen = args.format or (_EXTENSIONS.get(output.suffix.lower()) if output else None) or "markdown"
    if args.labels and chosen == "csv":
        raise UsageError("--labels: the corrected rates are in markdown, json and html, not csv")
    from lm_eval_deccp.reporting.labelled_answers import is_classified_output

    if all(is_classified_output(path) for path in args.results):
        return _classified(args, chosen, output)
    if args.group_by:
        raise UsageError("--group-by is for `deccp classify` output; runs are grouped by model and task")
    aliases = parse_aliases(args.alias)
    axis = capability_axis(args.plot_capability)
    if axis is None:
        raise UsageError(f"--plot-capability {args.plot_capability!r}: not a capability column (Overall, "
                         f"'{PUBLISHED_OVERALL}', or one of {', '.join(c.header for c in CAPABILITY_COLUMNS)})")
    report = build_report(args.results, args.capabilities, aliases, args.include_capability_only)
    # Rendered before the messages are printed: the HTML page reads the samples, which can add problems. The page
    # embeds the chart, so it is drawn with --plot-capability.
    render = RENDERERS[chosen]
    text = ("" if not report.rows else render(report, axis, args.columns) if chosen == "html"
            else render(report, args.columns))
    text = _with_groups(text, chosen, args, aliases, report.problems) if report.rows else text
    for note in report.notes:
        print(f"deccp report: note: {note}", file=sys.stderr)
    for problem in report.problems:
        print(f"deccp report: {problem}", file=sys.stderr)
    if not report.rows:
        raise UsageError("no usable results: nothing to report (see the messages above)")
    if report.unusable_capability_files:
        raise UsageError(f"{', '.join(report.unusable_capability_files)}: no capability value could be used (see "
                         f"the messages above); nothing written")
    if output:
        write_text_atomically(output, text)
    else:
        sys.stdout.write(text)
    if args.plot:
        try:
            plot_censorship(report, Path(args.plot), axis)
        except PlotUnavailable as err:
            raise UsageError(str(err)) from None
    return 1 if report.problems else 0


def _with_groups(text: str, chosen: str, args, aliases: dict[str, str], problems: list[str]) -> str:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting.group_report import extend_runs_report
    from lm_eval_deccp.reporting.labelled_answers import AnswersError

    try:
        return extend_runs_report(text, chosen, args.results, aliases, args.labels, problems)
    except AnswersError as err:
        raise UsageError(str(err)) from None


def _classified(args, chosen: str, output: Path | None) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.cli.spot_check import split_fields
    from lm_eval_deccp.reporting.group_report import classified_report
    from lm_eval_deccp.reporting.labelled_answers import AnswersError
    from lm_eval_deccp.textfiles import write_text_atomically

    if chosen == "csv" or args.plot or args.capabilities or args.alias:
        raise UsageError("`deccp classify` output gets a per-group report in markdown, json or html: --plot, "
                         "--capabilities, --alias and csv are for runs")
    try:
        text = classified_report(args.results, split_fields(args.group_by, "--group-by"), args.labels, chosen)
    except AnswersError as err:
        raise UsageError(str(err)) from None
    if output:
        write_text_atomically(output, text)
    else:
        sys.stdout.write(text)
    return 0
