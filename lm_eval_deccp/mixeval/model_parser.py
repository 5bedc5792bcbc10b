"""The model parser: an LLM reads each answer, as MixEval's default parser does (GPT-3.5-Turbo-0125; github.com/
Psycoy/MixEval, mix_eval/utils/judge_freeform_parser.py, judge_multichoice_parser.py, prompts/judge_prompts.py).
It is the project's judge endpoint (lm_eval_deccp/judge: DECCP_JUDGE_URL, DECCP_JUDGE_MODEL, …), used whenever one
is configured.

Free-form: the parser sees the question (without its context), the gold answers numbered `<answer i>` and joined
with "; ", and the model's answer, reasons briefly and gives a correctness score in 0.0–1.0 in steps of 0.1 as
"[[score]]" (partial credit is MixEval's design). Multiple-choice: it sees the question, the lettered options and
the answer, and names the chosen option as "[[letter]]". Our prompts follow MixEval's structure and scales in our own
words, with one worked example each rather than MixEval's three, so scores are close to, not identical with, a
MixEval model parse by the same model. Replies are read as MixEval reads them ("[[x]]", else "[x]").

A reply that cannot be read, or a request that fails, falls back to the rule parser for that item (MixEval retries
up to ten times, then guesses at random); every fallback is counted in the run's record. After FAIL_STREAK endpoint
failures in a row the endpoint is taken to be down and the rest of the batch is rule-parsed."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from lm_eval_deccp.judge.client import JudgeClient, JudgeRequestError
from lm_eval_deccp.judge.config import JudgeConfig
from lm_eval_deccp.mixeval import rule_parser
from lm_eval_deccp.mixeval.items import Item
from lm_eval_deccp.mixeval.prompts import option_letters
from lm_eval_deccp.mixeval.rule_parser import Parsed

PROMPT_VERSION = "mixeval-parser-1"
# The parser reasons before its verdict (MixEval allows 999 tokens); enough for a short paragraph.
MAX_TOKENS = 400
FAIL_STREAK = 5
_DOUBLE = r"\[\[({})\]\]"
_SINGLE = r"\[({})\]"
_SCORE = r"\d+\.?\d*"
_LETTER = r"[A-Z]"

_FREE_FORM_SYSTEM = "You are judging answers to questions; act as a strict but fair grader."
_FREE_FORM_TASK = """Below are a question (its context is not shown), its golden answer(s) and a model's answer. \
Judge how correct the model's answer is with respect to the golden answer(s); any one golden answer counts as \
correct. First give your reasoning briefly, then a correctness score that is one of 0.0 (totally wrong), 0.1, 0.2, \
0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9 or 1.0 (totally right), written exactly as "[[score]]", e.g. "Correctness: [[0.5]]".

Example:
Question: How many legs does a spider have?
Golden Answer(s): <answer 1> 8; <answer 2> eight
Model's Answer: Spiders have four pairs of legs.
Your Judgment: Four pairs of legs are eight legs, which matches the golden answer. Correctness: [[1.0]].

Question: {question}
Golden Answer(s): {golds}
Model's Answer: {answer}
Your Judgment:"""

_MULTIPLE_CHOICE_SYSTEM = "You extract which option a model chose in its answer to a multiple-choice question."
_MULTIPLE_CHOICE_TASK = """Below are a multiple-choice question (its context is not shown), its options and a \
model's answer. Say which option the model chose, judging only from its answer. First give your reasoning briefly, \
then the option letter, written exactly as "[[letter]]", e.g. "Chosen option: [[A]]".

Example:
Question: Which planet is closest to the sun?
Options:
A. Venus
B. Mercury
C. Mars
Model's Answer: The closest planet to the sun is Mercury.
Your Judgment: The answer names Mercury, which is option B. Chosen option: [[B]].

Question: {question}
Options:
{options}
Model's Answer: {answer}
Your Judgment:"""


def messages_for(item: Item, answer: str) -> list[dict[str, str]]:
    if item.part == "freeform":
        golds = "; ".join(f"<answer {index}> {gold}" for index, gold in enumerate(item.target, start=1))
        text = _FREE_FORM_TASK.format(question=item.prompt, golds=golds, answer=answer)
        return [{"role": "system", "content": _FREE_FORM_SYSTEM}, {"role": "user", "content": text}]
    options = "\n".join(f"{letter}. {option}" for letter, option in zip(option_letters(len(item.options)),
                                                                        item.options))
    text = _MULTIPLE_CHOICE_TASK.format(question=item.prompt, options=options, answer=answer)
    return [{"role": "system", "content": _MULTIPLE_CHOICE_SYSTEM}, {"role": "user", "content": text}]


def _bracketed(reply: str, value: str) -> str | None:
    match = re.search(_DOUBLE.format(value), reply) or re.search(_SINGLE.format(value), reply)
    return match.group(1) if match else None


def read_reply(item: Item, reply: str) -> Parsed | None:
    """The score a parser reply gives, or None when it gives none MixEval would accept."""
    if item.part == "freeform":
        found = _bracketed(reply, _SCORE)
        score = float(found) if found is not None else -1.0
        return Parsed(score, f"[[{found}]]") if 0.0 <= score <= 1.0 else None
    letter = _bracketed(reply, _LETTER)
    if letter is None:
        return None
    return Parsed(1.0 if letter == rule_parser.target_letter(item) else 0.0, letter)


class ModelParser:
    """Parses a batch of answers through the judge endpoint, concurrently; `fallbacks` counts the items that were
    rule-parsed instead (unreadable reply, failed request, endpoint down)."""

    def __init__(self, config: JudgeConfig):
        self.config = config
        self.client = JudgeClient(config)
        self.name = f"model:{config.model}"
        self.fallbacks = 0
        self._streak = 0
        self._lock = threading.Lock()

    def _one(self, item: Item, answer: str) -> Parsed:
        with self._lock:
            down = self._streak >= FAIL_STREAK
        if not down and answer.strip():
            try:
                reply = self.client.complete(messages_for(item, answer), max_tokens=MAX_TOKENS)
                with self._lock:
                    self._streak = 0
                parsed = read_reply(item, reply.text)
                if parsed is not None:
                    return parsed
            except JudgeRequestError as err:
                with self._lock:
                    self._streak = self._streak + 1 if err.endpoint_failed else self._streak
        with self._lock:
            self.fallbacks += 1
        return rule_parser.parse(item, answer)

    def parse_all(self, items: Sequence[Item], answers: Sequence[str]) -> list[Parsed]:
        with ThreadPoolExecutor(max(1, self.config.concurrency)) as pool:
            return list(pool.map(self._one, items, answers))
