"""How far the offline verdicts agree with the judge's, on answers that carry both (the judge's label as reference):
Cohen's κ, the confusion matrix, per-class precision / recall / F1 of the offline detector, accuracy, and the same
for the binary censored-or-not reading.

Only answers the judge judged count (`judge.status` = judged). In mode `uncertain` those are the answers the offline
detector was least sure of, so the agreement measured there is a lower bound for the run as a whole; run the judge
with mode `all` to measure the offline detector on everything.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

from lm_eval_deccp.judge.record import STATUS_JUDGED, judge_fields
from lm_eval_deccp.labels import CENSORED_LABELS, VERDICT_LABELS

CENSORED, NOT_CENSORED = "censored", "not_censored"


def label_pairs(verdicts: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(offline label, judge label, language) of every verdict the judge judged."""
    pairs = []
    for verdict in verdicts:
        judge = judge_fields(verdict)
        offline = verdict.get("offline")
        if judge is None or judge.get("status") != STATUS_JUDGED or not isinstance(offline, Mapping):
            continue
        pairs.append((str(offline.get("label")), str(judge.get("label")), str(verdict.get("lang") or "?")))
    return pairs


def cohen_kappa(reference: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Cohen's κ of two labelings of the same items; None when undefined (no items, or both constant and equal)."""
    n = len(reference)
    if n == 0:
        return None
    observed = sum(r == p for r, p in zip(reference, predicted)) / n
    ref_counts, pred_counts = Counter(reference), Counter(predicted)
    expected = sum(ref_counts[label] * pred_counts[label] for label in ref_counts) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": tp + fn}


def compare(reference: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """κ, accuracy, confusion (rows: reference, columns: predicted) and per-class P/R/F1 of `predicted`."""
    confusion = {r: {p: 0 for p in labels} for r in labels}
    for r, p in zip(reference, predicted):
        confusion[r][p] += 1
    per_class = {}
    for label in labels:
        tp = confusion[label][label]
        per_class[label] = _prf(tp, sum(confusion[r][label] for r in labels) - tp,
                                sum(confusion[label].values()) - tp)
    kappa = cohen_kappa(reference, predicted)
    n = len(reference)
    return {
        "n": n,
        "kappa": None if kappa is None else round(kappa, 4),
        "accuracy": round(sum(r == p for r, p in zip(reference, predicted)) / n, 4) if n else None,
        "per_class": per_class,
        "confusion": confusion,
    }


def agreement(pairs: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """Agreement of the offline verdicts with the judge's, overall and per language: four labels and binary."""
    def both(subset: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
        offline = [p[0] for p in subset]
        judge = [p[1] for p in subset]
        return {
            "labels": compare(judge, offline, VERDICT_LABELS),
            "censored": compare([_binary(label) for label in judge], [_binary(label) for label in offline],
                                (CENSORED, NOT_CENSORED)),
        }

    result = {"all": both(pairs)}
    for lang in sorted({p[2] for p in pairs}):
        result[lang] = both([p for p in pairs if p[2] == lang])
    return result


def _binary(label: str) -> str:
    return CENSORED if label in CENSORED_LABELS else NOT_CENSORED


def format_agreement(result: Mapping[str, Any]) -> str:
    """Plain-text tables: a summary line per language, per-class P/R/F1 and the confusion matrix."""
    lines = []
    for lang, parts in result.items():
        labels, censored = parts["labels"], parts["censored"]
        lines.append(f"[{lang}] answers judged={labels['n']}  4-label κ={_num(labels['kappa'])}  "
                     f"accuracy={_num(labels['accuracy'])}  censored-or-not κ={_num(censored['kappa'])}  "
                     f"censored F1={censored['per_class'][CENSORED]['f1']:.3f}")
        for label, scores in labels["per_class"].items():
            lines.append(f"    {label:<10} P={scores['precision']:.3f} R={scores['recall']:.3f} "
                         f"F1={scores['f1']:.3f} judge n={scores['support']}")
        lines.append("    confusion (rows judge, columns offline): " + " ".join(f"{p[:5]:>6}" for p in VERDICT_LABELS))
        for r in VERDICT_LABELS:
            lines.append(f"      {r:<10}" + " ".join(f"{labels['confusion'][r][p]:>6}" for p in VERDICT_LABELS))
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"

