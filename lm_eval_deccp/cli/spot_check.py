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
import sys
from pathlib import Path

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


def split_fields(value: str | None, option: str) -> list[str] | None:
    if value is None:
        return None
    fields = [part.strip() for part in value.split(",") if part.strip()]
    if not fields:
        raise UsageError(f"{option} {value!r}: expected comma-separated names")
    return fields


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp.reporting.labelled_answers import AnswersError, read_answers
    from lm_eval_deccp.reporting.spot_check import draw, render_page

    if args.per_model < 1:
        raise UsageError("--per-model must be at least 1")
    if not args.output and not args.judge_labels:
        raise UsageError("nothing to write: give -o FILE.html for the reading page, or --judge-labels FILE.jsonl")
    from lm_eval_deccp.textfiles import TextFileError, check_writable, write_text_atomically

    try:
        for path, option in ((args.output, "-o"), (args.judge_labels, "--judge-labels")):
            if path:
                check_writable(path, option)
    except TextFileError as err:
        raise UsageError(str(err)) from None
    judge = _judge(args) if args.judge_labels else None
    problems: list[str] = []
    try:
        answers, kind = read_answers(args.inputs, split_fields(args.group_by, "--group-by"),
                                     split_fields(args.tasks, "--tasks"), problems)
    except AnswersError as err:
        raise UsageError(str(err)) from None
    for problem in problems:
        print(f"deccp spot-check: {problem}", file=sys.stderr)
    if not answers:
        raise UsageError("no answers with verdicts in the inputs (runs need --log_samples, or use deccp score)")
    sample = draw(answers, args.per_model, args.seed)
    groups = len({answer.group for answer in answers})
    what = "model and task" if kind == "runs" else "group"
    description = (f"{len(sample)} answers: up to {args.per_model} per {what} ({groups} in all), drawn at random "
                   f"(seed {args.seed}) and shown in random order.")
    if args.output:
        output = Path(args.output)
        write_text_atomically(output, render_page(sample, description))
        print(f"deccp spot-check: {description} Page: {output}", file=sys.stderr)
    if judge is not None:
        from lm_eval_deccp.reporting.judge_labels import judge_sample

        written, unlabelled = judge_sample(sample, judge, Path(args.judge_labels))
        print(f"deccp spot-check: the judge labelled {written} of {len(sample)} answers -> {args.judge_labels}"
              + (f"; {unlabelled} left unlabelled (empty, or the judge gave no label)" if unlabelled else ""),
              file=sys.stderr)
    return 1 if problems else 0


def _judge(args: argparse.Namespace):
    import dataclasses

    from lm_eval_deccp.cli.judge_options import judge_config

    config = judge_config(args)
    if not config.enabled:
        raise UsageError("--judge-labels needs a judge: --judge URL --judge-model NAME (or DECCP_JUDGE_URL and "
                         "DECCP_JUDGE_MODEL)")
    return dataclasses.replace(config, mode="all")
