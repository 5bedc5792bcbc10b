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

from lm_eval_deccp.reporting.reading.capability_columns import OVERALL_KEY, PUBLISHED_OVERALL

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


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting.options import CommandError
    from lm_eval_deccp.reporting.run_report import ReportRequest, run_report

    request = ReportRequest(args.results, args.output, args.format, args.columns, args.plot, args.plot_capability,
                            args.capabilities, args.alias, args.include_capability_only, args.labels, args.group_by)
    try:
        return run_report(request)
    except CommandError as err:
        raise UsageError(str(err)) from None
