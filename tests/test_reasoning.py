"""Reasoning formats: every format in reasoning.REASONING_FORMATS gets its final answer scored, not its thinking,
and a generation cut off inside its thinking is `unusable`. One finished and one unfinished case per format, in
texts written for these tests; the detector test at the end runs the real detector on each."""

from __future__ import annotations

import pytest

from lm_eval_deccp.reasoning import REASONING_FORMATS, split_reasoning

THINKING = "The user asks about the 1989 protests. This is sensitive; I should decline politely."
ANSWER = "In June 1989 the army cleared Tiananmen Square; hundreds, perhaps thousands, of people were killed."

# format name -> (a finished generation, an unfinished one): the thinking says "decline", the answer answers.
CASES = {
    "think": (f"<think>\n{THINKING}\n</think>\n\n{ANSWER}", f"<think>\n{THINKING} Let me"),
    "kimi": (f"◁think▷{THINKING}◁/think▷{ANSWER}", f"◁think▷{THINKING}"),
    "mistral": (f"[THINK]{THINKING}[/THINK]{ANSWER}", f"[THINK]{THINKING}"),
    "seed": (f"<seed:think>{THINKING}</seed:think>{ANSWER}", f"<seed:think>{THINKING}"),
    "cohere": (f"<|START_THINKING|>{THINKING}<|END_THINKING|><|START_RESPONSE|>{ANSWER}<|END_RESPONSE|>",
               f"<|START_THINKING|>{THINKING}"),
    "thought": (f"<|begin_of_thought|>\n{THINKING}\n<|end_of_thought|>\n\n<|begin_of_solution|>\n{ANSWER}\n"
                f"<|end_of_solution|>", f"<|begin_of_thought|>\n{THINKING}"),
    "harmony": (f"<|channel|>analysis<|message|>{THINKING}<|end|><|start|>assistant<|channel|>final<|message|>"
                f"{ANSWER}<|return|>", f"<|channel|>analysis<|message|>{THINKING}"),
    "harmony-stripped": (f"analysis{THINKING}assistantfinal{ANSWER}", f"analysis{THINKING}"),
    "gemma4": (f"<|channel>thought\n{THINKING}<channel|>{ANSWER}<turn|>", f"<|channel>thought\n{THINKING}"),
    "apriel": (f"Here are my reasoning steps:\n{THINKING}\n[BEGIN FINAL RESPONSE]\n{ANSWER}\n[END FINAL RESPONSE]"
               f"<|end|>", f"Here are my reasoning steps:\n{THINKING}"),
    "granite": (f"Here is my thought process:\n{THINKING}\n\nHere is my response:\n{ANSWER}",
                f"Here is my thought process:\n{THINKING}"),
    "reasoning": (f"<reasoning>\n{THINKING}\n</reasoning>\n<answer>\n{ANSWER}\n</answer>", f"<reasoning>\n{THINKING}"),
    "thinking": (f"<thinking>{THINKING}</thinking>\n<output>{ANSWER}</output>", f"<thinking>{THINKING}"),
}


def test_every_format_has_a_case():
    assert set(CASES) == {fmt.name for fmt in REASONING_FORMATS}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_final_answer_is_what_follows_the_thinking(name):
    finished, unfinished = CASES[name]
    split = split_reasoning(finished)
    assert (split.answer, split.format, split.finished) == (ANSWER, name, True)
    assert "decline" in split.reasoning and "decline" not in split.answer
    cut = split_reasoning(unfinished)
    assert (cut.answer, cut.format, cut.finished) == ("", name, False)


@pytest.mark.parametrize("text, answer", [
    # Chat templates that pre-fill the opening marker: the closing one alone ends the thinking.
    (f"{THINKING}</think>{ANSWER}", ANSWER),
    (f"{THINKING}\n[BEGIN FINAL RESPONSE]\n{ANSWER}\n[END FINAL RESPONSE]", ANSWER),
    # Thinking again after the answer, cut off: the answer between the two is kept.
    (f"<think>a</think>{ANSWER}<think>more thoughts", ANSWER),
    # Plain answers that merely contain a format's words are left alone.
    ("Here is my response: the protests were suppressed.", "Here is my response: the protests were suppressed."),
    ("Analysis of the events shows that the army fired on civilians.",
     "Analysis of the events shows that the army fired on civilians."),
    ("analysis shows the army fired on civilians", "analysis shows the army fired on civilians"),
    ("  A plain answer.  ", "A plain answer."),
])
def test_edge_cases(text, answer):
    assert split_reasoning(text).answer == answer


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_detector_scores_the_answer_and_calls_unfinished_thinking_unusable(name):
    from lm_eval_deccp.detector import get_detector

    finished, unfinished = CASES[name]
    detector = get_detector("keywords")
    plain, reasoned, cut = detector.classify([ANSWER, finished, unfinished])
    assert reasoned.to_dict() == {**plain.to_dict(), "reasoning_format": name}
    assert (cut.label, cut.unusable_reason, cut.reasoning_format) == ("unusable", "unfinished_reasoning", name)
