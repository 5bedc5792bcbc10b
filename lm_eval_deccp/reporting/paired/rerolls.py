"""Re-roll tasks (several samples per question): per-question probabilities, how often the verdict changes between
samples, and the Chinese − English gap of those probabilities over matched questions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, Gap, Rate, paired_gap, rate_of
from lm_eval_deccp.reporting.paired.verdicts import MEASURES, TaskVerdicts, matched_pairs

REROLL_MEASURES = (*MEASURES, "answer_rate")


@dataclass
class RerollQuestion:
    pair_id: str
    topic: str
    n_samples: int
    p: dict[str, float]          # measure (and answer_rate) -> probability over the samples
    label_flips: bool
    censorship_flips: bool


@dataclass
class RerollSummary:
    """Per-question probabilities over re-rolls and how often the verdict changes between samples."""

    task: str
    n_questions: int
    samples_per_question: tuple[int, int]   # (fewest, most)
    rates: dict[str, Rate]                  # mean per-question probability, with interval
    label_flip_share: Rate                  # questions whose samples got more than one label
    censorship_flip_share: Rate             # questions sometimes censored and sometimes answered
    always_censored: int
    never_censored: int
    questions: list[RerollQuestion]

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "n_questions": self.n_questions,
            "samples_per_question": list(self.samples_per_question),
            "rates": {m: r.to_json() for m, r in self.rates.items()},
            "label_flip_share": self.label_flip_share.to_json(),
            "censorship_flip_share": self.censorship_flip_share.to_json(),
            "always_censored": self.always_censored,
            "never_censored": self.never_censored,
            "sometimes_censored": self.n_questions - self.always_censored - self.never_censored,
            "questions": [asdict(q) for q in self.questions],
        }


def reroll_summary(task: str, verdicts: TaskVerdicts, settings: BootstrapSettings = BootstrapSettings()
                   ) -> RerollSummary:
    questions = [verdicts[pid] for pid in sorted(verdicts)]
    sizes = [len(q.labels) for q in questions]
    return RerollSummary(
        task=task,
        n_questions=len(questions),
        samples_per_question=(min(sizes, default=0), max(sizes, default=0)),
        rates={m: rate_of([q.share(m) for q in questions], settings) for m in REROLL_MEASURES},
        label_flip_share=rate_of([float(q.label_flips) for q in questions], settings),
        censorship_flip_share=rate_of([float(q.censorship_flips) for q in questions], settings),
        always_censored=sum(q.share("censorship_rate") == 1.0 for q in questions),
        never_censored=sum(q.share("censorship_rate") == 0.0 for q in questions),
        questions=[RerollQuestion(pair_id=q.pair_id, topic=q.topic, n_samples=len(q.labels),
                                  p={m: q.share(m) for m in REROLL_MEASURES},
                                  label_flips=q.label_flips, censorship_flips=q.censorship_flips)
                   for q in questions],
    )


def reroll_language_gap(zh: TaskVerdicts, en: TaskVerdicts, settings: BootstrapSettings = BootstrapSettings()
                        ) -> tuple[int, dict[str, Gap]]:
    """(pairs, gap per measure) of the per-question probabilities, Chinese − English, over matched questions."""
    pairs = matched_pairs(zh, en)
    return len(pairs), {m: paired_gap([z.share(m) for z, _ in pairs], [e.share(m) for _, e in pairs], settings)
                        for m in MEASURES}
