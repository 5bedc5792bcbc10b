"""Fitting the detector on labelled rows.

`prepare` turns labelled rows into what the model reads (once: the n-gram counts and phrase features of every row
are computed here and sliced by `Prepared.subset`, so cross-validation does not recompute them per fold), and marks
the rows the shipped detector would label `unusable` without a model (unusable.py): those are never trained on,
since at run time no model sees them. `fit_model` trains the whole stack (see model.py) with a `Pipeline` of the
stages in stages.py and returns a DetectorModel whose metadata the stages describe. Cross-validation is in
crossval.py; the train-detector command's work in build.py.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from lm_eval_deccp.detector import features, phrases, question_features, stages
from lm_eval_deccp.detector.answer_text import detector_text, split_response
from lm_eval_deccp.detector.embeddings import embedding_head
from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.model import LABEL_RULE, LANGS, DetectorModel, language_index, text_fingerprints
from lm_eval_deccp.detector.shipped_artifacts import DETECTOR_VERSION
from lm_eval_deccp.detector.unusable import unusable_reason
from lm_eval_deccp.text import as_text, detect_lang

# Regularisation chosen by grouped CV on the dev sets (see docs/detector.md); larger C = weaker regularisation.
KEYWORD_C = 1.0
EMBEDDING_C = 1.0
COMBINER_C = 0.3
TAU_CENSORED = 0.5
INNER_FOLDS = 5
EXEMPLAR_WEIGHT = 0.5
# Languages whose keyword model and combiner are fitted on their own rows. Chinese gains from it in grouped CV
# (its deflections have their own vocabulary); English loses (SpeechMap English held out by model 0.880 against
# 0.893 pooled), so English uses the pooled models.
LANGUAGE_SPECIFIC = ("zh",)
# A language with fewer training rows than this (or without all three labels) gets its language-specific models
# fitted on every row instead: a handful of rows would make a noisy model, not a language-aware one.
MIN_LANGUAGE_ROWS = 60
# The languages whose combiner reads the question–answer features of question_features.py; () for none. Measured
# in the model x question cross-validation (docs/detector.md): in English they raise censored F1 on SpeechMap
# (China 0.914 -> 0.934, criticism 0.679 -> 0.788, keyword model); in Chinese they leave censored F1 unchanged
# and lower three-class macro F1 (0.724 -> 0.682), so Chinese answers do without them.
QUESTION_LANGUAGES: tuple[str, ...] = ("en",)


@dataclass
class Prepared:
    """Labelled rows turned into what the model reads. `unusable[i]`: the detector labels row i `unusable` without
    a model. Computed once per row: `counts` (the answer's hashed n-gram counts), `phrase_x` (phrase features),
    `q_counts` (the question's n-gram counts) and `subject_x` (question_features.subject_shares)."""

    rows: list[dict]
    texts: list[str]
    questions: list[str]
    langs: list[str]
    y: np.ndarray
    is_exemplar: np.ndarray
    unusable: np.ndarray
    counts: sp.csr_matrix
    phrase_x: np.ndarray
    q_counts: sp.csr_matrix
    subject_x: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)

    def subset(self, index: np.ndarray) -> "Prepared":
        index = np.asarray(index, dtype=np.int64)
        return Prepared(
            [self.rows[i] for i in index], [self.texts[i] for i in index], [self.questions[i] for i in index],
            [self.langs[i] for i in index], self.y[index], self.is_exemplar[index], self.unusable[index],
            self.counts[index], self.phrase_x[index], self.q_counts[index], self.subject_x[index],
        )

    @property
    def has_question(self) -> np.ndarray:
        return np.array([bool(q.strip()) for q in self.questions], dtype=bool)


def prepare(rows: Sequence[dict]) -> Prepared:
    texts = [detector_text(r.get("response")) for r in rows]
    questions = [as_text(r.get("question"))[:1000] for r in rows]
    langs = [r.get("lang") if r.get("lang") in ("en", "zh") else detect_lang(t) for r, t in zip(rows, texts)]
    y = np.array([LABELS.index(r["label"]) for r in rows], dtype=np.int64)
    is_exemplar = np.array([r.get("source") == "exemplars" for r in rows], dtype=bool)
    # With the question, as at run time (an answer that only echoes its question is unusable there too).
    unusable = np.array([unusable_reason(split_response(r.get("response")), as_text(r.get("question"))) is not None
                         for r in rows], dtype=bool)
    return Prepared(list(rows), texts, questions, langs, y, is_exemplar, unusable, features.term_counts(texts),
                    phrases.phrase_features(texts), features.term_counts(questions),
                    question_features.subject_shares(texts, questions))


# ---------------------------------------------------------------- embeddings (computed once, cached on disk)
def embed_texts(backend, texts: Sequence[str], cache_dir: Path | None = None, batch_size: int = 64) -> np.ndarray:
    """Embeddings of the heads of `texts` (see embeddings.embedding_head), memoised in cache_dir by content hash."""
    heads = [embedding_head(t) for t in texts]
    key = hashlib.sha256(("\x00".join([backend.backend_id, *heads])).encode("utf-8")).hexdigest()[:20]
    path = cache_dir / f"emb-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        return np.load(path)
    unique = sorted(set(heads))
    vectors = backend.encode(unique, batch_size=batch_size)
    lookup = {h: i for i, h in enumerate(unique)}
    out = vectors[[lookup[h] for h in heads]] if heads else vectors
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


# ---------------------------------------------------------------- fitting
@dataclass
class Pipeline:
    """The stages a detector is fitted in (stages.py) and the settings they share: the inner folds of the
    out-of-fold outputs, the exemplar bank's weight and which languages get their own keyword model and combiner.
    The artifact's `hyperparameters` and `combiner_features` are read from here."""

    stages: list[stages.Stage]
    combiner: stages.Combiner
    inner_folds: int = INNER_FOLDS
    exemplar_weight: float = EXEMPLAR_WEIGHT
    language_specific: tuple[str, ...] = LANGUAGE_SPECIFIC
    min_language_rows: int = MIN_LANGUAGE_ROWS

    def language_rows(self, langs: Sequence[str], y: np.ndarray) -> list[np.ndarray]:
        """Per language in LANGS, the training rows of its language-specific models: its own rows for the languages
        in language_specific that have enough of them with all three labels, otherwise every row (the pooled
        models)."""
        lang_index = language_index(langs)
        out = []
        for k, lang in enumerate(LANGS):
            mine = np.nonzero(lang_index == k)[0]
            if (lang not in self.language_specific or len(mine) < self.min_language_rows
                    or len(set(y[mine].tolist())) < len(LABELS)):
                mine = np.arange(len(langs))
            out.append(mine)
        return out

    def fit(self, prep: Prepared, emb: np.ndarray | None, q_emb: np.ndarray | None,
            metadata: dict) -> DetectorModel:
        """A model fitted on the usable rows of `prep`: each stage's arrays, then the combiner on the stages'
        out-of-fold blocks. `metadata` starts the model's (run-time settings such as backend_id)."""
        # Rows the detector labels `unusable` never reach a model at run time, so none is trained on them (an empty
        # exemplar once labelled `refused`, token soup the judge called `deflected`).
        keep = np.nonzero(~prep.unusable)[0]
        prep = prep.subset(keep)
        # The exemplar bank encodes the project's label definitions (e.g. a "so-called camps are lies" screed is
        # `deflected`, where SpeechMap's judge often says DENIAL -> `refused`); weighting it keeps those definitions.
        rows = stages.TrainingRows(prep, None if emb is None else emb[keep], None if q_emb is None else q_emb[keep],
                                   np.where(prep.is_exemplar, self.exemplar_weight, 1.0), self.inner_folds,
                                   self.language_rows(prep.langs, prep.y))
        model = DetectorModel({}, metadata)
        blocks: dict[str, np.ndarray] = {}
        for stage in self.stages:
            stage.fit(rows, model)
            block = stage.out_of_fold(rows, model, blocks)
            if block is not None:
                blocks[stage.name] = block
        self.combiner.fit(rows, model, np.hstack(list(blocks.values())).astype(np.float32))
        model.arrays["trained_fingerprints"] = np.unique(text_fingerprints(prep.texts))
        return model

    def combiner_features(self, model: DetectorModel) -> list[str]:
        """The names of the combiner's input columns of a model this pipeline fitted, in order."""
        return [name for stage in self.stages for name in stage.feature_names(model)]

    def hyperparameters(self) -> dict:
        """The settings of the pipeline and of each of its stages, as an artifact records them."""
        described = {"inner_folds": self.inner_folds, "inner_grouping": stages.INNER_GROUPING,
                     "exemplar_weight": self.exemplar_weight, "languages": list(LANGS),
                     "language_specific": list(self.language_specific), "min_language_rows": self.min_language_rows}
        for part in [*self.stages, self.combiner]:
            described.update(part.hyperparameters())
        return described


def default_pipeline(keyword_c: float = KEYWORD_C, embedding_c: float = EMBEDDING_C, combiner_c: float = COMBINER_C,
                     question_languages: Sequence[str] = QUESTION_LANGUAGES) -> Pipeline:
    """The stages of the shipped detector, in the order of the combiner's input (model.py)."""
    pooled = stages.PooledKeywords(keyword_c)
    return Pipeline([pooled, stages.LanguageKeywords(pooled), stages.Phrases(),
                     stages.QuestionFeatures(tuple(question_languages)), stages.Embeddings(embedding_c)],
                    stages.Combiner(combiner_c))


def fit_model(prep: Prepared, emb: np.ndarray | None, q_emb: np.ndarray | None, backend_id: str,
              trained_on: list[dict], backend_spec: str, pipeline: Pipeline | None = None) -> DetectorModel:
    """The detector fitted on `prep` (and, for an embedding backend, the embeddings of its answers and questions)
    by `pipeline` (default: default_pipeline()), with the artifact's metadata."""
    pipeline = pipeline or default_pipeline()
    model = pipeline.fit(prep, emb, q_emb, {"backend_id": backend_id, "thresholds": {"tau_censored": TAU_CENSORED}})
    model.metadata.update({
        "name": f"deccp-detector-{DETECTOR_VERSION}", "version": DETECTOR_VERSION, "backend_id": backend_id,
        "backend_spec": backend_spec, "labels": list(LABELS), "trained_on": trained_on,
        "n_training_rows": int((~prep.unusable).sum()), "combiner_features": pipeline.combiner_features(model),
        "hyperparameters": pipeline.hyperparameters(),
        "thresholds": {"tau_censored": TAU_CENSORED, "rule": LABEL_RULE},
        "created": time.strftime("%Y-%m-%d"),
    })
    return model


def summarise_training_data(prep: Prepared) -> list[dict]:
    """What an artifact was trained on: per source, rows and label counts (figures only, no text), and how many
    rows were left out because the detector labels them `unusable`."""
    out: dict[str, dict] = {}
    for row, label, unusable in zip(prep.rows, prep.y, prep.unusable):
        entry = out.setdefault(row.get("source") or "?", {"source": row.get("source") or "?", "rows": 0,
                                                         "labels": {k: 0 for k in LABELS}, "unusable_left_out": 0})
        if unusable:
            entry["unusable_left_out"] += 1
            continue
        entry["rows"] += 1
        entry["labels"][LABELS[label]] += 1
    return list(out.values())


def predict_prepared(model: DetectorModel, prep: Prepared, emb: np.ndarray | None,
                     q_emb: np.ndarray | None) -> np.ndarray:
    return model.predict_features(prep.counts, prep.phrase_x, prep.langs, emb, q_emb, prep.has_question,
                                  prep.q_counts, prep.subject_x)
