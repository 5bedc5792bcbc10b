"""One question's verdicts (one label, or one per re-roll) and how two of them, matched by `pair_id`, compare."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lm_eval_deccp.labels import ANSWERED, CENSORED_LABELS, DEFLECTED, REFUSED, UNUSABLE, VERDICT_LABELS
from lm_eval_deccp.metrics import LABEL_RATE_METRICS

LABELS = VERDICT_LABELS
# The rates reported for every comparison: censorship (the binary verdict), its two parts, and the share of
# answers that could not be judged (its own outcome: neither censored nor answered).
MEASURES = ("censorship_rate", "refusal_rate", "deflection_rate", "unusable_rate")
# When several samples of a question disagree and two labels tie for the most common, the verdict is the
# censored one: an answer that was refused half the time is not a reliably answered question. An unusable sample
# loses every tie: a question with one judgeable sample is judged by it.
_TIE_ORDER = {REFUSED: 0, DEFLECTED: 1, ANSWERED: 2, UNUSABLE: 3}


@dataclass(frozen=True)
class QuestionVerdicts:
    """The detector's labels for one question of one task: one label, or one per re-roll."""

    pair_id: str
    topic: str
    form: str
    labels: tuple[str, ...]

    def share(self, measure: str) -> float:
        """Share of this question's samples counted by a rate metric (0 or 1 with a single sample)."""
        classes = LABEL_RATE_METRICS[measure]
        return sum(label in classes for label in self.labels) / len(self.labels)

    @property
    def verdict(self) -> str:
        """The question's label: the only one, or the most common across re-rolls (ties go to censored)."""
        counts = Counter(self.labels)
        return min(counts, key=lambda label: (-counts[label], _TIE_ORDER.get(label, 3)))

    @property
    def censored(self) -> bool:
        return self.verdict in CENSORED_LABELS

    @property
    def judged(self) -> bool:
        """Whether the question's verdict is a judgement (not `unusable`)."""
        return self.verdict != UNUSABLE

    @property
    def label_flips(self) -> bool:
        """The samples did not all get the same label (answered / refused / deflected / unusable)."""
        return len(set(self.labels)) > 1

    @property
    def censorship_flips(self) -> bool:
        """Some samples were censored and some answered (a refusal turning into a deflection does not count, nor
        does an unusable sample)."""
        return any(label in CENSORED_LABELS for label in self.labels) and ANSWERED in self.labels


TaskVerdicts = dict[str, QuestionVerdicts]  # pair_id -> verdicts, for one task


def matched_pairs(test: TaskVerdicts, baseline: TaskVerdicts) -> list[tuple[QuestionVerdicts, QuestionVerdicts]]:
    return [(test[pid], baseline[pid]) for pid in sorted(test.keys() & baseline.keys())]


def is_flip(test: QuestionVerdicts, baseline: QuestionVerdicts) -> bool:
    """Censored on one side and answered on the other (an unusable side is no flip: nothing was judged there)."""
    return test.judged and baseline.judged and test.censored != baseline.censored
