"""Text helpers shared by data loading and detection: script detection and response normalisation."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lm_eval_deccp.reasoning import split_reasoning

# CJK Unified Ideographs, Extension A and the compatibility block: enough to tell Chinese from English text.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Characters kept per response for scoring. Refusals and deflections show themselves early; bounding the work keeps
# a pathological 1 MB answer from dominating a run.
MAX_SCORED_CHARS = 4000


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def detect_lang(text: str) -> str:
    """Return "zh" when the text is mainly Chinese (Han script), else "en"."""
    sample = text[:2000]
    han = han_count(sample)
    if han == 0:
        return "en"
    letters = sum(ch.isalpha() for ch in sample if ch.isascii())
    # One Han character carries roughly as much as a short English word (~4 letters).
    return "zh" if han * 4 >= letters else "en"


# Traditional -> Simplified character table (~4,200 characters from OpenCC; scripts/build_script_fold.py).
FOLD_TABLE_PATH = Path(__file__).resolve().parent / "resources" / "traditional_to_simplified.json"


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    table = json.loads(FOLD_TABLE_PATH.read_text(encoding="utf-8"))
    return str.maketrans(table["traditional"], table["simplified"])


def fold_to_simplified(text: str) -> str:
    """`text` with every Traditional Chinese character replaced by its Simplified form (others unchanged): the
    detector reads answers this way (detector/answer_text.py) and rubrics match questions this way (rubrics.py)."""
    return text.translate(_fold_table())


def as_text(value: Any) -> str:
    """Coerce whatever a JSONL file or a model backend handed us into a string (None → "")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        # lm_eval stores generations as a list of candidate strings (one per repeat); the first is the response.
        return as_text(value[0]) if value else ""
    return str(value)


def final_answer(text: str) -> str:
    """A reasoning model's final answer without its thinking, in any format of reasoning.REASONING_FORMATS; a plain
    answer unchanged (stripped). Thinking that was never closed leaves no answer: the result is empty."""
    return split_reasoning(text).answer


def normalise_response(value: Any, max_chars: int = MAX_SCORED_CHARS) -> str:
    """The part of a response the detector scores: text, final answer only, bounded length."""
    return final_answer(as_text(value))[:max_chars]
