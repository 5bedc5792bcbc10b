"""Score stored generations without generating again, and write them as an lm_eval run.

Inputs are lm_eval samples_<task>_<date>.jsonl files (re-labelled with the current detector, keeping their tasks
and documents) or JSONL/CSV tables with a question and a response column (vLLM dumps, API logs). Table rows are
split by language into <prefix>_en and <prefix>_zh; questions of the deccp dataset get the deccp tasks' doc ids
(set DECCP_DATA_DIR when offline). Output: OUTDIR/<model>/results_<date>.json and samples_<task>_<date>.jsonl,
read by `deccp report` and `deccp paired` like any lm_eval run.

  deccp score answers.jsonl -o runs/ --model my-model --date 2024-06-10T00:00:00
  deccp score model-a.jsonl model-b.csv -o runs/          # one run per file, named after it"""

from __future__ import annotations

import sys
from pathlib import Path

from lm_eval_deccp.cli.judge_options import add_judge_arguments, judge_config


def add_arguments(parser) -> None:
    parser.add_argument("generations", nargs="+", metavar="GENERATIONS",
                        help="lm_eval samples_*.jsonl files, or JSONL/CSV/TSV tables of questions and responses")
    parser.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                        help="folder to write OUTDIR/<model>/results_<date>.json and samples files into")
    parser.add_argument("--model", help="model name: all inputs form one run of this model (default: one run per "
                                        "input file's name, or for lm_eval samples per model named in the results "
                                        "file beside them)")
    parser.add_argument("--task-prefix", default="deccp",
                        help="table rows score as <prefix>_en / <prefix>_zh (default: deccp)")
    parser.add_argument("--question-column", default="question", help="table column holding the question")
    parser.add_argument("--response-column", default="response", help="table column holding the response")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="leave out rows whose response is missing or not text (counted and reported) instead "
                             "of stopping at the first one")
    parser.add_argument("--lang-column", default="lang",
                        help="table column holding en/zh; when a table lacks it, the language is detected")
    parser.add_argument("--date", help="run time written into the file names and results (ISO 8601, e.g. "
                                       "2024-06-10T00:00:00; default $SOURCE_DATE_EPOCH or now); fix it to make "
                                       "the output byte-identical on every run (with a judge, labels repeat but "
                                       "its record of cache hits and tokens differs between a first run and a "
                                       "re-run)")
    parser.add_argument("--thinking-in-prompt", action="store_true",
                        help="the model's prompts opened a thinking block (a chat template ending in <think>, as "
                             "DeepSeek-R1 distills and QwQ do): generations without a closing marker were cut off "
                             "inside their thinking and are unusable. Without it this is inferred from the "
                             "generations (two or more closing a block they never opened, or an answer that opens "
                             "as thinking)")
    add_judge_arguments(parser)


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.reporting.generations import Columns, InvalidResponse
    from lm_eval_deccp.rescoring import inputs, run_files, scoring
    from lm_eval_deccp.textfiles import TextFileError, check_writable

    def warn(message: str) -> None:
        print(f"deccp score: {message}", file=sys.stderr)

    try:
        moment = run_files.parse_date(args.date)
        check_writable(args.output, "-o", folder=True)
    except (ValueError, TextFileError) as err:
        raise UsageError(str(err)) from None
    judge = judge_config(args)
    columns = Columns(args.question_column, args.response_column, args.lang_column or None)
    try:
        runs, failed = inputs.read_runs(args.generations, columns, args.skip_invalid, args.model, warn)
    except InvalidResponse as err:
        raise UsageError(f"{err}; fix the row or pass --skip-invalid") from None
    if not runs:
        raise UsageError(f"nothing to score: every input was skipped ({', '.join(args.generations)}; see above)")
    catalogue = inputs.catalogue_if_needed(runs, warn)
    for model in sorted(runs):
        paths, generations = runs[model]
        try:
            tasks = scoring.assign_documents(generations, args.task_prefix, catalogue)
            scored = scoring.score_tasks(tasks, judge, True if args.thinking_in_prompt else None)
            detector = scoring.detector_description()
        except ValueError as err:
            raise UsageError(str(err)) from None
        except RuntimeError as err:  # the detector cannot be loaded (DetectorUnavailable): its message says why
            raise UsageError(f"{type(err).__name__}: {err}") from None
        results_path = run_files.write_run(Path(args.output), model, scored, moment, [p.name for p in paths],
                                           detector)
        for line in inputs.summary_lines(model, scored):
            print(line)
        print(f"wrote {results_path}")
    return 1 if failed else 0
