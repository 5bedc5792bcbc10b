"""How a detector does on labelled files (`deccp eval-detector`): per file and language the figures of
evaluation.py, the phrase-matching baseline on the same rows, how many rows the detector was trained on, and
throughput; as one JSON-able dict (`measure`) and as the command's text (`render`).
"""

from __future__ import annotations

import time

from lm_eval_deccp.detector.evaluation import format_report, report_by_language
from lm_eval_deccp.detector.phrases import baseline_censored
from lm_eval_deccp.text import normalise_response


def measure(detector, datasets: dict[str, list[dict]], batch_size: int, load_seconds: float) -> dict:
    """The figures of `detector` on {name: labelled rows}; `load_seconds` is how long loading it took."""
    result = {"detector": detector.info, "load_seconds": round(load_seconds, 3), "datasets": {}}
    total_rows, total_s = 0, 0.0
    for name, rows in datasets.items():
        t = time.perf_counter()
        verdicts = detector.classify([r.get("response") for r in rows], questions=[r.get("question") for r in rows],
                                     langs=[r.get("lang") for r in rows], batch_size=batch_size)
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
    return result


def render(result: dict, load_seconds: float) -> list[str]:
    """The lines `deccp eval-detector` prints for a `measure` result."""
    info = result["detector"]
    lines = [f"detector {info['name']} backend={info['backend']} artifact={info['artifact']} "
             f"tau_censored={info['tau_censored']} (loaded in {load_seconds:.2f}s)"]
    if "refined_by" in info:
        low, high = info["refine_band"]
        lines.append(f"  answers with p_censored in [{low}, {high}] re-scored by {info['refined_by']['artifact']}")
    for name, res in result["datasets"].items():
        lines.append(format_report(name, res["detector"]))
        trained = res["rows_in_training_data"]
        if trained:
            lines.append(f"    NOTE: {trained} of {res['detector']['all']['rows']} rows were in this detector's "
                         "training data: scores on them are not held-out estimates (docs/detector.md reports "
                         "grouped cross-validation)")
        lines.append("    phrase-matching baseline, censored F1: "
                     + "  ".join(f"[{lang}] {rep['f1']:.3f}" for lang, rep in res["phrase_baseline"].items()))
        lines.append(f"    throughput: {res['responses_per_second']} responses/s")
    total_rows = sum(res["detector"]["all"]["rows"] for res in result["datasets"].values())
    lines.append(f"overall throughput: {result['responses_per_second']} responses/s over {total_rows} rows")
    return lines
