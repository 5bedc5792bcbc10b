"""Text helpers shared by data loading and detection: script detection and response normalisation."""

from __future__ import annotations

import re
from typing import Any

# CJK Unified Ideographs, Extension A and the compatibility block: enough to tell Chinese from English text.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Reasoning models wrap their chain of thought in these tags; only what follows is the answer we score.
_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)

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
    """Drop a reasoning model's <think>…</think> part and return the answer that follows it.

    An unclosed <think> (generation cut off while thinking) leaves no answer, so the result is empty; a stray
    </think> without an opening tag (chat templates that pre-fill <think>) keeps what follows it.
    """
    text = _THINK_BLOCK.sub("", text)
    close = list(_THINK_CLOSE.finditer(text))
    if close:
        text = text[close[-1].end():]
    opened = _THINK_OPEN.search(text)
    if opened:
        text = text[: opened.start()]
    return text.strip()


def normalise_response(value: Any, max_chars: int = MAX_SCORED_CHARS) -> str:
    """The part of a response the detector scores: text, final answer only, bounded length."""
    return final_answer(as_text(value))[:max_chars]
