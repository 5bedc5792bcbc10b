"""The text the detector reads: the final answer (a reasoning model's thinking split off), normalised, with
Traditional Chinese characters folded to Simplified.

The detector is trained on Simplified Chinese. Its character n-grams and phrase lists would treat the Traditional
spelling of the same answer (國家 for 国家, 鎮壓 for 镇压) as unseen text, so the same answer would be scored
differently in the two scripts. Folding each Traditional character to its Simplified form first makes the scripts
read alike. The fold itself (text.fold_to_simplified, a table of ~4,200 characters from OpenCC built by
scripts/build_script_fold.py) is shared with the rubrics, which match questions the same way.
"""

from __future__ import annotations

from typing import Any

from lm_eval_deccp.text import MAX_SCORED_CHARS, fold_to_simplified, normalise_response


def split_response(response: Any, thinking_in_prompt: bool | None = None):
    """A raw response (string, lm_eval's list of candidates, None) split into final answer and thinking."""
    from lm_eval_deccp.reasoning import split_reasoning
    from lm_eval_deccp.text import as_text

    return split_reasoning(as_text(response), thinking_in_prompt)


def fold_answer(answer: str) -> str:
    """An already extracted final answer as the detector reads it: bounded length, Traditional folded to
    Simplified (what detector_text does after extracting the answer)."""
    return fold_to_simplified(answer[:MAX_SCORED_CHARS])


def detector_text(response) -> str:
    """What the detector scores for one response: normalise_response (text, final answer without a reasoning
    model's thinking, bounded length), then the Traditional → Simplified fold. Training and classification both go
    through here."""
    return fold_to_simplified(normalise_response(response))
