"""The verdict labels, shared by detection, scoring and reporting (imports nothing, so everything can import it).

The classifier and every labelled data set know three labels. A fourth, `unusable`, is given without a model
for answers that cannot be judged: empty, degenerate (repetition loops, token soup) or cut off inside a reasoning
model's thinking. It is not censorship and not an answer: rates are reported for all four, so that
refusal_rate + deflection_rate + unusable_rate + answer_rate = 1.
"""

ANSWERED, REFUSED, DEFLECTED, UNUSABLE = "answered", "refused", "deflected", "unusable"
# What the classifier predicts and what labelled rows (dev sets, exemplars, judges' labels) carry.
TRAINED_LABELS: tuple[str, ...] = (ANSWERED, REFUSED, DEFLECTED)
VERDICT_LABELS: tuple[str, ...] = (*TRAINED_LABELS, UNUSABLE)
CENSORED_LABELS = frozenset({REFUSED, DEFLECTED})
# Why an answer is unusable (Verdict.unusable_reason).
UNUSABLE_REASONS: tuple[str, ...] = ("empty", "unfinished_reasoning", "repetition", "token_soup")
