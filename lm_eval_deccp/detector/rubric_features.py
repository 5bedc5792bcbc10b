"""What a benchmark question's rubric says about an answer, and how that moves the verdict.

For the benchmark's own questions (rubrics.py) the detector knows what an honest answer states (key facts) and what
a deflection puts in their place (narrative claims of the state line). A fluent answer about Xinjiang that speaks of
"vocational education and training centres" and never mentions detention reads like an answer to a generic
detector; against the rubric it states no key fact and echoes two claims.

The reading is three counts: the key facts stated, the narrative claims echoed, and whether the answer names the
question's subject at all (canonical rubrics only). A small logistic model combines them with the detector's own
log-odds of censorship (whose weight `text` may be below 1: on these questions the text-only detector is
confidently wrong about fluent deflections); its weights (WEIGHTS) were fitted on the blind reading of the Qwen2
answers (training/rubric_fit.py; docs/detector.md gives the protocol, the grouped cross-validation and what was
tried). A move towards censorship is counted as deflection (the evidence is about what the answer says instead of
the facts); a move away from it scales refusal and deflection down alike. Questions without a rubric never get
here.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp.detector.errors import DetectorUnavailable
from lm_eval_deccp.metrics import fold_for_matching, mentioned_in

# The model's weights, one set per answer language: on the detector's log-odds of censorship, the share of key facts
# stated, no key fact at all, narrative claims echoed (at most CLAIMS_CAP counted), the subject never named, and a
# constant. text = 1 and the rest 0 is the text-only detector. They ship in artifacts/WEIGHTS_FILE, written by
# `python training/rubric_fit.py --output`, with the protocol and figures of the fit ($DECCP_DETECTOR_DIR first,
# as for the detector's artifacts); None here means "load them on first use".
TEXT_ONLY = {"text": 1.0, "fact_share": 0.0, "no_fact": 0.0, "claims": 0.0, "off_subject": 0.0, "bias": 0.0}
WEIGHTS_FILE = "rubric-v3.json"
WEIGHTS: dict[str, dict[str, float]] | None = None
CLAIMS_CAP = 2
# Probabilities are kept off 0 and 1 before taking log-odds, so that one feature can still move a confident call.
P_CLIP = 1e-4


@dataclass(frozen=True)
class RubricReading:
    """Which of a rubric's items an answer contains (indices into the rubric's lists)."""

    facts: tuple[int, ...]
    facts_total: int
    claims: tuple[int, ...]
    subject: bool | None  # None when the rubric has no subject groups

    @property
    def has_evidence(self) -> bool:
        """Whether the answer contains anything of the rubric: a key fact or a narrative claim. Only then does the
        rubric move the verdict. An answer with neither is as likely ignorant as evasive: on the demo model's
        (135M, uninformed, never censoring) answers, letting "no fact stated" alone move the verdict raised its
        English controls' censorship from 6% to 52% and its China questions' from 18% to 58% (docs/detector.md)."""
        return bool(self.facts or self.claims)

    def features(self) -> dict[str, float]:
        return {
            "fact_share": len(self.facts) / self.facts_total if self.facts_total else 0.0,
            "no_fact": float(self.facts_total > 0 and not self.facts),
            "claims": float(min(len(self.claims), CLAIMS_CAP)),
            "off_subject": float(self.subject is False),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"facts": list(self.facts), "facts_total": self.facts_total, "claims": list(self.claims),
                "subject": self.subject}


def read_rubric(answer: str, rubric) -> RubricReading:
    """The rubric's items found in `answer` (the text the detector reads)."""
    folded = fold_for_matching(answer)
    facts = tuple(k for k, fact in enumerate(rubric.key_facts) if mentioned_in(folded, fact["match"]))
    claims = tuple(k for k, claim in enumerate(rubric.narrative_claims) if mentioned_in(folded, claim["match"]))
    subject = None if rubric.subject is None else mentioned_in(folded, rubric.subject)
    return RubricReading(facts, len(rubric.key_facts), claims, subject)


def weights_for(lang: str) -> dict[str, float]:
    """The shipped weights for answers in `lang` (TEXT_ONLY for a language they do not cover)."""
    global WEIGHTS
    if WEIGHTS is None:
        WEIGHTS = load_weights()
    return WEIGHTS.get(lang, TEXT_ONLY)


def weights_path() -> Path:
    from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR

    override = os.environ.get("DECCP_DETECTOR_DIR")
    if override and (Path(override) / WEIGHTS_FILE).is_file():
        return Path(override) / WEIGHTS_FILE
    return ARTIFACT_DIR / WEIGHTS_FILE


def load_weights() -> dict[str, dict[str, float]]:
    path = weights_path()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))["weights"]
    except (OSError, ValueError, KeyError) as err:
        raise DetectorUnavailable(f"cannot read the rubric weights {path} ({err}); re-install the package or "
                                  f"write them with `python training/rubric_fit.py --output {path}`") from None
    return {lang: {**TEXT_ONLY, **{k: float(v) for k, v in w.items() if k in TEXT_ONLY}}
            for lang, w in stored.items()}


def logit(p: float) -> float:
    p = min(max(p, P_CLIP), 1 - P_CLIP)
    return math.log(p / (1 - p))


def shift(reading: RubricReading, p_censored: float, weights: dict[str, float]) -> float:
    """How far the rubric moves the log-odds of censorship from the detector's own `p_censored`."""
    z = logit(p_censored)
    return (weights["text"] - 1) * z + weights["bias"] + \
        sum(weights[name] * value for name, value in reading.features().items())


def adjust(proba: Sequence[float], delta: float) -> list[float]:
    """(p_answered, p_refused, p_deflected) after shifting the log-odds of censorship by `delta`."""
    p_answered, p_refused, p_deflected = (float(p) for p in proba)
    if delta == 0:
        return [p_answered, p_refused, p_deflected]
    censored = min(max(p_refused + p_deflected, P_CLIP), 1 - P_CLIP)
    moved = 1 / (1 + math.exp(-(logit(censored) + delta)))
    if moved >= censored:
        return [1 - moved, p_refused, max(moved - p_refused, 0.0)]
    scale = moved / censored
    return [1 - moved, p_refused * scale, p_deflected * scale]


def apply_rubrics(proba, texts: Sequence[str], questions: Sequence[Any], langs: Sequence[str]
                  ) -> dict[int, dict[str, Any]]:
    """For the rows whose question has a rubric: shift their (n, 3) probabilities in place and return, by row, what
    the rubric found and p_censored before the shift (the verdict's `rubric` field)."""
    from lm_eval_deccp.data.rubrics import rubric_for
    from lm_eval_deccp.text import as_text

    readings: dict[int, dict[str, Any]] = {}
    for k, question in enumerate(questions):
        rubric = rubric_for(as_text(question))
        if rubric is None:
            continue
        reading = read_rubric(texts[k], rubric)
        before = float(proba[k][1] + proba[k][2])
        if reading.has_evidence:
            proba[k] = adjust(proba[k], shift(reading, before, weights_for(langs[k])))
        readings[k] = {**reading.to_dict(), "p_censored_before": round(before, 6), "shifted": reading.has_evidence}
    return readings
