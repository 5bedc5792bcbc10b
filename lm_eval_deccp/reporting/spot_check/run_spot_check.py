"""`deccp spot-check` from its options to its outputs (cli/spot_check.py parses them): the answers read, the seeded
sample drawn, its reading page written, and, with a judge, the judge's labels of the same sample."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from lm_eval_deccp.reporting.options import CommandError, check_outputs, split_fields
from lm_eval_deccp.reporting.reading.labelled_answers import AnswersError, read_answers
from lm_eval_deccp.reporting.spot_check.page import render_page
from lm_eval_deccp.reporting.spot_check.sample import draw
from lm_eval_deccp.textfiles import write_text_atomically


@dataclass(frozen=True)
class SpotCheckRequest:
    inputs: list[str]
    per_model: int
    seed: int = 0
    output: str | None = None  # the reading page
    tasks: str | None = None  # TASK,...
    group_by: str | None = None  # FIELD,...
    judge_labels: str | None = None  # where the judge's labels go


def check_request(request: SpotCheckRequest) -> None:
    """The options' own problems, before any judge is set up or any answer read."""
    if request.per_model < 1:
        raise CommandError("--per-model must be at least 1")
    if not request.output and not request.judge_labels:
        raise CommandError("nothing to write: give -o FILE.html for the reading page, or --judge-labels FILE.jsonl")
    check_outputs([(request.output, "-o"), (request.judge_labels, "--judge-labels")])


def run_spot_check(request: SpotCheckRequest, judge=None) -> int:
    """Draw, write the page and let `judge` (a JudgeConfig, given with --judge-labels) label the sample."""
    problems: list[str] = []
    try:
        answers, kind = read_answers(request.inputs, split_fields(request.group_by, "--group-by"),
                                     split_fields(request.tasks, "--tasks"), problems)
    except AnswersError as err:
        raise CommandError(str(err)) from None
    for problem in problems:
        print(f"deccp spot-check: {problem}", file=sys.stderr)
    if not answers:
        raise CommandError("no answers with verdicts in the inputs (runs need --log_samples, or use deccp score)")
    sample = draw(answers, request.per_model, request.seed)
    groups = len({answer.group for answer in answers})
    what = "model and task" if kind == "runs" else "group"
    description = (f"{len(sample)} answers: up to {request.per_model} per {what} ({groups} in all), drawn at random "
                   f"(seed {request.seed}) and shown in random order.")
    if request.output:
        write_text_atomically(Path(request.output), render_page(sample, description))
        print(f"deccp spot-check: {description} Page: {request.output}", file=sys.stderr)
    if judge is not None:
        from lm_eval_deccp.reporting.spot_check.judge_labels import judge_sample

        written, unlabelled = judge_sample(sample, judge, Path(request.judge_labels))
        print(f"deccp spot-check: the judge labelled {written} of {len(sample)} answers -> {request.judge_labels}"
              + (f"; {unlabelled} left unlabelled (empty, or the judge gave no label)" if unlabelled else ""),
              file=sys.stderr)
    return 1 if problems else 0
