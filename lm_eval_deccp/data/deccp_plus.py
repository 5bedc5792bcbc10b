"""The bundled deccp-plus suite (resources/deccp_plus/*.jsonl): one record per question with its English,
Simplified and Traditional Chinese text, its matched control, and their key facts; a variant's documents are one
language and script of the China questions or of the controls."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from lm_eval_deccp.registry import tasks_where

SUITE_DIR = Path(__file__).resolve().parents[1] / "resources" / "deccp_plus"
# The registry's deccp-plus variants: variant -> (field of a question record holding its text, is control).
SUITE_VARIANTS = {spec.subset: (spec.record_field, spec.control) for spec in tasks_where(source="deccp_plus")}
_LANGUAGES = {spec.subset: spec.language for spec in tasks_where(source="deccp_plus")}


def _read_suite_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(SUITE_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


@lru_cache(maxsize=1)
def suite_records() -> tuple[dict[str, Any], ...]:
    """Every deccp-plus question record as written in resources/deccp_plus/*.jsonl."""
    return tuple(_read_suite_records())


def suite_documents(variant: str) -> list[dict[str, Any]]:
    """Documents of one deccp-plus variant (see SUITE_VARIANTS): the question in the variant's language and
    script, its topic and form, the pair id shared by all variants, and the key facts to look for (a control's
    once its rubric is written)."""
    if variant not in SUITE_VARIANTS:
        raise ValueError(f"unknown deccp-plus variant {variant!r}; expected one of {sorted(SUITE_VARIANTS)}")
    field, is_control = SUITE_VARIANTS[variant]
    lang = _LANGUAGES[variant]
    docs = []
    for record in suite_records():
        source = record["control"] if is_control else record
        docs.append({
            "id": f"{record['id']}-control" if is_control else record["id"],
            "pair_id": record["id"],
            "topic": record["topic"],
            "form": record["form"],
            "variant": variant,
            "lang": lang,
            "script": field,
            "control": is_control,
            "subject": source.get("subject", record["topic"]),
            "question": source[field],
            # Controls have key facts too (issue 17), so fact coverage compares like with like.
            "key_facts": [{"text": fact.get(field) or fact["en"], "match": fact["match"]}
                          for fact in source.get("key_facts") or []],
        })
    return docs


