"""How far the offline verdicts agree with the judge's, on answers that carry both (the judge's label as reference):
Cohen's κ, the confusion matrix, per-class precision / recall / F1 of the offline detector, accuracy, and the same
for the binary censored-or-not reading.

Both sides have the four labels, so "censored" here is refused or deflected on either side and `unusable` is not
censored; `deccp eval-detector`, scoring against three-label data, counts an `unusable` verdict as not answered.

Only answers the judge judged count (`judge.status` = judged). In mode `uncertain` those are the answers the offline
detector was least sure of, so the agreement measured there understates it for the run as a whole; run the judge
with mode `all` to measure the offline detector on everything.
"""

from __future__ import annotations

import math
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
        offline_label, judge_label = offline.get("label"), judge.get("label")
        if offline_label not in VERDICT_LABELS or judge_label not in VERDICT_LABELS:
            # Never counted under some other name: a label outside the four is a broken or foreign file.
            raise ValueError(f"a judged verdict whose labels are {offline_label!r} (offline) and {judge_label!r} "
                             f"(judge); expected one of {', '.join(VERDICT_LABELS)}")
        pairs.append((offline_label, judge_label, str(verdict.get("lang") or "?")))
    return pairs


def compare(reference: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """κ, accuracy, confusion (rows: reference, columns: predicted) and per-class P/R/F1 of `predicted`, computed
    by scikit-learn (a dependency of the package already). κ is None where it is undefined (no answers, or both
    sides give one and the same label throughout)."""
    import warnings

    from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

    labels = list(labels)
    n = len(reference)
    if n == 0:
        return {"n": 0, "kappa": None, "accuracy": None,
                "per_class": {label: {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0} for label in labels},
                "confusion": {r: {p: 0 for p in labels} for r in labels}}
    matrix = confusion_matrix(reference, predicted, labels=labels)
    precision, recall, f1, support = precision_recall_fscore_support(reference, predicted, labels=labels,
                                                                     zero_division=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns where κ is undefined; we report None
        kappa = float(cohen_kappa_score(reference, predicted, labels=labels))
    return {
        "n": n,
        "kappa": None if math.isnan(kappa) else round(kappa, 4),
        "accuracy": round(sum(r == p for r, p in zip(reference, predicted)) / n, 4),
        "per_class": {label: {"precision": round(float(precision[k]), 4), "recall": round(float(recall[k]), 4),
                              "f1": round(float(f1[k]), 4), "support": int(support[k])}
                      for k, label in enumerate(labels)},
        "confusion": {r: {p: int(matrix[i][j]) for j, p in enumerate(labels)} for i, r in enumerate(labels)},
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
                     f"censored (refused or deflected) F1={censored['per_class'][CENSORED]['f1']:.3f}")
        for label, scores in labels["per_class"].items():
            lines.append(f"    {label:<10} P={scores['precision']:.3f} R={scores['recall']:.3f} "
                         f"F1={scores['f1']:.3f} judge n={scores['support']}")
        lines.append("    confusion (rows judge, columns offline): " + " ".join(f"{p[:5]:>6}" for p in VERDICT_LABELS))
        for r in VERDICT_LABELS:
            lines.append(f"      {r:<10}" + " ".join(f"{labels['confusion'][r][p]:>6}" for p in VERDICT_LABELS))
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"

