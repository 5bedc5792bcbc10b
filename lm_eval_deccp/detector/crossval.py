"""Cross-validation of the detector on the shared dev rows, and the figures it reports.

The headline is the **model × question grid** (`grid_cv`): models are dealt to K_m folds and questions to K_q folds
(grouping.py); in cell (i, j) the test rows are those whose model is in model fold i *and* whose question is in
question fold j, and the training rows those whose model is not in fold i *and* whose question is not in fold j.
A test row's model and question are then both unseen, as on a leaderboard's new model answering new questions;
rows that share only one of the two with the test rows are left out of that cell. Every dev row is scored exactly
once. The exemplar bank is in every training set and never scored.

The one-grouping folds of earlier versions (`grouped_cv`: held out by model *or* by question) are kept as secondary
figures: they let a model's style or a question's wording leak across folds, and overstate held-out accuracy.

A cross-validated verdict is what the shipped detector would say (`verdicts`): `unusable` when
unusable.unusable_reason says so (no model runs), otherwise the threshold rule on the out-of-fold probabilities; a
cascade's probabilities come from its second part for the answers its first part is unsure of (`cascade`, with
cascade.refine_mask, the rule used at run time). Against the dev sets' three labels, `unusable` counts as not answered
(evaluation.py).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lm_eval_deccp.detector.evaluation import RATE_MIN_ROWS, rate_errors, report
from lm_eval_deccp.detector.grouping import assign_folds, grid_cells, model_group, question_group
from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.phrases import baseline_censored
from lm_eval_deccp.labels import UNUSABLE

HEADLINE = "model_x_question"
# The secondary protocols, by the key they hold out.
GROUPINGS = {"held_out_by_model": model_group, "held_out_by_question": question_group}
DEFAULT_GRID = (4, 4)
SECONDARY_FOLDS = 5


@dataclass
class OutOfFold:
    """Out-of-fold probabilities of the dev rows: `index` into the prepared rows, `proba` (n, 3) from a model that
    saw neither the row's model nor its question (or, for a secondary protocol, not its group), `fold` the cell or
    fold that scored each row, `scored_by` which part of a cascade scored it (empty for a single model)."""

    index: np.ndarray
    proba: np.ndarray
    fold: list[str]
    scored_by: list[str] | None = None


def dev_index(prep) -> np.ndarray:
    """The rows that are scored: every row that is not from the exemplar bank."""
    return np.nonzero(~prep.is_exemplar)[0]


def _fit_predict(prep, emb, q_emb, train: np.ndarray, test: np.ndarray, backend_id: str, pipeline):
    from lm_eval_deccp.detector.training import fit_model, predict_prepared

    def part(array, rows):
        return None if array is None else array[rows]

    model = fit_model(prep.subset(train), part(emb, train), part(q_emb, train), backend_id, [], "", pipeline)
    return predict_prepared(model, prep.subset(test), part(emb, test), part(q_emb, test))


def run_splits(prep, emb, q_emb, splits, backend_id: str, name: str, pipeline=None) -> OutOfFold:
    """Out-of-fold scores of the dev rows over `splits` ((label, train, test) positions among the dev rows); the
    exemplar bank joins every training set. `pipeline`: training.Pipeline (default: the shipped one)."""
    dev = dev_index(prep)
    exemplars = np.nonzero(prep.is_exemplar)[0]
    proba = np.zeros((len(dev), len(LABELS)), dtype=np.float32)
    fold = [""] * len(dev)
    seen = np.zeros(len(dev), dtype=np.int64)
    started = time.perf_counter()
    splits = list(splits)
    for k, (label, train, test) in enumerate(splits, 1):
        train_index = np.concatenate([exemplars, dev[np.asarray(train, dtype=np.int64)]])
        test = np.asarray(test, dtype=np.int64)
        proba[test] = _fit_predict(prep, emb, q_emb, train_index, dev[test], backend_id, pipeline)
        seen[test] += 1
        for t in test:
            fold[t] = label
        print(f"  cv {name}: {k}/{len(splits)} folds ({time.perf_counter() - started:.0f}s)", file=sys.stderr)
    assert (seen == 1).all(), "every dev row is scored exactly once"
    return OutOfFold(dev, proba, fold)


def grid_cv(prep, emb, q_emb, grid: tuple[int, int] = DEFAULT_GRID, backend_id: str = "",
            pipeline=None) -> OutOfFold:
    """The headline: the model × question grid over the dev rows (module doc)."""
    dev = dev_index(prep)
    rows = [prep.rows[i] for i in dev]
    cells = grid_cells([model_group(r) for r in rows], [question_group(r) for r in rows],
                       [r.get("source") for r in rows], *grid)
    splits = [(f"m{i}q{j}", train, test) for i, j, train, test in cells]
    return run_splits(prep, emb, q_emb, splits, backend_id, f"model x question {grid[0]}x{grid[1]}", pipeline)


def grouped_cv(prep, emb, q_emb, grouping: str, n_splits: int = SECONDARY_FOLDS, backend_id: str = "",
               pipeline=None) -> OutOfFold:
    """A secondary protocol: hold out all answers of some models, or all answers to some questions (GROUPINGS)."""
    dev = dev_index(prep)
    key = GROUPINGS[grouping]
    keys = [key(prep.rows[i]) for i in dev]
    folds = assign_folds(keys, [prep.rows[i].get("source") for i in dev], n_splits)
    of_row = np.array([folds[k] for k in keys])
    splits = [(f"{grouping}:{f}", np.nonzero(of_row != f)[0], np.nonzero(of_row == f)[0])
              for f in range(n_splits) if (of_row == f).any()]
    return run_splits(prep, emb, q_emb, splits, backend_id, grouping, pipeline)


def cascade(first: OutOfFold, second: OutOfFold, names: tuple[str, str]) -> OutOfFold:
    """The cascade's out-of-fold scores: the second part's for the answers the first is unsure of (cascade.refine_mask),
    the first's otherwise; `scored_by` names the part (as a verdict's `scored_by` does at run time)."""
    from lm_eval_deccp.detector.cascade import refine_mask

    if not (np.array_equal(first.index, second.index) and first.fold == second.fold):
        raise ValueError("the two parts of a cascade were cross-validated on different folds")
    unsure = refine_mask(first.proba)
    return OutOfFold(first.index, np.where(unsure[:, None], second.proba, first.proba), first.fold,
                     [names[u] for u in unsure.astype(int)])


def verdicts(prep, oof: OutOfFold, tau_censored: float) -> list[str]:
    """The label the shipped detector would give each out-of-fold row: `unusable` when the rule says so, else
    censored when p_refused + p_deflected >= tau_censored, then the more probable of refused and deflected."""
    from lm_eval_deccp.detector.model import DetectorModel

    labels = DetectorModel({}, {"thresholds": {"tau_censored": tau_censored}}).labels_from_proba(oof.proba)
    return [UNUSABLE if prep.unusable[i] else label for i, label in zip(oof.index, labels)]


def _figures(gold: Sequence[str], pred: Sequence[str], baseline: Sequence[str], models: Sequence[str],
             per_model: bool) -> dict:
    rep = report(gold, pred)
    errors = rate_errors(gold, pred, models)
    if not per_model:
        errors.pop("per_model")
    return {
        "rows": rep["rows"], "censored_f1": rep["censored"]["f1"],
        "censored_precision": rep["censored"]["precision"], "censored_recall": rep["censored"]["recall"],
        "macro_f1": rep["macro_f1"], "accuracy": rep["accuracy"], "predicted_unusable": rep["predicted_unusable"],
        "baseline_censored_f1": report(gold, baseline)["censored"]["f1"], "rate_error": errors,
    }


def summarise(prep, labelled: dict[str, tuple[OutOfFold, list[str]]], log: Callable[[str], None] | None = None,
              name: str = "") -> dict:
    """{source: {protocol: {lang: figures}}} for each protocol's (out-of-fold scores, verdicts): censored P/R/F1,
    three-class macro F1, predicted-unusable count, the phrase baseline's censored F1, and the per-model rate error
    (evaluation.rate_errors; per model only for the headline)."""
    summary: dict = {}
    for protocol, (oof, pred) in labelled.items():
        for source in sorted({prep.rows[i].get("source") for i in oof.index}):
            for lang in sorted({prep.langs[i] for i in oof.index if prep.rows[i].get("source") == source}):
                sel = [k for k, i in enumerate(oof.index)
                       if prep.rows[i].get("source") == source and prep.langs[i] == lang]
                rows = [oof.index[k] for k in sel]
                figures = _figures(
                    [LABELS[prep.y[i]] for i in rows], [pred[k] for k in sel],
                    ["refused" if baseline_censored(prep.texts[i]) else "answered" for i in rows],
                    [str(prep.rows[i].get("model")) for i in rows], per_model=protocol == HEADLINE)
                summary.setdefault(source, {}).setdefault(protocol, {})[lang] = figures
                if log is not None:
                    err = figures["rate_error"]
                    log(f"cv {name}: {protocol:<20} {source:<19} [{lang}] rows={figures['rows']:>4} "
                        f"censored F1={figures['censored_f1']:.3f} (P {figures['censored_precision']:.3f} "
                        f"R {figures['censored_recall']:.3f}) macro F1={figures['macro_f1']:.3f} "
                        f"rate error mean={err['mean_pp']:.1f} max={err['max_pp']:.1f} pp "
                        f"unusable={figures['predicted_unusable']} (baseline F1={figures['baseline_censored_f1']:.3f})")
    return summary


# ---------------------------------------------------------------- the train-detector command's cross-validation
def protocols(headline_only: bool = False) -> list[str]:
    """The protocols run: the headline grid, then (unless headline_only) the secondary groupings."""
    return [HEADLINE] + ([] if headline_only else list(GROUPINGS))


def cross_validate(prep, emb, q_emb, backend_id: str, run: Sequence[str], grid: tuple[int, int]) -> dict:
    """{protocol: OutOfFold} for each protocol in `run` (the headline grid of `grid`, or a secondary grouping)."""
    out = {}
    for protocol in run:
        t = time.perf_counter()
        if protocol == HEADLINE:
            out[protocol] = grid_cv(prep, emb, q_emb, grid, backend_id=backend_id)
        else:
            out[protocol] = grouped_cv(prep, emb, q_emb, protocol, backend_id=backend_id)
        print(f"  cv {protocol}: {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return out


def record(prep, oofs: dict, name: str, grid: tuple[int, int], tau_censored: float) -> tuple[dict, dict]:
    """(the cross-validation record stored with an artifact, {protocol: verdicts}) for {protocol: OutOfFold}; the
    per-source lines go to stderr."""
    labelled = {protocol: (oof, verdicts(prep, oof, tau_censored)) for protocol, oof in oofs.items()}
    dev = dev_index(prep)
    described = {
        HEADLINE: f"model x question grid, {grid[0]} model folds x {grid[1]} question folds: test rows have "
                  "an unseen model and an unseen question (the headline)",
        "held_out_by_model": f"{SECONDARY_FOLDS} folds by model name across sources (secondary)",
        "held_out_by_question": f"{SECONDARY_FOLDS} folds by question, both languages (secondary)",
    }
    summary = {
        "protocols": {protocol: described[protocol] for protocol in oofs},
        "grid": list(grid),
        "dev_rows": int(len(dev)),
        "dev_rows_unusable": int(prep.unusable[dev].sum()),
        "rate_error_min_rows": RATE_MIN_ROWS,
        **summarise(prep, labelled, log=lambda line: print(line, file=sys.stderr), name=name),
    }
    return summary, {protocol: pred for protocol, (_, pred) in labelled.items()}


def write_out_of_fold(path: Path, prep, oofs: dict, predictions: dict) -> None:
    """One JSON line per dev row and protocol: the verdict of the model that saw neither the row's model nor its
    question (or, for a secondary protocol, not its group). Rows are identified by id, never copied: the dev sets
    are other people's data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for protocol, oof in oofs.items():
            for k, i in enumerate(oof.index):
                row = prep.rows[i]
                scores = np.round(oof.proba[k].astype(float), 4).tolist()
                line = {"id": row.get("id"), "source": row.get("source"), "lang": prep.langs[i],
                        "model": row.get("model"), "label": LABELS[prep.y[i]], "protocol": protocol,
                        "fold": oof.fold[k], "prediction": predictions[protocol][k],
                        "scores": dict(zip(LABELS, scores))}
                if oof.scored_by is not None:
                    line["scored_by"] = oof.scored_by[k]
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(json.dumps({"out_of_fold": str(path)}))
