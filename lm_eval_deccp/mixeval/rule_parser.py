"""The offline parser: MixEval's rule-based parsing, re-implemented from its documented behaviour
(github.com/Psycoy/MixEval, mix_eval/utils/metric_utils.py: parse_freeform_response_rule, eval_freeform_rule,
parse_multi_choice_response_rule, eval_multi_choice), so that an offline score is the score MixEval's own
`--free_form_parser rule --multi_choice_parser rule` would give. Two departures, both for determinism and honesty:
a multiple-choice answer in which no option is found gets a random letter as in MixEval, but drawn from a generator
seeded by the item id (MixEval draws from one process-wide stream, so its guesses depend on file order), and every
such guess is counted (`unparsed`). A reasoning model's thinking is removed first (lm_eval_deccp.reasoning).

MixEval's paper reports rule-based parsing as unstable; docs/mixeval.md measures how far this one is from MixEval's
published GPT-3.5 parse on stored answers."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from lm_eval_deccp.mixeval.items import Item
from lm_eval_deccp.mixeval.prompts import option_letters

RULE_PARSER = "rule"

# Words after which a sentence's tail is taken as the answer ("... so the final answer is 42").
_KEY_INDICATORS = ("could be ", "so ", "is ", "thus ", "therefore ", "final ", "answer ", "result ")
_TRIVIAL = {":", ",", ".", "!", "?", ";", "'"}
# MixEval splits sentences with r"\.\s(?=[A-Z])|\n" AFTER lower-casing, so only line breaks ever split; kept as is.
_SENTENCE_SPLIT = re.compile(r"\.\s(?=[A-Z])|\n")
_NUMBER_WITH_COMMAS = re.compile(r"-?\b\d{1,3}(?:,\d{3})+\b")
_NUMBER_SCIENTIFIC = re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+")
_NUMBER_SIMPLE = re.compile(r"-?(?:\d+\.\d+|\.\d+|\d+\b)(?![eE][+-]?\d+)(?![,\d])")


@dataclass(frozen=True)
class Parsed:
    """One answer's score (0.0 or 1.0 for the rule parser), what was read from it, and whether nothing was."""

    score: float
    reading: str
    unparsed: bool = False


# ---- free-form ----

def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def _normalise(text: str) -> list:
    """A number as a float rounded to 2 places; other text lower-cased, a single character padded with a space on
    either side so that it matches only as a word."""
    text = text.strip()
    if _is_number(text):
        return [round(float(text.replace(",", "")), 2)]
    text = text.lower()
    return [" " + text, text + " "] if len(text) == 1 else [text]


def _numbers(text: str) -> list[str]:
    return _NUMBER_WITH_COMMAS.findall(text) + _NUMBER_SCIENTIFIC.findall(text) + _NUMBER_SIMPLE.findall(text)


def _key_parts(response: str) -> list[str]:
    """The tails of the lines that announce an answer; the whole (lower-cased) response when none does."""
    response = response.strip().strip(".").lower()
    lines = _SENTENCE_SPLIT.split(response)
    found = []
    for index, line in enumerate(lines):
        indicators = _KEY_INDICATORS + (("=",) if index == len(lines) - 1 else ())
        shortest = ""
        for indicator in indicators:
            if indicator in line:
                tail = line.split(indicator)[-1].strip()
                # As MixEval: an empty tail so far is replaced by any later one; otherwise only a shorter one wins.
                if not shortest or len(tail) < len(shortest):
                    shortest = tail
        if shortest and shortest.strip() not in _TRIVIAL:
            found.append(shortest)
    return found or [response]


def free_form_predictions(response: str) -> list:
    parts = _key_parts(response)
    candidates = parts + [number for part in parts for number in _numbers(part)]
    predictions: list = []
    for candidate in candidates:
        for value in _normalise(candidate):
            if value not in predictions:
                predictions.append(value)
    return predictions


def free_form_correct(targets: tuple, predictions: list) -> bool:
    golds = [value for target in targets for value in _normalise(str(target))]
    for prediction in predictions:
        if isinstance(prediction, str):
            if any(isinstance(gold, str) and gold in prediction for gold in golds):
                return True
        elif prediction in golds:
            return True
    return False


def parse_free_form(item: Item, answer: str) -> Parsed:
    predictions = free_form_predictions(answer)
    shown = "; ".join(str(p) for p in predictions)
    return Parsed(1.0 if free_form_correct(item.target, predictions) else 0.0, shown, unparsed=not answer.strip())


# ---- multiple-choice ----

def _letter_patterns(letter: str) -> tuple[str, ...]:
    """Where MixEval looks for an option letter: alone between spaces or line breaks, with a full stop, in
    parentheses, or in Markdown bold."""
    return (f" {letter} ", f" {letter}\n", f"\n{letter} ", f"\n{letter}\n", f" {letter}. ", f" {letter}.\n",
            f"\n{letter}. ", f"\n{letter}.\n", f"({letter})", f"**{letter} ", f" {letter}**", f"**{letter}. ",
            f" {letter}.**")


def _positions(text: str, sub: str) -> list[int]:
    return [match.start() for match in re.finditer(re.escape(sub), text)]


def multiple_choice_letter(item: Item, answer: str) -> str | None:
    """The option the answer names first (by position), or None when it names none."""
    letters = option_letters(len(item.options))
    text = answer
    for char in (",", ".", "!", "?", ";", ":", "'"):
        text = text.strip(char)
    text = f" {text} "
    candidates = [(position, order, letter)
                  for order, (letter, pattern) in enumerate((l, p) for l in letters for p in _letter_patterns(l))
                  for position in _positions(text, pattern)]
    if not candidates and len(text.split()) > 5:
        # No letter: look for an option's own text in a longer answer.
        lowered = text.lower()
        candidates = [(position, order, letter) for order, (letter, option) in enumerate(zip(letters, item.options))
                      for position in _positions(lowered, option.lower())]
    if not candidates:
        return None
    return min(candidates)[2]


def guessed_letter(item: Item) -> str:
    """MixEval's random letter for an answer that names no option, reproducible per item."""
    return random.Random(f"mixeval:{item.id}").choice(option_letters(len(item.options)))


def target_letter(item: Item) -> str:
    return option_letters(len(item.options))[item.target[0]]


def parse_multiple_choice(item: Item, answer: str) -> Parsed:
    letter = multiple_choice_letter(item, answer)
    unparsed = letter is None
    letter = guessed_letter(item) if unparsed else letter
    return Parsed(1.0 if letter == target_letter(item) else 0.0, letter, unparsed)


def parse(item: Item, answer: str) -> Parsed:
    return parse_free_form(item, answer) if item.part == "freeform" else parse_multiple_choice(item, answer)
