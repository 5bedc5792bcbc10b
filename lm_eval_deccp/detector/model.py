"""The trained detector model: its arrays, how it scores prepared inputs, and its on-disk artifact format.

Scoring is a two-level stack, all plain numpy at inference time (no pickled scikit-learn objects, so an artifact
loads under any scikit-learn version):

1. base models, each linear over the three labels:
   - pooled keyword model: a linear SVM on hashed character n-grams of the answer (features.py), trained on both
     languages, so what a refusal looks like in one language informs the other;
   - language keyword model: the same kind of SVM trained on the answer's own language only, for the languages in
     training.LANGUAGE_SPECIFIC (Chinese: its deflection has its own vocabulary and style, which the pooled model,
     mostly English rows, underweights); for the others it is the pooled model;
   - embedding model: a logistic regression on the answer's sentence embedding (absent for the keyword-only
     backend "keywords");
2. one combiner per language (fitted on that language's rows for the languages in LANGUAGE_SPECIFIC, on all rows
   for the others), a multinomial logistic regression over: the base models' log-probabilities, the
   curated phrase-group features (phrases.py), the lexical question–answer features (question_features.py; only
   for the languages in `question_langs`, others get constant training means), cosine similarity to the prototype
   banks of each class (the exemplar bank's embeddings, mean of the top-k) and the embedding question–answer cosine
   (an answer that drifts away from the question is a deflection cue). It is fitted on out-of-fold base-model outputs, so its probabilities are
   calibrated on answers the base models did not see; per language, because the same cue (length, a slogan, an
   apology) weighs differently in English and Chinese answers.

The label rule uses one documented threshold: an answer is censored when p_refused + p_deflected ≥ tau_censored;
a censored answer is `refused` or `deflected`, whichever is more probable.

An artifact is one .npz (arrays plus a JSON `metadata` string: version, backend id, training data, thresholds,
cross-validation summary) with a human-readable .json copy of the metadata beside it. The combiner arrays carry a
leading axis in the order of LANGS; the language keyword models are stored only for the languages that have their
own (`kw_lang_slot`). Format 3 (v3) added the question features (`question_langs`, `question_fill`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from lm_eval_deccp.detector import features, phrases, question_features
from lm_eval_deccp.detector.labelled_rows import LABELS

ARTIFACT_FORMAT = 3
PROTOTYPE_TOP_K = 5
# Arrays stored in half precision: the n-gram weight matrices are most of an artifact's size, and float16 keeps
# their 3-4 significant digits. Training rounds them the same way, so a fresh model and its saved copy agree.
HALF_PRECISION = ("kw_W", "kw_lang_W", "proto_emb")
# Languages with their own keyword model and combiner (Traditional Chinese is read as "zh").
LANGS: tuple[str, ...] = ("en", "zh")
# The label rule of labels_from_proba, as an artifact's metadata states it.
LABEL_RULE = "censored if p_refused + p_deflected >= tau_censored; then the larger of refused/deflected"


def language_index(langs: Sequence[str]) -> np.ndarray:
    """Index into LANGS per row; anything not Chinese is scored by the English models."""
    return np.array([LANGS.index(lang) if lang in LANGS else 0 for lang in langs], dtype=np.int64)


def half_precision(values: np.ndarray) -> np.ndarray:
    """`values` rounded to float16 and back: what a saved artifact will hold."""
    return values.astype(np.float16).astype(np.float32)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def text_fingerprints(texts: Sequence[str]) -> np.ndarray:
    """64-bit fingerprints of answers as the detector reads them (answer_text.detector_text). An artifact keeps those of
    its training answers, not the answers, so that scores on trained rows can be flagged as not held out."""
    return np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8", "replace"), digest_size=8).digest(), "little")
                     for t in texts], dtype=np.uint64)


def prototype_similarity(emb: np.ndarray, bank: np.ndarray, bank_labels: np.ndarray,
                         exclude: np.ndarray | None = None, top_k: int = PROTOTYPE_TOP_K) -> np.ndarray:
    """(n, 3): per class, the mean cosine of the top-k most similar prototypes of that class.

    `exclude[i]` is the bank index of row i itself (or -1), so a training exemplar is not its own nearest prototype.
    """
    sims = emb @ bank.T.astype(np.float32)
    if exclude is not None:
        rows = np.nonzero(exclude >= 0)[0]
        sims[rows, exclude[rows]] = -1.0
    out = np.zeros((emb.shape[0], len(LABELS)), dtype=np.float32)
    for k, _ in enumerate(LABELS):
        cls = sims[:, bank_labels == k]
        if cls.shape[1] == 0:
            continue
        top = min(top_k, cls.shape[1])
        out[:, k] = np.partition(cls, cls.shape[1] - top, axis=1)[:, -top:].mean(axis=1)
    return out


class DetectorModel:
    """Arrays and metadata of one trained detector; `predict_proba` scores prepared inputs."""

    def __init__(self, arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> None:
        self.arrays = arrays
        self.metadata = metadata

    @property
    def backend_id(self) -> str:
        return self.metadata["backend_id"]

    @property
    def with_embeddings(self) -> bool:
        return "emb_W" in self.arrays

    @property
    def with_question_features(self) -> bool:
        return "question_fill" in self.arrays

    @property
    def tau_censored(self) -> float:
        return float(self.metadata["thresholds"]["tau_censored"])

    # ---- scoring ----
    def keyword_logp(self, x_kw) -> np.ndarray:
        """Log-probabilities of the pooled keyword model from tf-idf n-gram features."""
        return log_softmax(np.asarray(x_kw @ self.arrays["kw_W"]) + self.arrays["kw_b"])

    def language_keyword_logp(self, x_kw, lang_index: np.ndarray, pooled_logp: np.ndarray) -> np.ndarray:
        """Log-probabilities of each row's own-language keyword model. `kw_lang_slot[k]` is the row of kw_lang_W
        holding LANGS[k]'s model, or -1 when that language uses the pooled model (whose `pooled_logp` is reused)."""
        out = pooled_logp.copy()
        for k in np.unique(lang_index):
            slot = int(self.arrays["kw_lang_slot"][k])
            if slot < 0:
                continue
            rows = np.nonzero(lang_index == k)[0]
            out[rows] = log_softmax(np.asarray(x_kw[rows] @ self.arrays["kw_lang_W"][slot])
                                    + self.arrays["kw_lang_b"][slot])
        return out

    def embedding_block(self, emb: np.ndarray, q_emb: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
        logp = log_softmax(emb @ self.arrays["emb_W"] + self.arrays["emb_b"])
        proto = prototype_similarity(emb, self.arrays["proto_emb"], self.arrays["proto_label"], exclude)
        qa = np.einsum("ij,ij->i", emb, q_emb)[:, None]
        return np.hstack([logp, proto, qa]).astype(np.float32)

    def question_raw(self, x_kw, q_counts, subject_x: np.ndarray, has_question: np.ndarray | None,
                     lang_index: np.ndarray) -> np.ndarray:
        """(n, 5) question–answer features (question_features.FEATURE_NAMES), NaN where they say nothing: the
        question is missing or has no content terms, or the answer's language does not use them (`question_langs`)."""
        cosine = question_features.ngram_cosine(x_kw, features.tfidf(q_counts, self.arrays["idf"]))
        block = np.hstack([subject_x[:, :2], cosine[:, None], subject_x[:, 2:]]).astype(np.float32)
        if has_question is not None:
            block[~np.asarray(has_question, dtype=bool)] = np.nan
        block[~self.arrays["question_langs"].astype(bool)[lang_index]] = np.nan
        return block

    def question_block(self, raw: np.ndarray) -> np.ndarray:
        """question_raw with each NaN replaced by the feature's training mean (`question_fill`): a neutral, constant
        value, which the combiner gives no weight."""
        return np.where(np.isnan(raw), self.arrays["question_fill"], raw).astype(np.float32)

    @staticmethod
    def combiner_input(kw_logp: np.ndarray, kw_lang_logp: np.ndarray, phrase_x: np.ndarray,
                       emb_block: np.ndarray | None, question_x: np.ndarray | None = None) -> np.ndarray:
        blocks = [kw_logp, kw_lang_logp, phrase_x]
        if question_x is not None:
            blocks.append(question_x)
        if emb_block is not None:
            blocks.append(emb_block)
        return np.hstack(blocks).astype(np.float32)

    def combine(self, z: np.ndarray, lang_index: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities (n, 3) from combiner inputs, each row by its language's combiner."""
        out = np.zeros((z.shape[0], len(LABELS)), dtype=np.float32)
        for k in np.unique(lang_index):
            rows = np.nonzero(lang_index == k)[0]
            zs = (z[rows] - self.arrays["comb_mean"][k]) / self.arrays["comb_scale"][k]
            out[rows] = np.exp(log_softmax(zs @ self.arrays["comb_W"][k] + self.arrays["comb_b"][k]))
        return out

    def predict_proba(self, texts: Sequence[str], langs: Sequence[str], emb: np.ndarray | None = None,
                      q_emb: np.ndarray | None = None, has_question: np.ndarray | None = None,
                      questions: Sequence[str] | None = None) -> np.ndarray:
        """Class probabilities of answers as the detector reads them (answer_text.detector_text). `has_question` marks
        rows whose question is known; for the others the question features (the question–answer cosine of the
        embedding backends, the lexical ones of question_features.py) take a neutral value."""
        questions = list(questions) if questions is not None else [""] * len(texts)
        # Only answers in a language that reads the question features need them; the others get constants, so
        # their questions are not measured at all.
        used = (self.arrays["question_langs"].astype(bool)[language_index(langs)] if self.with_question_features
                else np.zeros(len(texts), dtype=bool))
        questions = [q if u else "" for q, u in zip(questions, used)]
        return self.predict_features(
            features.term_counts(texts), phrases.phrase_features(texts), langs, emb, q_emb, has_question,
            features.term_counts(questions), question_features.subject_shares(texts, questions))

    def predict_features(self, counts, phrase_x: np.ndarray, langs: Sequence[str], emb: np.ndarray | None = None,
                         q_emb: np.ndarray | None = None, has_question: np.ndarray | None = None,
                         q_counts=None, subject_x: np.ndarray | None = None) -> np.ndarray:
        """predict_proba from features computed once by training.prepare (the answers' n-gram counts and phrase
        features, the questions' n-gram counts and subject shares), for rows scored by many cross-validation
        models."""
        lang_index = language_index(langs)
        x_kw = features.tfidf(counts, self.arrays["idf"])
        eb = None
        if self.with_embeddings:
            eb = self.embedding_block(emb, q_emb)
            if has_question is not None:
                missing = np.nonzero(~np.asarray(has_question, dtype=bool))[0]
                qa_col = self.arrays["comb_mean"].shape[1] - 1
                eb[missing, -1] = self.arrays["comb_mean"][lang_index[missing], qa_col]
        qx = None
        if self.with_question_features:
            qx = self.question_block(self.question_raw(x_kw, q_counts, subject_x, has_question, lang_index))
        kw_logp = self.keyword_logp(x_kw)
        z = self.combiner_input(kw_logp, self.language_keyword_logp(x_kw, lang_index, kw_logp), phrase_x, eb, qx)
        return self.combine(z, lang_index)

    def seen_in_training(self, texts: Sequence[str]) -> np.ndarray | None:
        """Which answers (as the detector reads them) were among the training rows; None if the artifact does not
        record its training answers."""
        trained = self.arrays.get("trained_fingerprints")
        return None if trained is None else np.isin(text_fingerprints(texts), trained)

    def labels_from_proba(self, proba: np.ndarray) -> list[str]:
        """The label of each row of (n, 3) probabilities (LABEL_RULE)."""
        censored = proba[:, 1] + proba[:, 2] >= self.tau_censored
        which = np.where(proba[:, 1] >= proba[:, 2], 1, 2)
        return [LABELS[w] if c else LABELS[0] for c, w in zip(censored, which)]

    # ---- persistence ----
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = dict(self.metadata, artifact_format=ARTIFACT_FORMAT)
        arrays = {k: v.astype(np.float16) if k in HALF_PRECISION else v for k, v in self.arrays.items()}
        np.savez_compressed(path, metadata=np.array(json.dumps(metadata, ensure_ascii=False)), **arrays)
        path.with_suffix(".json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "DetectorModel":
        with np.load(path, allow_pickle=False) as z:
            metadata = json.loads(str(z["metadata"]))
            arrays = {k: z[k] for k in z.files if k != "metadata"}
        if metadata.get("artifact_format") != ARTIFACT_FORMAT:
            raise ValueError(f"{path}: artifact format {metadata.get('artifact_format')} is not {ARTIFACT_FORMAT}")
        # Half-precision storage keeps the file small (HALF_PRECISION); compute in float32.
        for key, value in arrays.items():
            if value.dtype == np.float16:
                arrays[key] = value.astype(np.float32)
        return cls(arrays, metadata)
