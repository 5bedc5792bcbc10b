"""Answers stored by MixEval's own suite, scored with this package's parsers: the folder
`<model_response_dir>/<model>/<mixeval|mixeval_hard>/<version>/` holds `<model>_close_freeform[_hard].jsonl` and
`<model>_close_multichoice[_hard].jsonl`, one item per line with MixEval's item fields, `id`, `formated_input` and
`response` (github.com/Psycoy/MixEval, mix_eval/evaluate.py). benchmarks/mixeval_stored_answers.py uses this to set
our scores beside MixEval's published ones for the same answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lm_eval_deccp.mixeval.items import Item, MixEvalDataUnavailable, _coerce
from lm_eval_deccp.mixeval.harness import parse_answers
from lm_eval_deccp.mixeval.scoring import PartScores
from lm_eval_deccp.text import final_answer

PART_FILES = {"freeform": "close_freeform", "multichoice": "close_multichoice"}


@dataclass
class StoredPart:
    part: str
    items: list[Item]
    responses: list[str]
    formatted: list[str]  # MixEval's own rendering of each item (`formated_input`)


def read_part(folder: Path, part: str) -> StoredPart:
    """One part's stored answers; MixEvalDataUnavailable when the folder has no such file."""
    matches = sorted(folder.glob(f"*_{PART_FILES[part]}*.jsonl"))
    if len(matches) != 1:
        raise MixEvalDataUnavailable(f"{folder}: expected one *_{PART_FILES[part]}*.jsonl file of MixEval's answers, "
                                     f"found {len(matches)}")
    stored = StoredPart(part, [], [], [])
    for number, line in enumerate(matches[0].read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        stored.items.append(_coerce(row, str(row.get("id", number)), part, f"{matches[0]}:{number}"))
        stored.responses.append(str(row.get("response") or ""))
        stored.formatted.append(str(row.get("formated_input") or ""))
    return stored


@dataclass
class ScoredPart:
    part: str
    scores: PartScores
    parser: str
    unparsed: int
    fallbacks: int
    per_item: list[float]


def score_part(stored: StoredPart, choice: str = "rule") -> ScoredPart:
    answers = [final_answer(response) for response in stored.responses]
    parsed, name, fallbacks = parse_answers(stored.items, answers, choice)
    scores = PartScores()
    for item, result in zip(stored.items, parsed):
        scores.add(item.benchmark, result.score)
    return ScoredPart(stored.part, scores, name, sum(p.unparsed for p in parsed), fallbacks,
                      [p.score for p in parsed])
