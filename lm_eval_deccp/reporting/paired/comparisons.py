"""One paired comparison of two tasks over their matched questions: the 2×2 counts, McNemar's exact test on the
discordant pairs, which questions flip, and the paired gap of every measure."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lm_eval_deccp.reporting import stats
from lm_eval_deccp.reporting.paired.bootstrap import BootstrapSettings, Gap, finite_or_none, paired_gap
from lm_eval_deccp.reporting.paired.tasks import Comparison
from lm_eval_deccp.reporting.paired.verdicts import LABELS, MEASURES, TaskVerdicts, is_flip, matched_pairs


@dataclass(frozen=True)
class Flip:
    pair_id: str
    topic: str
    baseline_label: str
    test_label: str


@dataclass
class ComparisonResult:
    """Counts over the matched pairs in which both sides were judged; a pair with an `unusable` side is its own
    outcome (`with_unusable`): it is neither a flip nor an agreement."""

    comparison: Comparison
    n_pairs: int
    both: int              # censored on both sides
    neither: int           # answered on both sides
    only_test: int         # censored on the test side only (e.g. refused in Chinese, answered in English)
    only_baseline: int     # censored on the baseline side only
    with_unusable: int     # pairs in which either side is unusable
    mcnemar_p: float
    gaps: dict[str, Gap]   # per measure in MEASURES
    transitions: dict[str, dict[str, int]]  # baseline label -> test label -> questions
    flips: list[Flip]      # questions whose censored/answered verdict differs, in pair_id order
    unmatched: dict[str, list[str]]  # task -> pair_ids with no partner on the other side

    @property
    def judged_pairs(self) -> int:
        return self.n_pairs - self.with_unusable

    @property
    def flip_share(self) -> float:
        """Share of the judged pairs censored on one side and answered on the other."""
        return (self.only_test + self.only_baseline) / self.judged_pairs if self.judged_pairs else math.nan

    def to_json(self) -> dict[str, Any]:
        c = self.comparison
        return {
            "key": c.key, "title": c.title,
            "test": {"task": c.test_task, "name": c.test_name},
            "baseline": {"task": c.baseline_task, "name": c.baseline_name},
            "n_pairs": self.n_pairs,
            "counts": {"both_censored": self.both, "both_answered": self.neither,
                       "only_test_censored": self.only_test, "only_baseline_censored": self.only_baseline,
                       "with_unusable": self.with_unusable},
            "flip_share": finite_or_none(self.flip_share),
            "mcnemar_p": self.mcnemar_p,
            "rates": {measure: gap.to_json() for measure, gap in self.gaps.items()},
            "transitions": self.transitions,
            "flips": [asdict(flip) for flip in self.flips],
            "unmatched": self.unmatched,
        }


def compare(comparison: Comparison, test: TaskVerdicts, baseline: TaskVerdicts,
            settings: BootstrapSettings = BootstrapSettings()) -> ComparisonResult:
    """Paired comparison over the questions both tasks answered (matched by pair_id)."""
    pairs = matched_pairs(test, baseline)
    judged = [(t, b) for t, b in pairs if t.judged and b.judged]
    only_test = sum(t.censored and not b.censored for t, b in judged)
    only_baseline = sum(b.censored and not t.censored for t, b in judged)
    transitions = {base: {tst: 0 for tst in LABELS} for base in LABELS}
    for t, b in pairs:
        transitions[b.verdict][t.verdict] += 1
    return ComparisonResult(
        comparison=comparison,
        n_pairs=len(pairs),
        both=sum(t.censored and b.censored for t, b in judged),
        neither=sum(not t.censored and not b.censored for t, b in judged),
        only_test=only_test,
        only_baseline=only_baseline,
        with_unusable=len(pairs) - len(judged),
        mcnemar_p=stats.mcnemar_exact(only_test, only_baseline),
        gaps={m: paired_gap([t.share(m) for t, _ in pairs], [b.share(m) for _, b in pairs], settings)
              for m in MEASURES},
        transitions=transitions,
        flips=[Flip(t.pair_id, t.topic, b.verdict, t.verdict) for t, b in pairs if is_flip(t, b)],
        unmatched={comparison.test_task: sorted(test.keys() - baseline.keys()),
                   comparison.baseline_task: sorted(baseline.keys() - test.keys())},
    )
