"""Fit and measure the rubric's shift of the verdict (detector/rubric_features.py) on the blind Qwen2 reading.

    python training/rubric_fit.py [--json] [--lambda 1.0] [--mode english only] [--ablations] [--output FILE]
    # needs ../shared (DECCP_SHARED_DIR); --output lm_eval_deccp/detector/artifacts/rubric-v3.json rewrites the
    # shipped weights with this fit, its protocol and figures

The 190 answers of Qwen2-7B-Instruct and its abliterated variant to the 95 deccp questions are scored in process
by the installed detector with the rubric's weights set to zero (its text-only probabilities), and each answer's
rubric reading is kept. A logistic model of the reading's censored / not label (results/qwen2_hand_labels.jsonl)
is fitted with the detector's log-odds as a fixed offset: its weights are the shift the rubric adds. Figures:

- `text only`: the detector without the rubric (the shipped v3 verdicts);
- `in sample`: weights fitted on all rows and applied to them (this is what ships; a figure on tuning data);
- `question CV`: five folds by question (both models' answers to a question in one fold), fitted on four, scored
  on the fifth: an estimate for new answers to these questions;
- `topic CV`: one rubric topic held out at a time: an estimate for questions of a kind not fitted on.
Rows without a rubric are left as the detector says (there are none once every rubric is written). The reading was
used for the diagnosis of v3 before, and is used here to choose; its figures are not a held-out test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LABELS_FILE = REPO / "results" / "qwen2_hand_labels.jsonl"
MODELS = ("qwen2-7b-instruct", "qwen2-7b-instruct-deccp")
FEATURES = ("fact_share", "no_fact", "claims", "off_subject")
SUBSETS = {"deccp_en": "en", "deccp_zh": "zh"}
FITTED_FILES = ("deccp_censored_en.jsonl", "deccp_censored_zh.jsonl")


def rubric_data_sha1() -> str:
    """A fingerprint of the rubric files the fit reads (the canonical censored questions'): the shipped weights
    record it, and tests/detector/test_rubric_verdicts.py says when the rubrics changed after the fit."""
    from lm_eval_deccp.data.rubrics import RUBRIC_DIR

    digest = hashlib.sha1()
    for name in FITTED_FILES:
        path = RUBRIC_DIR / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def scored_rows(shared: Path) -> list[dict]:
    """One row per read answer: gold label, text-only probabilities, the rubric's features, topic, question."""
    from lm_eval_deccp import harness
    from lm_eval_deccp.data import rubrics
    from lm_eval_deccp.detector import rubric_features
    from lm_eval_deccp.judge import JudgeConfig

    rubric_features.WEIGHTS = {}  # text-only probabilities: every language falls back to TEXT_ONLY
    deccp = shared / "data" / "augmxnt-deccp"
    doc_of = {}
    for task, lang in SUBSETS.items():
        for doc_id, doc in enumerate(rubrics.deccp_task_documents(lang, data_dir=deccp)):
            doc_of[doc["question"]] = (task, doc_id)
    reading = {(r["model"], r["task"], r["doc_id"]): r
               for r in map(json.loads, LABELS_FILE.read_text(encoding="utf-8").splitlines()) if r}
    rows = []
    for model in MODELS:
        gens = [json.loads(line) for line in (shared / "data" / "deccp-generations" / f"{model}.jsonl").open()]
        verdicts = harness.label([g["response"] for g in gens], [g["question"] for g in gens],
                                 judge=JudgeConfig())
        for gen, verdict in zip(gens, verdicts):
            task, doc_id = doc_of[gen["question"].strip()]
            read = reading[(model, task, doc_id)]
            if hashlib.sha1(gen["response"].encode("utf-8")).hexdigest()[:12] != read["text_sha1"]:
                raise SystemExit(f"{model} {task} {doc_id}: the reading was of another text")
            rubric = rubrics.rubric_for(gen["question"])
            row = {"model": model, "task": task, "doc_id": doc_id, "lang": SUBSETS[task], "gold": read["label"],
                   "borderline": read["borderline"], "question": gen["question"].strip(),
                   "topic": rubric.topic if rubric else None, "verdict": verdict["label"],
                   "proba": [verdict["p_answered"], verdict["p_refused"], verdict["p_deflected"]]
                   if verdict["p_answered"] is not None else None}
            if "rubric" in verdict:
                found = verdict["rubric"]
                reading_ = rubric_features.RubricReading(tuple(found["facts"]), found["facts_total"],
                                                         tuple(found["claims"]), found["subject"])
                row["x"] = [reading_.features()[f] for f in FEATURES]
                row["reading"] = reading_
            rows.append(row)
    return rows


def fit(rows: list[dict], features: tuple[str, ...], lam: float, text_free: bool = True) -> dict[str, float]:
    """Weights of the logistic model z = text * logit(p_text) + sum(w_f * x_f) + bias, L2-penalised by `lam`
    towards the text-only detector (text 1, the rest 0; the bias too: with few rows a free bias would absorb the
    detector's own calibration). `text_free`: whether the weight on the detector's log-odds is fitted (else 1)."""
    from scipy.optimize import minimize

    from lm_eval_deccp.detector.rubric_features import logit

    usable = [r for r in rows if "x" in r and r["proba"] is not None and r["gold"] != "unusable"]
    if not usable:
        return {"text": 1.0, **dict.fromkeys(FEATURES, 0.0), "bias": 0.0}
    cols = [FEATURES.index(f) for f in features]
    z_text = np.array([logit(r["proba"][1] + r["proba"][2]) for r in usable])
    x = np.array([[r["x"][c] for c in cols] + [1.0] for r in usable])
    if text_free:
        x = np.column_stack([z_text, x])
    offset = z_text if not text_free else np.zeros(len(usable))
    prior = np.zeros(x.shape[1])
    if text_free:
        prior[0] = 1.0
    y = np.array([r["gold"] in ("refused", "deflected") for r in usable], dtype=float)

    def loss(w):
        z = offset + x @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(np.logaddexp(0, z) - y * z) + lam * np.sum((w - prior) ** 2)
        return value, x.T @ (p - y) + 2 * lam * (w - prior)

    w = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B").x
    if not text_free:
        w = np.concatenate([[1.0], w])
    weights = {"text": float(w[0]), **dict.fromkeys(FEATURES, 0.0)}
    weights.update({f: float(w[1 + k]) for k, f in enumerate(features)})
    weights["bias"] = float(w[-1])
    return weights


MODES = ("pooled", "per language", "english only")


def fit_model(rows: list[dict], features: tuple[str, ...], lam: float, mode: str) -> dict[str, dict[str, float]]:
    """Weights by answer language: one set fitted on both languages (`pooled`), one per language, or English
    fitted and Chinese left text-only."""
    from lm_eval_deccp.detector.rubric_features import TEXT_ONLY

    if mode == "pooled":
        weights = fit(rows, features, lam)
        return {"en": weights, "zh": weights}
    fitted = {lang: fit([r for r in rows if r["lang"] == lang], features, lam) for lang in ("en", "zh")}
    return fitted if mode == "per language" else {"en": fitted["en"], "zh": dict(TEXT_ONLY)}


def predict(row: dict, by_lang: dict[str, dict[str, float]] | None) -> str:
    """The verdict's label for `row` with the rubric's shift by its language's weights (None: text only)."""
    weights = None if by_lang is None else by_lang[row["lang"]]
    from lm_eval_deccp.detector.rubric_features import adjust, shift

    if row["proba"] is None:
        return row["verdict"]
    proba = row["proba"]
    if weights is not None and "x" in row:
        proba = adjust(proba, shift(row["reading"], proba[1] + proba[2], weights))
    if proba[1] + proba[2] < 0.5:
        return "answered"
    return "refused" if proba[1] >= proba[2] else "deflected"


def grouped_predictions(rows, features, lam, group_of, mode) -> list[str]:
    groups = sorted({group_of(r) for r in rows}, key=str)
    preds = [None] * len(rows)
    for group in groups:
        train = [r for r in rows if group_of(r) != group]
        weights = fit_model(train, features, lam, mode)
        for k, r in enumerate(rows):
            if group_of(r) == group:
                preds[k] = predict(r, weights)
    return preds


def figures(rows, preds) -> dict:
    from lm_eval_deccp.detector.evaluation import rate_errors, report

    out = {}
    for lang in ("en", "zh"):
        for subset, keep in (("all", lambda r: True), ("no borderline", lambda r: not r["borderline"])):
            chosen = [(r, p) for r, p in zip(rows, preds) if r["lang"] == lang and keep(r) and r["gold"] != "unusable"]
            gold = [r["gold"] for r, _ in chosen]
            pred = [p for _, p in chosen]
            rep = report(gold, pred)
            errors = rate_errors(gold, pred, [r["model"] for r, _ in chosen], min_rows=10)
            out[f"{lang} {subset}"] = {
                "rows": len(chosen), "f1": rep["censored"]["f1"], "precision": rep["censored"]["precision"],
                "recall": rep["censored"]["recall"], "macro_f1": rep["macro_f1"],
                "rates": {m: [round(e["gold_rate"], 1), round(e["detector_rate"], 1)]
                          for m, e in errors["per_model"].items()}}
    return out


def question_folds(rows, k: int = 5):
    """Questions dealt to k folds in a fixed order (sha1 of the question), both models' answers together."""
    order = sorted({r["question"] for r in rows}, key=lambda q: hashlib.sha1(q.encode()).hexdigest())
    fold = {q: i % k for i, q in enumerate(order)}
    return lambda r: fold[r["question"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--lambda", dest="lam", type=float, default=1.0, help="L2 penalty (default 1.0)")
    parser.add_argument("--ablations", action="store_true", help="also every feature subset (question CV)")
    parser.add_argument("--output", type=Path, help="write the weights fitted on all rows, with the figures, here")
    parser.add_argument("--mode", choices=MODES, default="english only",
                        help="weights pooled over both languages, per language, or for English only (default)")
    args = parser.parse_args()
    from lm_eval_deccp.detector.labelled_rows import shared_dir

    shared = shared_dir()
    if not (shared / "data" / "deccp-generations").is_dir():
        print(f"the deccp generations are not under {shared}/data (set DECCP_SHARED_DIR)", file=sys.stderr)
        return 2
    rows = scored_rows(shared)
    with_rubric = sum("x" in r for r in rows)
    weights = fit_model(rows, FEATURES, args.lam, args.mode)
    folds = question_folds(rows)
    results = {
        "rows": len(rows), "rows_with_rubric": with_rubric, "rubric_data_sha1": rubric_data_sha1(),
        "lambda": args.lam, "mode": args.mode,
        "weights": weights,
        "text only": figures(rows, [predict(r, None) for r in rows]),
        "in sample": figures(rows, [predict(r, weights) for r in rows]),
        "question CV": figures(rows, grouped_predictions(rows, FEATURES, args.lam, folds, args.mode)),
        "topic CV": figures(rows, grouped_predictions(rows, FEATURES, args.lam, lambda r: r["topic"], args.mode)),
    }
    if args.ablations:
        from itertools import combinations

        for mode in MODES:
            if mode != args.mode:
                results[f"question CV, {mode}"] = figures(rows, grouped_predictions(rows, FEATURES, args.lam, folds,
                                                                                   mode))
        for n in range(1, len(FEATURES)):
            for subset in combinations(FEATURES, n):
                results[f"question CV, only {'+'.join(subset)}"] = figures(
                    rows, grouped_predictions(rows, subset, args.lam, folds, args.mode))
    if args.output:
        args.output.write_text(json.dumps({
            "what": "weights of the rubric's shift of the verdict (lm_eval_deccp/detector/rubric_features.py)",
            "fitted_by": "python training/rubric_fit.py", "fitted_on": "results/qwen2_hand_labels.jsonl: the blind "
            "reading of the deccp blog's 190 Qwen2 answers (used for diagnosis before, and for this fit: the "
            "in-sample figures are not a test)", **results}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{len(rows)} answers, {with_rubric} with a rubric; lambda {args.lam}")
    for lang, w in weights.items():
        print(f"weights for {lang} (fitted on all rows):", {k: round(v, 3) for k, v in w.items()})
    for name, value in results.items():
        if not isinstance(value, dict) or name == "weights" or not isinstance(value.get("en all"), dict):
            continue
        for subset, f in value.items():
            rates = "; ".join(f"{m[-4:]}: {g} → {d}" for m, (g, d) in f["rates"].items())
            print(f"{name:<40} {subset:<17} n={f['rows']:>3} F1 {f['f1']:.3f} (P {f['precision']:.2f} / "
                  f"R {f['recall']:.2f}) 3-class {f['macro_f1']:.3f}  rates {rates}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
