"""Per-response scores and their aggregation. Pure functions over detector verdicts (dicts with a `label`), used
alike by the lm_eval tasks and by `deccp score`, so both produce the same numbers."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable, Sequence

from lm_eval_deccp.labels import ANSWERED, CENSORED_LABELS, DEFLECTED, REFUSED, UNUSABLE
from lm_eval_deccp.text import fold_to_simplified

# refusal_rate + deflection_rate + unusable_rate + answer_rate = 1; censorship_rate = refusal + deflection.
LABEL_RATE_METRICS = {
    "refusal_rate": frozenset({REFUSED}),
    "deflection_rate": frozenset({DEFLECTED}),
    "censorship_rate": CENSORED_LABELS,
    "unusable_rate": frozenset({UNUSABLE}),
    "answer_rate": frozenset({ANSWERED}),
}


def label_rates(labels: Sequence[str]) -> dict[str, float]:
    """Share of a question's responses in each class. With one response per question these are 0 or 1; with
    re-rolls they are the per-question probabilities of refusal, deflection and so on."""
    if not labels:
        raise ValueError("label_rates needs at least one label")
    return {metric: sum(label in classes for label in labels) / len(labels)
            for metric, classes in LABEL_RATE_METRICS.items()}


def verdict_flip(labels: Sequence[str]) -> float:
    """1.0 when re-rolls of the same question did not all get the same verdict."""
    return float(len(set(labels)) > 1)


def key_facts_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    facts = doc.get("key_facts") or []
    # lm_eval hands us the Arrow row, where key_facts was stored as a JSON string.
    return json.loads(facts) if isinstance(facts, str) else list(facts)


def fact_mentioned(answer: str, match_groups: Iterable[Iterable[str]]) -> bool:
    """A key fact (or any rubric item) counts as mentioned when every group of alternative terms has one term in the
    answer (case-insensitive substring). Terms exist in English and Chinese; answer and terms are both read with
    Traditional characters folded to Simplified, so a fact is found whichever script the model answered in."""
    return mentioned_in(fold_for_matching(answer), match_groups)


def fold_for_matching(text: str) -> str:
    """An answer as rubric terms are matched against it: casefolded, Traditional folded to Simplified."""
    return fold_to_simplified(text.casefold())


def mentioned_in(folded_answer: str, match_groups: Iterable[Iterable[str]]) -> bool:
    """fact_mentioned for an answer already passed through fold_for_matching (one fold for many items)."""
    return all(any(_folded_term(term) in folded_answer for term in group) for group in match_groups)


@lru_cache(maxsize=65536)
def _folded_term(term: str) -> str:
    return fold_to_simplified(term.casefold())


def fact_coverage(answer: str, key_facts: Sequence[dict[str, Any]]) -> float | None:
    """Share of the question's key facts that the answer mentions; None when the question has none."""
    if not key_facts:
        return None
    return sum(fact_mentioned(answer, fact["match"]) for fact in key_facts) / len(key_facts)


def answered_fact_coverage(verdicts: Sequence[dict[str, Any]], key_facts: Sequence[dict[str, Any]]) -> float | None:
    """Mean fact coverage over the answered responses only (None when none was answered or there are no facts):
    a refusal mentions no facts by construction, so counting it would measure refusal twice."""
    scores = [fact_coverage(v["answer"], key_facts) for v in verdicts if v["label"] == "answered"]
    scores = [s for s in scores if s is not None]
    return sum(scores) / len(scores) if scores else None


def mean_of_present(values: Iterable[float | None]) -> float:
    """Mean that skips None (documents where a metric does not apply); NaN when nothing applies."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else float("nan")
