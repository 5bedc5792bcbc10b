"""The linear models the stages fit (stages.py): a classifier over the three labels as plain (W, b) arrays, and its
out-of-fold log-probabilities over given splits."""

from __future__ import annotations

import numpy as np

from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.model import log_softmax


def fit_linear(x, y, c: float, class_weight=None, kind: str = "logreg", sample_weight=None):
    """Fit a linear classifier and return (W, b) over all three labels.

    kind="svm": a linear SVM (one-vs-rest, liblinear) — 20x faster than multinomial logistic regression on the
    262k hashed n-gram columns; its margins are only used as combiner inputs, which the combiner recalibrates.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if kind == "svm":
        model = LinearSVC(C=c, class_weight=class_weight, random_state=0, max_iter=5000)
    else:
        model = LogisticRegression(C=c, max_iter=2000, class_weight=class_weight)
    model.fit(x, y, sample_weight=sample_weight)
    # A label missing from a training subset would shrink coef_; map back to all three classes.
    w = np.zeros((x.shape[1], len(LABELS)), dtype=np.float32)
    b = np.full(len(LABELS), -30.0, dtype=np.float32)
    if len(model.classes_) == 2:  # binary LR stores one row: class 1 vs class 0
        w[:, model.classes_[1]] = model.coef_[0] / 2
        w[:, model.classes_[0]] = -model.coef_[0] / 2
        b[model.classes_[1]], b[model.classes_[0]] = model.intercept_[0] / 2, -model.intercept_[0] / 2
    else:
        for k, cls in enumerate(model.classes_):
            w[:, cls] = model.coef_[k]
            b[cls] = model.intercept_[k]
    return w, b


def out_of_fold_logp(x, y, splits, c: float, kind: str = "logreg", sample_weight=None) -> np.ndarray:
    """Out-of-fold log-probabilities of a linear model over the given (train, test) splits."""
    out = np.zeros((x.shape[0], len(LABELS)), dtype=np.float32)
    for train, test in splits:
        w, b = fit_linear(x[train], y[train], c, kind=kind,
                          sample_weight=None if sample_weight is None else sample_weight[train])
        out[test] = log_softmax(np.asarray(x[test] @ w) + b)
    return out
