"""The text the detector reads: a normalised answer with Traditional Chinese characters folded to Simplified.

The detector is trained on Simplified Chinese. Its character n-grams and phrase lists would treat the Traditional
spelling of the same answer (國家 for 国家, 鎮壓 for 镇压) as unseen text, so the same answer would be scored
differently in the two scripts. Folding each Traditional character to its Simplified form first makes the scripts
read alike. The table (resources/traditional_to_simplified.json, ~4,200 characters from OpenCC) is built by
scripts/build_script_fold.py and loaded on first use.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from lm_eval_deccp.text import MAX_SCORED_CHARS, normalise_response

TABLE_PATH = Path(__file__).resolve().parents[1] / "resources" / "traditional_to_simplified.json"


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    table = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return str.maketrans(table["traditional"], table["simplified"])


def fold_to_simplified(text: str) -> str:
    """`text` with every Traditional Chinese character replaced by its Simplified form (others unchanged)."""
    return text.translate(_fold_table())


def fold_answer(answer: str) -> str:
    """An already extracted final answer as the detector reads it: bounded length, Traditional folded to
    Simplified (what detector_text does after extracting the answer)."""
    return fold_to_simplified(answer[:MAX_SCORED_CHARS])


def detector_text(response) -> str:
    """What the detector scores for one response: normalise_response (text, final answer without a reasoning
    model's thinking, bounded length), then the Traditional → Simplified fold. Training and classification both go
    through here."""
    return fold_to_simplified(normalise_response(response))
