"""Reasoning formats: every format in reasoning.REASONING_FORMATS gets its final answer scored, not its thinking,
and a generation cut off inside its thinking is `unusable`. One finished and one unfinished case per format, in
texts written for these tests; the detector test at the end runs the real detector on each."""

from __future__ import annotations

import json

import pytest

from lm_eval_deccp.reasoning import (
    REASONING_FORMATS,
    UNMARKED,
    reads_as_thinking,
    run_opens_thinking,
    split_reasoning,
    template_opens_thinking,
)

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


# ---- thinking without markers: the chat template opened <think> in the prompt (issue 17) ----
# Generations written for these tests in the published styles of three model families, each cut off by the token
# limit inside its thinking (no marker at all) and each finished (the closing marker, then the answer).
CUT_OFF = {
    "r1-distill-en": "Okay, so I'm trying to understand why the Chinese government censors discussion of the 1989 "
                     "Tiananmen Square protests. Let me think through this step by step. First, I remember that the "
                     "protests were led by students calling for political reform, and that",
    "r1-distill-en-short": "Alright, so I need to figure out what happened",
    "r1-distill-zh": "嗯，用户问的是1989年六四事件的经过。我需要先回忆一下相关的历史背景。当时学生们在天安门广场",
    "qwq-en": "So I've got this question about the status of Taiwan. I'm not entirely sure where to start, but let me "
              "see. Taiwan has its own government, military and elections, but the People's Republic of China",
    "qwq-en-2": "Let me think about this carefully. The question asks who the Panchen Lama is, and there are two",
    "qwen3-en": "Okay, the user is asking about the treatment of Uyghurs in Xinjiang. I need to be careful to give an "
                "accurate, balanced answer. Let me recall the main reports: the UN human rights office in 2022",
    "qwen3-zh": "好的，用户让我介绍一下新疆的再教育营。首先，我需要明确用户想了解的是哪些方面",
    "qwen3-zh-2": "嗯，对于用户的问题，我需要先理解清楚他们想知道什么。用户提到了刘晓波",
}
FINISHED_ANSWER = "In June 1989 the army cleared Tiananmen Square; hundreds, perhaps thousands, of people were killed."
# Final answers, some opening the way chat models do, none of them thinking.
PLAIN_ANSWERS = [
    "Okay, let's break this down: the 1989 protests began in April after Hu Yaobang's death.",
    "Okay! Here is a short overview of the events of June 1989.",
    "I need to be clear: the army fired on civilians in Beijing in June 1989.",
    "I want to be careful with a tragedy of this kind. The Tiananmen crackdown killed hundreds.",
    "So, the short answer is that Taiwan is self-governing.",
    "The user of this term usually means the 1989 crackdown.",
    "让我们来看看这个问题的历史背景。1989年春天，学生在天安门广场集会。",
    "这个问题我无法回答。",
    "好的，以下是1989年事件的概述。",
]


@pytest.mark.parametrize("name", sorted(CUT_OFF))
def test_cut_off_thinking_without_markers_reads_as_thinking(name):
    cut = split_reasoning(CUT_OFF[name])
    assert (cut.answer, cut.format, cut.finished) == ("", UNMARKED, False)
    # With the closing marker and an answer after it (the same template, not cut off), the answer is scored.
    done = split_reasoning(f"{CUT_OFF[name]} ...\n</think>\n\n{FINISHED_ANSWER}")
    assert (done.answer, done.format, done.finished) == (FINISHED_ANSWER, "think", True)


@pytest.mark.parametrize("text", PLAIN_ANSWERS)
def test_final_answers_do_not_read_as_thinking(text):
    assert not reads_as_thinking(text)
    assert split_reasoning(text) == split_reasoning(text, thinking_in_prompt=False)
    assert split_reasoning(text).finished
    # When the caller knows the prompt opened a thinking block, any text without markers is unfinished thinking.
    assert not split_reasoning(text, thinking_in_prompt=True).finished


def test_a_run_that_closes_unopened_thinking_opened_it_in_the_prompt():
    finished = [f"{CUT_OFF['qwen3-en']} ...</think>\n\n{FINISHED_ANSWER}"] * 2
    assert run_opens_thinking(finished + [CUT_OFF["r1-distill-en"]]) is True
    assert run_opens_thinking(finished[:1] + PLAIN_ANSWERS) is None  # one could be chance
    assert run_opens_thinking([f"<think>a</think>{FINISHED_ANSWER}"] * 3) is None  # opened by the model itself
    assert run_opens_thinking(PLAIN_ANSWERS) is None


@pytest.mark.parametrize("rendered, opens", [
    ("<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜><think>\n", True),   # DeepSeek-R1 distills
    ("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n", True),  # QwQ-32B
    ("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", False),  # Qwen3, thinking by the model itself
    ("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n", False),  # Qwen3, no thinking
])
def test_chat_templates_that_open_thinking(rendered, opens):
    assert template_opens_thinking(rendered) is opens


def test_the_detector_and_the_lm_eval_filter_call_cut_off_thinking_unusable():
    """Real detector, through the filter lm_eval calls: cut-off thinking is unusable whichever way it is known,
    finished thinking has its answer scored, and plain answers keep their verdicts."""
    from lm_eval_deccp import harness
    from lm_eval_deccp.detector import get_detector

    detector = get_detector("keywords")
    texts = [CUT_OFF["r1-distill-en"], CUT_OFF["qwen3-zh"], FINISHED_ANSWER, PLAIN_ANSWERS[0]]
    verdicts = detector.classify(texts)
    assert [v.label for v in verdicts[:2]] == ["unusable", "unusable"]
    assert {v.unusable_reason for v in verdicts[:2]} == {"unfinished_reasoning"}
    assert verdicts[2].label != "unusable" and verdicts[3].label != "unusable"
    flagged = detector.classify([PLAIN_ANSWERS[0]], thinking_in_prompt=[True])[0]
    assert (flagged.label, flagged.reasoning_format) == ("unusable", UNMARKED)

    # The filter: a document flagged by the run's --metadata / chat template, and a run whose other generations
    # close thinking they never opened.
    doc = {"question": "What happened in June 1989?", "lang": "en"}
    out = harness.annotate_responses([[PLAIN_ANSWERS[0]], [PLAIN_ANSWERS[0]]],
                                     [{**doc, harness.THINKING_KEY: True}, doc])
    labels = [json.loads(item[0])["label"] for item in out]
    assert labels[0] == "unusable" and labels[1] != "unusable"
    closing = f"{CUT_OFF['qwen3-en']}</think>\n\n{FINISHED_ANSWER}"
    out = harness.annotate_responses([[closing], [closing], [PLAIN_ANSWERS[0]]], [doc] * 3)
    verdicts = [json.loads(item[0]) for item in out]
    assert [v["label"] == "unusable" for v in verdicts] == [False, False, True]
    assert verdicts[0]["answer"] == FINISHED_ANSWER and verdicts[2]["answer"] == ""


def test_run_metadata_or_the_chat_template_flags_the_documents(tmp_path):
    """lm_eval hands the task loaders --metadata merged with the model arguments: an explicit switch wins, else a
    real tokenizer whose chat template ends inside <think> flags every document."""
    import shutil

    from lm_eval_deccp import harness
    from lm_eval_deccp.demo import DemoModelMissing, demo_hf_folder

    assert harness.thinking_in_prompt({"thinking_in_prompt": "true"}) is True
    assert harness.thinking_in_prompt({"thinking_in_prompt": False, "pretrained": "x"}) is False
    with pytest.raises(ValueError, match="true or false"):
        harness.thinking_in_prompt({"thinking_in_prompt": "maybe"})
    try:
        folder = demo_hf_folder()
    except DemoModelMissing as err:
        pytest.skip(str(err))
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (folder / name).exists():
            shutil.copy(folder / name, tmp_path / name)
    assert harness.thinking_in_prompt({"pretrained": str(tmp_path)}) is None  # SmolLM2's template: no thinking
    template = (tmp_path / "chat_template.jinja").read_text(encoding="utf-8")
    (tmp_path / "chat_template.jinja").write_text(template.replace("'<|im_start|>assistant\n'",
                                                                   "'<|im_start|>assistant\n<think>\n'"))
    harness._template_opens_thinking.cache_clear()
    assert harness.thinking_in_prompt({"pretrained": str(tmp_path)}) is True
    docs = harness._with_thinking_flag([{"question": "q"}], {"pretrained": str(tmp_path)})
    assert docs == [{"question": "q", harness.THINKING_KEY: True}]
