"""The trained detector model: its arrays, how it scores prepared inputs, and its on-disk artifact format.

Scoring is a two-level stack, all plain numpy at inference time (no pickled scikit-learn objects, so an artifact
loads under any scikit-learn version):

1. base models, each linear over the three labels:
   - keyword model: a linear SVM on hashed character n-grams of the answer (features.py);
   - embedding model: a logistic regression on the answer's sentence embedding (absent for the keyword-only
     backend "keywords");
2. the combiner, another multinomial logistic regression over: the base models' log-probabilities, the curated
   phrase-group features (phrases.py), cosine similarity to the prototype banks of each class (the exemplar
   bank's embeddings, mean of the top-k), the question–answer cosine (an answer that drifts away from the question
   is a deflection cue) and a language flag. It is fitted on out-of-fold base-model outputs, so its probabilities
   are calibrated on answers the base models did not see.

The label rule uses one documented threshold: an answer is censored when p_refused + p_deflected ≥ tau_censored;
a censored answer is `refused` or `deflected`, whichever is more probable.

An artifact is one .npz (arrays plus a JSON `metadata` string: version, backend id, training data, thresholds,
cross-validation summary) with a human-readable .json copy of the metadata beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from lm_eval_deccp.detector import features, phrases
from lm_eval_deccp.detector.data import LABELS

ARTIFACT_FORMAT = 1
PROTOTYPE_TOP_K = 5

# The combiner's input, in order (the embedding blocks are absent for the keyword-only model).
KEYWORD_BLOCK = [f"keyword:logp_{label}" for label in LABELS]
EMBEDDING_BLOCK = [f"embedding:logp_{label}" for label in LABELS] + [f"prototype:{label}" for label in LABELS] + [
    "question_answer_cosine"
]


def combiner_feature_names(with_embeddings: bool) -> list[str]:
    names = KEYWORD_BLOCK + list(phrases.FEATURE_NAMES)
    if with_embeddings:
        names += EMBEDDING_BLOCK
    return names + ["lang:zh"]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


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
    def tau_censored(self) -> float:
        return float(self.metadata["thresholds"]["tau_censored"])

    # ---- scoring ----
    def keyword_logp(self, texts: Sequence[str]) -> np.ndarray:
        x = features.tfidf(features.term_counts(texts), self.arrays["idf"])
        return log_softmax(np.asarray(x @ self.arrays["kw_W"]) + self.arrays["kw_b"])

    def embedding_block(self, emb: np.ndarray, q_emb: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
        logp = log_softmax(emb @ self.arrays["emb_W"] + self.arrays["emb_b"])
        proto = prototype_similarity(emb, self.arrays["proto_emb"], self.arrays["proto_label"], exclude)
        qa = np.einsum("ij,ij->i", emb, q_emb)[:, None]
        return np.hstack([logp, proto, qa]).astype(np.float32)

    def combiner_input(self, kw_logp: np.ndarray, phrase_x: np.ndarray, emb_block: np.ndarray | None,
                       is_zh: np.ndarray) -> np.ndarray:
        blocks = [kw_logp, phrase_x]
        if self.with_embeddings:
            blocks.append(emb_block)
        blocks.append(is_zh.reshape(-1, 1).astype(np.float32))
        return np.hstack(blocks).astype(np.float32)

    def combine(self, z: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities (n, 3) from combiner inputs."""
        zs = (z - self.arrays["comb_mean"]) / self.arrays["comb_scale"]
        return np.exp(log_softmax(zs @ self.arrays["comb_W"] + self.arrays["comb_b"]))

    def predict_proba(self, texts: Sequence[str], langs: Sequence[str], emb: np.ndarray | None = None,
                      q_emb: np.ndarray | None = None) -> np.ndarray:
        kw = self.keyword_logp(texts)
        px = phrases.phrase_features(texts)
        eb = self.embedding_block(emb, q_emb) if self.with_embeddings else None
        is_zh = np.array([lang == "zh" for lang in langs], dtype=np.float32)
        return self.combine(self.combiner_input(kw, px, eb, is_zh))

    def labels_from_proba(self, proba: np.ndarray) -> list[str]:
        censored = proba[:, 1] + proba[:, 2] >= self.tau_censored
        which = np.where(proba[:, 1] >= proba[:, 2], 1, 2)
        return [LABELS[w] if c else LABELS[0] for c, w in zip(censored, which)]

    # ---- persistence ----
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = dict(self.metadata, artifact_format=ARTIFACT_FORMAT)
        np.savez_compressed(path, metadata=np.array(json.dumps(metadata, ensure_ascii=False)), **self.arrays)
        path.with_suffix(".json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "DetectorModel":
        with np.load(path, allow_pickle=False) as z:
            metadata = json.loads(str(z["metadata"]))
            arrays = {k: z[k] for k in z.files if k != "metadata"}
        if metadata.get("artifact_format") != ARTIFACT_FORMAT:
            raise ValueError(f"{path}: artifact format {metadata.get('artifact_format')} is not {ARTIFACT_FORMAT}")
        # Half-precision storage keeps the file small; compute in float32.
        for key, value in arrays.items():
            if value.dtype == np.float16:
                arrays[key] = value.astype(np.float32)
        return cls(arrays, metadata)
