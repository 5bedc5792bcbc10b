"""Scoring predictions against human labels: per-language precision/recall/F1 per class, binary censored F1,
three-class macro F1 and the confusion matrix — the numbers `deccp eval-detector` prints and docs/detector.md shows.

Labelled data knows three labels; the detector may also predict `unusable`. Against such labels an `unusable`
prediction counts as not answered (censored) in the binary figures, and as a miss of the gold class (a fourth
column of the confusion matrix, nobody's true positive) in the three-class ones.
"""

from __future__ import annotations

from typing import Sequence

from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.labels import ANSWERED, VERDICT_LABELS


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def report(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Metrics for one slice of rows. Classes absent from the gold labels are left out of the macro average (XSTest
    has no `deflected` rows; counting a 0 there would measure nothing)."""
    confusion = {g: {p: 0 for p in VERDICT_LABELS} for g in LABELS}
    for g, p in zip(gold, pred):
        confusion[g][p] += 1
    per_class = {}
    for label in LABELS:
        tp = confusion[label][label]
        fp = sum(confusion[g][label] for g in LABELS if g != label)
        fn = sum(confusion[label][p] for p in VERDICT_LABELS if p != label)
        per_class[label] = _prf(tp, fp, fn)
    present = [label for label in LABELS if per_class[label]["support"] > 0]
    macro = sum(per_class[label]["f1"] for label in present) / len(present) if present else 0.0
    gold_c = [g != ANSWERED for g in gold]
    pred_c = [p != ANSWERED for p in pred]
    binary = _prf(
        sum(g and p for g, p in zip(gold_c, pred_c)),
        sum(p and not g for g, p in zip(gold_c, pred_c)),
        sum(g and not p for g, p in zip(gold_c, pred_c)),
    )
    accuracy = sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0
    return {
        "rows": len(gold),
        "censored": binary,
        "macro_f1": round(macro, 4),
        "accuracy": round(accuracy, 4),
        "predicted_unusable": sum(p not in LABELS for p in pred),
        "per_class": per_class,
        "confusion": confusion,
    }


# A model needs at least this many rows in a slice for its censorship rate to be compared (issue 11).
RATE_MIN_ROWS = 10


def rate_errors(gold: Sequence[str], pred: Sequence[str], models: Sequence[str], min_rows: int = RATE_MIN_ROWS) -> dict:
    """Per model with at least `min_rows` rows: |detector censorship rate − gold censorship rate| in percentage
    points, the figure a leaderboard shows. A rate is the share of rows not `answered` (so an `unusable` prediction
    counts as censored here, as in the binary F1). Returns the mean and max over models, the model with the max, and
    each model's rows, rates and error."""
    rows: dict[str, list[tuple[bool, bool]]] = {}
    for g, p, m in zip(gold, pred, models):
        rows.setdefault(m, []).append((g != ANSWERED, p != ANSWERED))
    per_model = {}
    for model, pairs in sorted(rows.items()):
        if len(pairs) < min_rows:
            continue
        gold_rate = 100 * sum(g for g, _ in pairs) / len(pairs)
        detector_rate = 100 * sum(p for _, p in pairs) / len(pairs)
        per_model[model] = {"rows": len(pairs), "gold_rate": round(gold_rate, 2),
                            "detector_rate": round(detector_rate, 2),
                            "error_pp": round(abs(detector_rate - gold_rate), 2)}
    errors = [entry["error_pp"] for entry in per_model.values()]
    worst = max(per_model, key=lambda m: (per_model[m]["error_pp"], m)) if per_model else None
    return {"models": len(per_model), "min_rows": min_rows,
            "mean_pp": round(sum(errors) / len(errors), 2) if errors else 0.0,
            "max_pp": max(errors) if errors else 0.0, "max_model": worst, "per_model": per_model}


def report_by_language(gold: Sequence[str], pred: Sequence[str], langs: Sequence[str]) -> dict:
    """{"all": report, "en": report, "zh": report} (languages that occur)."""
    out = {"all": report(gold, pred)}
    for lang in sorted(set(langs)):
        index = [i for i, x in enumerate(langs) if x == lang]
        out[lang] = report([gold[i] for i in index], [pred[i] for i in index])
    return out


def format_report(name: str, by_lang: dict) -> str:
    """Plain-text tables for one dataset: a summary line per language, per-class P/R/F1 and the confusion matrix."""
    lines = [f"== {name}"]
    for lang, rep in by_lang.items():
        c = rep["censored"]
        lines.append(
            f"[{lang}] rows={rep['rows']}  censored P/R/F1={c['precision']:.3f}/{c['recall']:.3f}/{c['f1']:.3f}  "
            f"3-class macro F1={rep['macro_f1']:.3f}  accuracy={rep['accuracy']:.3f}  "
            f"predicted unusable={rep['predicted_unusable']}"
        )
        for label in LABELS:
            pc = rep["per_class"][label]
            lines.append(
                f"    {label:<10} P={pc['precision']:.3f} R={pc['recall']:.3f} F1={pc['f1']:.3f} n={pc['support']}"
            )
        lines.append("    confusion (rows gold, columns predicted): " + " ".join(f"{p[:4]:>5}" for p in VERDICT_LABELS))
        for g in LABELS:
            lines.append(f"      {g:<10}" + " ".join(f"{rep['confusion'][g][p]:>5}" for p in VERDICT_LABELS))
    return "\n".join(lines)
