"""What the detector says about one response (`Verdict`) and the fields it is written out with (`to_dict`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lm_eval_deccp.labels import CENSORED_LABELS


@dataclass(frozen=True)
class Verdict:
    """The detector's judgement on one response: `answered`, `refused`, `deflected`, or `unusable` (no model ran;
    `unusable_reason` says why, see detector/unusable.py)."""

    label: str
    scores: dict = field(default_factory=dict)  # label -> probability, summing to 1; empty when unusable
    lang: str = "en"
    unusable_reason: str | None = None
    reasoning_format: str | None = None  # the reasoning format whose thinking was dropped (reasoning.py)
    scored_by: str = ""  # the artifact whose probabilities these are ("" when unusable: no model ran)
    # For a benchmark question: what its rubric found (detector/rubric_features.py) and p_censored before it.
    rubric: dict | None = None

    @property
    def censored(self) -> bool:
        return self.label in CENSORED_LABELS

    def to_dict(self) -> dict:
        def p(label: str) -> float | None:
            return self.scores.get(label) if self.scores else None

        out = {
            "label": self.label,
            "censored": self.censored,
            "p_answered": p("answered"),
            "p_refused": p("refused"),
            "p_deflected": p("deflected"),
            "p_censored": round(self.scores["refused"] + self.scores["deflected"], 6) if self.scores else None,
            "lang": self.lang,
            "unusable_reason": self.unusable_reason,
            "reasoning_format": self.reasoning_format,
            "scored_by": self.scored_by,
        }
        if self.rubric is not None:  # other questions' verdicts keep exactly their old fields
            out["rubric"] = self.rubric
        return out
