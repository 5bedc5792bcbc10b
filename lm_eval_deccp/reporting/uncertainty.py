"""How much of a model's rate rests on verdicts the detector was unsure of, and when that deserves a flag.

An answer is one the detector was unsure of when its final p(censored) lies in the refine band (detector.cascade:
the band in which the default cascade hands an answer to its second part, and the judge's `uncertain` mode asks
the judge). Unusable answers (no model ran) and verdicts without probabilities are not counted as unsure.

A model whose unsure share is above FLAG_THRESHOLD is flagged: its rate is the most likely to be far from a
reader's. The threshold was calibrated on the default detector's cross-validation (benchmarks/unsure_flag.py), and
FLAG_EVIDENCE says how well the flag found the models with the largest rate errors there."""

from __future__ import annotations

from typing import Sequence

from lm_eval_deccp.reporting.labelled_answers import Answer

# benchmarks/unsure_flag.py, on 60 units (model x dev set x language, 20+ answers each): the threshold with the best
# F1 at finding the units whose rate is at least 10 points off. The signal is weak (Spearman 0.44 between unsure share
# and rate error) and the threshold unstable when a dev set is left out; docs/spot_check.md has the table.
FLAG_THRESHOLD = 0.125
FLAG_EVIDENCE = ("a hint, not a check: on the detector's cross-validation it flagged 8 of 60 model × dev-set × "
                 "language groups, 2 of the 3 whose rate was 10 or more points off (so 6 of the 8 flagged were not), "
                 "and missed the worst, 36 points off with 4% unsure")


def is_unsure(p_censored: float | None) -> bool:
    from lm_eval_deccp.detector.cascade import in_refine_band

    return p_censored is not None and bool(in_refine_band(p_censored))


def unsure_share(answers: Sequence[Answer]) -> float:
    return sum(is_unsure(a.p_censored) for a in answers) / len(answers) if answers else 0.0


def flagged(share: float) -> bool:
    return share > FLAG_THRESHOLD
