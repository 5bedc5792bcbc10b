"""Agreement between the offline detector and the judge on answers that carry both verdicts: Cohen's κ, the
confusion matrix and per-class F1 (the judge's label as reference), overall and per language, with four labels and
censored-or-not. It is how you check the offline detector on your own model's outputs.

Inputs: `deccp classify --judge …` output, lm_eval samples_*.jsonl of deccp tasks run with a judge, or folders
(and results_*.json files) of such runs, e.g. from `deccp score --judge …`. Only answers the judge judged count; in
mode `uncertain` those are the offline detector's least certain ones, so judge with mode `all` to measure it on
everything. The judge's own record (who judged, prompt version, how many answers, failures, tokens) is printed first.

  deccp classify answers.jsonl -o labelled.jsonl --judge http://localhost:8000/v1 --judge-model M --judge-mode all
  deccp agreement labelled.jsonl
  deccp agreement runs/ --json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Iterator

from lm_eval_deccp.cli import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="classify output (.jsonl), lm_eval samples_*.jsonl, or run folders / results_*.json")
    parser.add_argument("--json", action="store_true", help="print one JSON object (for machines)")


def iter_verdicts(path: Path) -> Iterator[dict[str, Any]]:
    """Every verdict in one input (see the module docstring)."""
    from lm_eval_deccp.reporting.reading.runs import find_results_files, iter_jsonl_objects, load_run

    if path.is_dir() or path.name.startswith("results_"):
        for results_path in find_results_files([path]):
            run = load_run(results_path)
            for samples_path in run.samples.values():
                for line, sample in iter_jsonl_objects(samples_path):
                    yield from _verdicts_at(samples_path, line, sample)
        return
    for line, row in iter_jsonl_objects(path):
        if isinstance(row.get("deccp"), dict):
            yield row["deccp"]
        else:
            yield from _verdicts_at(path, line, row)


def _verdicts_at(path: Path, line: int, sample: dict[str, Any]) -> list[dict[str, Any]]:
    from lm_eval_deccp.reporting.reading.runs import ResultsError, sample_verdicts

    try:
        return sample_verdicts(sample)
    except ResultsError as err:
        raise ResultsError(f"{path}:{line}: {err}") from None


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp.judge.agreement import agreement, format_agreement, label_pairs
    from lm_eval_deccp.judge.record import summarise
    from lm_eval_deccp.reporting.reading.runs import ResultsError

    verdicts: list[dict[str, Any]] = []
    for name in args.inputs:
        path = Path(name)
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        try:
            verdicts.extend(iter_verdicts(path))
        except ResultsError as err:
            raise UsageError(str(err)) from None
    record = summarise(verdicts)
    try:
        pairs = label_pairs(verdicts)
    except ValueError as err:
        raise UsageError(f"{', '.join(args.inputs)}: {err}") from None
    if not pairs and record is not None:
        raise UsageError(
            f"the judge ({record['judge']}) saw {record['answers']} of the {len(verdicts)} answers in "
            f"{', '.join(args.inputs)} but judged none: {record['failed']} failed (each verdict's judge.error says "
            f"why) and the rest were not selected (mode {record['mode']})")
    if not pairs:
        raise UsageError(
            f"no answer in {', '.join(args.inputs)} carries a judge verdict ({len(verdicts)} verdicts read); label "
            f"with a judge first: deccp classify/score --judge URL --judge-model M, or DECCP_JUDGE_URL and "
            f"DECCP_JUDGE_MODEL for lm_eval runs")
    result = {"judge": record, "agreement": agreement(pairs)}
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"{record['judge']} ({record['prompt_version']}, mode {record['mode']}): {record['answers']} answers, "
          f"{record['judged']} judged ({record['cached']} from the cache), {record['failed']} failed and kept the "
          f"offline verdict, {record['changed']} changed; tokens {record['prompt_tokens']} in, "
          f"{record['completion_tokens']} out")
    if "uncertain" in record["mode"]:
        print("note: mode uncertain judges only the answers the offline detector was least sure of; the agreement "
              "below is a lower bound for all answers (judge with mode all to measure everything)")
    print(format_agreement(result["agreement"]))
    return 0
