"""Calibrate the report's unsure-share flag (reporting/uncertainty.py) on the detector's cross-validation.

    python benchmarks/unsure_flag.py [--oof FILE.jsonl] [--error-pp 10]

A unit is one model's answers in one dev set and language (at least 20 answers; out-of-fold verdicts from
benchmarks/out_of_fold.py). For each: the share of answers the detector was unsure of (final p(censored) in the
refine band; unusable verdicts are not unsure) and its rate error, |detector's censorship rate - the labels'|, in
points. A unit has a large error when it is at least --error-pp points off. Prints, for each threshold on the unsure
share: how many units it flags, and the flag's recall (large-error units flagged) and precision (flagged units with
a large error); then the threshold with the best F1, and the same choice made leaving each dev set out in turn and
scored on it (the threshold is one number fitted to these units, so the in-sample figure flatters it)."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from out_of_fold import out_of_fold  # noqa: E402

CENSORED = {"refused", "deflected"}
MIN_ROWS = 20
THRESHOLDS = [round(0.025 * k, 3) for k in range(1, 17)]


def units(rows: list[dict]) -> list[dict]:
    from lm_eval_deccp.reporting.statistics.uncertainty import is_unsure

    grouped: dict = defaultdict(list)
    for row in rows:
        grouped[(row["source"], row["lang"], str(row["model"]))].append(row)
    found = []
    for (source, lang, model), members in sorted(grouped.items()):
        if len(members) < MIN_ROWS:
            continue
        unsure = [row["prediction"] != "unusable" and is_unsure(row["scores"]["refused"] + row["scores"]["deflected"])
                  for row in members]
        detector = np.mean([row["prediction"] in CENSORED for row in members])
        labels = np.mean([row["label"] in CENSORED for row in members])
        found.append({"source": source, "lang": lang, "model": model, "rows": len(members),
                      "unsure": float(np.mean(unsure)), "error_pp": float(100 * abs(detector - labels))})
    return found


def scores(units_: list[dict], threshold: float, error_pp: float) -> tuple[int, float, float, float]:
    """(flagged, recall, precision, F1) of flagging units whose unsure share is above `threshold`."""
    flagged = [u["unsure"] > threshold for u in units_]
    large = [u["error_pp"] >= error_pp for u in units_]
    hits = sum(f and l for f, l in zip(flagged, large))
    recall = hits / sum(large) if any(large) else float("nan")
    precision = hits / sum(flagged) if any(flagged) else float("nan")
    f1 = 2 * hits / (sum(large) + sum(flagged)) if (any(large) or any(flagged)) else float("nan")
    return sum(flagged), recall, precision, f1


def best(units_: list[dict], error_pp: float) -> float:
    return max(THRESHOLDS, key=lambda t: (np.nan_to_num(scores(units_, t, error_pp)[3]), -t))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oof", default=None, help="out-of-fold verdicts (default: the cache, made when missing)")
    parser.add_argument("--error-pp", type=float, default=10.0, help="a large rate error, in points (default 10)")
    args = parser.parse_args()
    found = units(out_of_fold(args.oof))
    large = sum(u["error_pp"] >= args.error_pp for u in found)
    print(f"{len(found)} units (model x dev set x language, >= {MIN_ROWS} answers); {large} with a rate error >= "
          f"{args.error_pp:g} pp")
    from scipy.stats import spearmanr

    rho = spearmanr([u["unsure"] for u in found], [u["error_pp"] for u in found])
    print(f"Spearman correlation of unsure share and rate error: {rho.statistic:.2f}")
    print("\n| unsure share above | units flagged | recall | precision | F1 |\n| ---: | ---: | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        flagged, recall, precision, f1 = scores(found, threshold, args.error_pp)
        print(f"| {100 * threshold:.1f}% | {flagged} | {recall:.2f} | {precision:.2f} | {f1:.2f} |")
    chosen = best(found, args.error_pp)
    flagged, recall, precision, f1 = scores(found, chosen, args.error_pp)
    print(f"\nbest F1: above {100 * chosen:.1f}%: {flagged} flagged, recall {recall:.2f}, precision {precision:.2f}")
    print("\nleave one dev set out (threshold chosen on the others, scored on it):")
    for source in sorted({u["source"] for u in found}):
        train = [u for u in found if u["source"] != source]
        test = [u for u in found if u["source"] == source]
        threshold = best(train, args.error_pp)
        flagged, recall, precision, _ = scores(test, threshold, args.error_pp)
        large_here = sum(u["error_pp"] >= args.error_pp for u in test)
        print(f"  {source}: threshold {100 * threshold:.1f}%, {flagged} of {len(test)} flagged, "
              f"{large_here} with large errors, recall {recall:.2f}, precision {precision:.2f}")
    worst = sorted(found, key=lambda u: -u["error_pp"])[:8]
    print("\nlargest rate errors: " + "; ".join(f"{u['model']} {u['source']} [{u['lang']}] {u['error_pp']:.1f} pp, "
                                                  f"unsure {100 * u['unsure']:.0f}%" for u in worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
