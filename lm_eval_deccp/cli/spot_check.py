"""Draw a seeded random sample of each model's answers and write a page for reading them blind; or let a judge
label exactly that sample.

INPUTS are runs (lm_eval results_*.json files or folders holding them, with their samples_*.jsonl; by default the
leaderboard's censorship tasks, one language each) or `deccp classify` output (.jsonl rows with an `id`, grouped
by --group-by, default model and lang). From each group (model × task, or the --group-by values) --per-model
answers are drawn at random, seeded. The page (-o, one self-contained HTML file, works offline) shows one answer
at a time with its question, without the detector's verdict or the model's name; keys a/r/d/u label it answered,
refused, deflected or unusable, s skips; the work is kept in the browser across reloads; Export writes the labels
as JSONL (id, label, reader, time, answer_sha256) for `deccp report INPUTS --labels FILE` (docs/spot_check.md).

With --judge-labels FILE, the judge (the --judge flags, or DECCP_JUDGE_*) labels the same sample instead, every
answer with content, and its labels are written in the page's export format (reader: the judge's name). Answers
the judge could not label are left out and counted, never given the detector's verdict.

  deccp spot-check results/ --per-model 20 --seed 1 -o check.html
  deccp spot-check classified.jsonl --per-model 20 --group-by model,lang -o check.html
  deccp spot-check results/ --per-model 20 --seed 1 --judge http://localhost:8000/v1 --judge-model M \\
      --judge-labels judge_labels.jsonl"""

from __future__ import annotations

import argparse

from lm_eval_deccp.cli import UsageError
from lm_eval_deccp.cli.judge_options import add_judge_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUTS",
                        help="lm_eval results files or folders (with samples), or `deccp classify` output .jsonl")
    parser.add_argument("--per-model", type=int, required=True, metavar="N",
                        help="answers to draw per model and task (per group for classify output); all of a "
                             "group's answers when it has fewer")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draw and of the page's order (default 0)")
    parser.add_argument("-o", "--output", metavar="FILE.html", help="write the reading page here")
    parser.add_argument("--tasks", metavar="TASK,...",
                        help="runs: the tasks to draw from (default: the leaderboard's censorship tasks)")
    parser.add_argument("--group-by", metavar="FIELD,...",
                        help="classify output: the row fields that make a group (default model,lang)")
    parser.add_argument("--judge-labels", metavar="FILE.jsonl",
                        help="let the judge label the sample and write its labels here (needs a judge)")
    add_judge_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp.reporting.options import CommandError
    from lm_eval_deccp.reporting.spot_check.run_spot_check import SpotCheckRequest, check_request, run_spot_check

    request = SpotCheckRequest(args.inputs, args.per_model, args.seed, args.output, args.tasks, args.group_by,
                               args.judge_labels)
    try:
        check_request(request)
        return run_spot_check(request, _judge(args) if args.judge_labels else None)
    except CommandError as err:
        raise UsageError(str(err)) from None


def _judge(args: argparse.Namespace):
    import dataclasses

    from lm_eval_deccp.cli.judge_options import judge_config

    config = judge_config(args)
    if not config.enabled:
        raise UsageError("--judge-labels needs a judge: --judge URL --judge-model NAME (or DECCP_JUDGE_URL and "
                         "DECCP_JUDGE_MODEL)")
    return dataclasses.replace(config, mode="all")
