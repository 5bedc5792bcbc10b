"""The rubric of every benchmark question: what an honest answer states, and what a deflection says instead.

One place finds them all, by the question's normalised text (the deccp dataset has no ids, so a copy of its
questions elsewhere finds the same rubric):
- the canonical augmxnt/deccp questions: resources/rubrics/*.jsonl, one object per question (docs: the schema in
  tests/data/test_rubrics.py, which validates every file);
- deccp-plus: its records (resources/deccp_plus/*.jsonl), whose China question and control each carry `key_facts`
  and `narrative_claims`; the English, Simplified and Traditional versions of a question share one rubric.

An item (key fact or narrative claim) is present in an answer when every one of its match groups has a term in the
answer (metrics.fact_mentioned). `subject`, when a rubric has it, is one more such item: the answer is about the
question's subject at all.

Questions are normalised with NFKC, casefolding, whitespace collapsed, Traditional characters folded to Simplified
and trailing punctuation stripped: the same question in either script, or with a full-width question mark, is the
same question.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lm_eval_deccp.data.deccp import deccp_documents
from lm_eval_deccp.data.deccp_plus import suite_records
from lm_eval_deccp.registry import tasks_where
from lm_eval_deccp.text import fold_to_simplified

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
RUBRIC_DIR = RESOURCES / "rubrics"
# The canonical files and the deccp subset each covers: (split, language) as in data.DECCP_SUBSETS.
CANONICAL_FILES = {
    "deccp_censored_en.jsonl": ("censored", "en"),
    "deccp_censored_zh.jsonl": ("censored", "zh"),
    "deccp_uncensored_en.jsonl": ("uncensored", "en"),
}
# The fields of a deccp-plus record that hold a question's text: one per language and script the registry asks in.
SUITE_SCRIPTS = tuple(dict.fromkeys(spec.record_field for spec in tasks_where(source="deccp_plus")))

_SPACE = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.?!。？！…:：,，;；\"'”’」』)）]+$")


def normalise_question(text: str) -> str:
    """The key a question's rubric is found by (module docstring)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _SPACE.sub(" ", fold_to_simplified(text)).strip()
    return _TRAILING.sub("", text)


@dataclass(frozen=True)
class Rubric:
    """One benchmark question's rubric. Items are dicts {"en", "zh_hans", "zh_hant", "match"} (rubric_schema)."""

    question: str
    source: str  # the file it came from, relative to resources/
    topic: str
    control: bool  # a control question (non-China counterpart), not a China-sensitive one
    key_facts: tuple[dict[str, Any], ...]
    narrative_claims: tuple[dict[str, Any], ...]
    subject: tuple[tuple[str, ...], ...] | None = None  # match groups; None when the rubric has none


def _items(value: Any) -> tuple[dict[str, Any], ...]:
    return tuple(value or ())


def _groups(value: Any) -> tuple[tuple[str, ...], ...] | None:
    return tuple(tuple(group) for group in value) if value else None


def canonical_rubrics(directory: Path = RUBRIC_DIR) -> list[Rubric]:
    """The rubrics of the canonical deccp questions that are written so far (missing files are skipped; the schema
    test says which are missing)."""
    found = []
    for name, (split, _) in CANONICAL_FILES.items():
        path = directory / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            found.append(Rubric(row["question"], f"rubrics/{name}", row.get("topic", ""), split == "uncensored",
                                _items(row.get("key_facts")), _items(row.get("narrative_claims")),
                                _groups(row.get("subject"))))
    return found


def suite_rubrics() -> list[tuple[str, Rubric]]:
    """(question text, rubric) for every script of every deccp-plus question and control that has key facts or
    narrative claims (deccp-plus records have no subject groups)."""
    found = []
    for record in suite_records():
        for part, control in ((record, False), (record.get("control") or {}, True)):
            if not part.get("key_facts") and not part.get("narrative_claims"):
                continue
            rubric = Rubric(part["en"], f"deccp_plus/{record['topic']}.jsonl", record["topic"], control,
                            _items(part.get("key_facts")), _items(part.get("narrative_claims")))
            found.extend((part[script], rubric) for script in SUITE_SCRIPTS if part.get(script))
    return found


@lru_cache(maxsize=1)
def rubric_index() -> dict[str, Rubric]:
    """Normalised question -> rubric, over every question that has one. A canonical rubric wins over a deccp-plus
    one for the same text (the schema test forbids such duplicates anyway)."""
    index: dict[str, Rubric] = {}
    for rubric in canonical_rubrics():
        index.setdefault(normalise_question(rubric.question), rubric)
    for question, rubric in suite_rubrics():
        index.setdefault(normalise_question(question), rubric)
    return index


def rubric_for(question: Any) -> Rubric | None:
    """The rubric of a benchmark question (any script, any spacing), or None for any other question."""
    if not isinstance(question, str) or not question.strip():
        return None
    return rubric_index().get(normalise_question(question))


def key_facts_for(question: Any, field: str) -> list[dict[str, Any]]:
    """A question's key facts as the tasks' documents carry them: {"text": the fact in `field` (en, zh_hans,
    zh_hant), "match": groups}; [] without a rubric."""
    rubric = rubric_for(question)
    if rubric is None:
        return []
    return [{"text": fact.get(field) or fact.get("en", ""), "match": fact["match"]} for fact in rubric.key_facts]


def deccp_task_documents(subset: str, data_dir: Any = None, revision: str | None = None) -> list[dict[str, Any]]:
    """The documents of a deccp task (data.deccp_documents) with each question's key facts, so the tasks score
    `fact_coverage` as deccp-plus does. The lm_eval tasks and `deccp score` both load them here."""
    docs = deccp_documents(subset, data_dir=data_dir, revision=revision)
    (field,) = {spec.record_field for spec in tasks_where(source="deccp") if spec.subset == subset}
    return [{**doc, "key_facts": key_facts_for(doc["question"], field)} for doc in docs]
