"""The stages of the detector's stack (model.py), each a small object that fits its part of the model, gives its
combiner inputs as they are on rows it was not fitted on (out of fold) and describes itself: its hyperparameters
and the combiner columns it feeds. An artifact's metadata is read from the stages that made it
(training.Pipeline: `hyperparameters`, `combiner_features`), so it cannot drift from what was fitted.

In the order of the combiner's input: the pooled keyword SVM, the language keyword SVMs, the phrase features (fixed,
nothing to fit), the question–answer features, the embedding model and its prototype banks; then the combiner, one
logistic regression per language fitted on the out-of-fold outputs of the others (its own out-of-fold figures are
crossval.py's). A stage that does not apply (no embeddings, no question languages) fits nothing and feeds no column
but still states its hyperparameters, as every artifact records them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
import numpy as np

from lm_eval_deccp.detector import features, phrases, question_features
from lm_eval_deccp.detector.grouping import question_group
from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.linear import fit_linear, out_of_fold_logp
from lm_eval_deccp.detector.model import LANGS, PROTOTYPE_TOP_K, DetectorModel, half_precision, language_index


# What inner_splits groups by (as an artifact's metadata says it).
INNER_GROUPING = "question"


def inner_splits(prep, index: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) positions within `index` for the base models' out-of-fold outputs that the combiner is fitted
    on: `folds` folds grouped by question, so that no question straddles the two. (A model × question grid here
    was measured in v3 and gave no consistent gain; docs/detector.md.)"""
    from sklearn.model_selection import GroupKFold

    questions = [question_group(prep.rows[i]) for i in index]
    n_groups = len(set(questions))
    return list(GroupKFold(n_splits=min(folds, n_groups)).split(np.zeros(len(questions)), groups=questions))


# ---------------------------------------------------------------- what every stage reads
@dataclass
class TrainingRows:
    """The rows a model is fitted on (training.Prepared, without the unusable ones) with their embeddings, sample
    weights and the inner folds, and the representations several stages share (computed once)."""

    prep: object  # training.Prepared
    emb: np.ndarray | None
    q_emb: np.ndarray | None
    weight: np.ndarray
    folds: int
    # Per language in LANGS, the rows its language-specific models are fitted on (Pipeline.language_rows).
    per_language: list[np.ndarray]

    @cached_property
    def splits(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return inner_splits(self.prep, np.arange(len(self.prep.texts)), self.folds)

    @cached_property
    def lang_index(self) -> np.ndarray:
        return language_index(self.prep.langs)

    @cached_property
    def idf(self) -> np.ndarray:
        return features.fit_idf(self.prep.counts)

    @cached_property
    def x_kw(self):
        """The answers' tf-idf n-gram features under the idf of these rows."""
        return features.tfidf(self.prep.counts, self.idf)


class Stage:
    """One block of the combiner's input. `fit` stores the stage's arrays in the model (fitted on every row),
    `out_of_fold` returns its block as on unseen rows (None: it feeds no column), `hyperparameters` and
    `feature_names` describe it."""

    name = ""

    def fit(self, rows: TrainingRows, model: DetectorModel) -> None:
        pass

    def out_of_fold(self, rows: TrainingRows, model: DetectorModel, earlier: dict) -> np.ndarray | None:
        raise NotImplementedError

    def hyperparameters(self) -> dict:
        return {}

    def feature_names(self, model: DetectorModel) -> list[str]:
        """The combiner columns this stage feeds in `model` (a model it fitted)."""
        return []


@dataclass
class PooledKeywords(Stage):
    """A linear SVM over the answer's hashed character n-grams, fitted on both languages."""

    c: float
    name = "keyword"

    def fit(self, rows, model):
        model.arrays["idf"] = rows.idf
        w, b = fit_linear(rows.x_kw, rows.prep.y, self.c, kind="svm", sample_weight=rows.weight)
        model.arrays["kw_W"], model.arrays["kw_b"] = half_precision(w), b

    def out_of_fold(self, rows, model, earlier):
        return out_of_fold_logp(rows.x_kw, rows.prep.y, rows.splits, self.c, kind="svm", sample_weight=rows.weight)

    def hyperparameters(self):
        return {"keyword_C": self.c, "ngram_range": list(features.NGRAM_RANGE), "n_features": features.N_FEATURES,
                "keyword_chars": features.KEYWORD_CHARS}

    def feature_names(self, model):
        return [f"keyword:logp_{label}" for label in LABELS]


@dataclass
class LanguageKeywords(Stage):
    """The same SVM fitted on one language's rows, for the languages that have their own (rows.per_language); the
    others read the pooled model's output, and nothing is stored twice (their `kw_lang_slot` is -1)."""

    pooled: PooledKeywords
    name = "keyword_lang"

    def _own(self, rows):
        """(k, that language's training rows) for the languages with their own model."""
        return [(k, mine) for k, mine in enumerate(rows.per_language) if len(mine) != len(rows.prep.texts)]

    def fit(self, rows, model):
        slot = np.full(len(LANGS), -1, dtype=np.int8)
        weights, biases = [], []
        for k, mine in self._own(rows):
            w, b = fit_linear(rows.x_kw[mine], rows.prep.y[mine], self.pooled.c, kind="svm",
                              sample_weight=rows.weight[mine])
            slot[k] = len(weights)
            weights.append(w)
            biases.append(b)
        model.arrays["kw_lang_slot"] = slot
        model.arrays["kw_lang_W"] = (half_precision(np.stack(weights)) if weights else
                                     np.zeros((0, rows.x_kw.shape[1], len(LABELS)), np.float32))
        model.arrays["kw_lang_b"] = np.stack(biases) if biases else np.zeros((0, len(LABELS)), np.float32)

    def out_of_fold(self, rows, model, earlier):
        out = earlier[self.pooled.name].copy()
        for k, mine in self._own(rows):
            oof = out_of_fold_logp(rows.x_kw[mine], rows.prep.y[mine], inner_splits(rows.prep, mine, rows.folds),
                                   self.pooled.c, kind="svm", sample_weight=rows.weight[mine])
            own_language = rows.lang_index[mine] == k
            out[mine[own_language]] = oof[own_language]
        return out

    def feature_names(self, model):
        return [f"keyword_lang:logp_{label}" for label in LABELS]


class Phrases(Stage):
    """The curated phrase-group features (phrases.py): fixed, nothing to fit."""

    name = "phrases"

    def out_of_fold(self, rows, model, earlier):
        return rows.prep.phrase_x

    def feature_names(self, model):
        return list(phrases.FEATURE_NAMES)


@dataclass
class QuestionFeatures(Stage):
    """The lexical question–answer features (question_features.py), for answers in `languages`. Where a feature
    says nothing (no question, another language) it takes its mean over the training rows (`question_fill`)."""

    languages: tuple[str, ...]
    name = "question"

    def _raw(self, rows, model):
        return model.question_raw(rows.x_kw, rows.prep.q_counts, rows.prep.subject_x, rows.prep.has_question,
                                  rows.lang_index)

    def fit(self, rows, model):
        if not self.languages:
            return
        model.arrays["question_langs"] = np.array([lang in self.languages for lang in LANGS], dtype=np.int8)
        # 0 if no training row has a feature: nanmean's warning about that empty mean is expected.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model.arrays["question_fill"] = np.nan_to_num(np.nanmean(self._raw(rows, model), axis=0)).astype(np.float32)

    def out_of_fold(self, rows, model, earlier):
        # Fixed features given the stored means: the same on unseen rows.
        return model.question_block(self._raw(rows, model)) if self.languages else None

    def hyperparameters(self):
        return {"question_feature_languages": list(self.languages)}

    def feature_names(self, model):
        return list(question_features.FEATURE_NAMES) if model.with_question_features else []


@dataclass
class Embeddings(Stage):
    """A logistic regression on the answer's sentence embedding, cosine similarity to the prototype banks (the
    exemplar bank's embeddings, mean of the top-k per class) and the question–answer cosine; only for an
    embedding backend."""

    c: float
    name = "embedding"

    def fit(self, rows, model):
        if rows.emb is None:
            return
        prep = rows.prep
        model.arrays["emb_W"], model.arrays["emb_b"] = fit_linear(rows.emb, prep.y, self.c, sample_weight=rows.weight)
        bank = np.nonzero(prep.is_exemplar)[0]
        if len(bank) == 0:
            raise ValueError("the prototype banks need exemplar rows (source 'exemplars') in the training data")
        model.arrays["proto_emb"] = half_precision(rows.emb[bank])
        model.arrays["proto_label"] = prep.y[bank].astype(np.int8)

    def out_of_fold(self, rows, model, earlier):
        if rows.emb is None:
            return None
        # A training exemplar is not its own nearest prototype.
        bank = np.nonzero(rows.prep.is_exemplar)[0]
        exclude = np.full(len(rows.prep.texts), -1)
        exclude[bank] = np.arange(len(bank))
        block = model.embedding_block(rows.emb, rows.q_emb, exclude=exclude)
        block[:, : len(LABELS)] = out_of_fold_logp(rows.emb, rows.prep.y, rows.splits, self.c,
                                                   sample_weight=rows.weight)
        return block

    def hyperparameters(self):
        return {"embedding_C": self.c, "prototype_top_k": PROTOTYPE_TOP_K}

    def feature_names(self, model):
        if not model.with_embeddings:
            return []
        return ([f"embedding:logp_{label}" for label in LABELS] + [f"prototype:{label}" for label in LABELS]
                + ["question_answer_cosine"])


@dataclass
class Combiner:
    """One multinomial logistic regression per language over the standardised out-of-fold blocks of the stages,
    fitted on that language's training rows (rows.per_language)."""

    c: float
    class_weight: str | None = None

    def fit(self, rows: TrainingRows, model: DetectorModel, z: np.ndarray) -> None:
        fitted = []
        for mine in rows.per_language:
            mean, scale = z[mine].mean(axis=0), z[mine].std(axis=0)
            scale[scale < 1e-6] = 1.0
            w, b = fit_linear((z[mine] - mean) / scale, rows.prep.y[mine], self.c, self.class_weight,
                              sample_weight=rows.weight[mine])
            fitted.append((mean, scale, w, b))
        for key, part in zip(("comb_mean", "comb_scale", "comb_W", "comb_b"), zip(*fitted)):
            model.arrays[key] = np.stack(part).astype(np.float32)

    def hyperparameters(self) -> dict:
        return {"combiner_C": self.c, "combiner_class_weight": self.class_weight}
