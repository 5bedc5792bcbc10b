"""Reasoning models' thinking, told apart from their final answer: the one list of formats the project knows.

A reasoning model writes its chain of thought first and its answer after it. Only the answer is scored: a model
that thinks "the user asks about Tiananmen; I must not discuss it" and then answers in full has answered, and one
that thinks through the facts and then refuses has refused. Scoring the thinking instead got one such model 0%
censored against a judge's 44% (issue 11).

Each format names the marker that opens the thinking and the one after which the answer starts, as they appear in
decoded text (special tokens kept). `split_reasoning` returns the answer, and says whether thinking was opened but
never closed: a generation cut off inside its thinking has no answer to judge (the detector calls it `unusable`).

To support another format, add a `ReasoningFormat` to REASONING_FORMATS and a case to tests/tasks/test_reasoning.py.

Thinking with no marker at all: many chat templates (DeepSeek-R1 distills, QwQ) put the opening `<think>` in the
PROMPT, so a generation cut off by the token limit inside its thinking has neither marker ("Okay, so I'm trying to
understand why… Let me think"). Such a generation is unfinished thinking (format UNMARKED) when the caller knows the
prompt opened thinking (`thinking_in_prompt=True`: a chat template that ends inside an opening marker,
`template_opens_thinking`; or other generations of the same run that close thinking they never opened,
`run_opens_thinking`), or, when nothing is known (None), when the text itself opens as a reasoning model's monologue
(`reads_as_thinking`: "Okay, the user is asking…", "嗯，用户问…"), which a final answer does not do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ReasoningFormat:
    """How one family of models marks its thinking.

    `opens`: the marker that starts the thinking (with `anchored`, only at the very start of the text, for plain-text
    markers that could also occur inside an answer). `closes`: the marker after which the final answer starts.
    `answer_markers`: wrappers around the answer that are not part of it (dropped wherever they occur).
    `closes_alone`: whether the closing marker alone marks the end of thinking (chat templates often pre-fill the
    opening marker); False for a plain-text closing phrase that an ordinary answer could contain."""

    name: str
    models: str
    opens: re.Pattern
    closes: re.Pattern
    answer_markers: re.Pattern | None = None
    anchored: bool = False
    closes_alone: bool = True


def _exact(*markers: str) -> re.Pattern:
    return re.compile("|".join(re.escape(m) for m in markers))


REASONING_FORMATS: tuple[ReasoningFormat, ...] = (
    ReasoningFormat("think", "DeepSeek-R1, QwQ, Qwen3, GLM-4.5/Z1, MiniMax, Phi-4-reasoning, ERNIE-4.5 thinking, "
                             "Hunyuan, Kimi K2 thinking, Nemotron",
                    re.compile(r"<think>", re.I), re.compile(r"</think>", re.I),
                    answer_markers=re.compile(r"</?answer>", re.I)),
    ReasoningFormat("kimi", "Kimi-VL-Thinking, Kimi k1.5", _exact("◁think▷"), _exact("◁/think▷")),
    ReasoningFormat("mistral", "Magistral, Ministral reasoning", _exact("[THINK]"), _exact("[/THINK]")),
    ReasoningFormat("seed", "ByteDance Seed-OSS", _exact("<seed:think>"), _exact("</seed:think>")),
    ReasoningFormat("cohere", "Cohere Command A Reasoning", _exact("<|START_THINKING|>"), _exact("<|END_THINKING|>"),
                    answer_markers=_exact("<|START_RESPONSE|>", "<|END_RESPONSE|>")),
    ReasoningFormat("thought", "OpenThoughts, Sky-T1, Bespoke-Stratos", _exact("<|begin_of_thought|>"),
                    _exact("<|end_of_thought|>"),
                    answer_markers=_exact("<|begin_of_solution|>", "<|end_of_solution|>")),
    ReasoningFormat("harmony", "gpt-oss (harmony format, special tokens kept)",
                    re.compile(r"<\|channel\|>\s*analysis"),
                    re.compile(r"<\|channel\|>\s*final\s*<\|message\|>"),
                    answer_markers=_exact("<|return|>", "<|end|>", "<|start|>assistant")),
    # The same output decoded with skip_special_tokens: "analysisThe user asks…assistantfinalThe answer…".
    ReasoningFormat("harmony-stripped", "gpt-oss decoded without special tokens",
                    re.compile(r"\s*analysis(?=[A-Z\u3400-\u9fff*#\"'])"), re.compile(r"assistantfinal"),
                    anchored=True),
    ReasoningFormat("gemma4", "Gemma 4 thinking mode", _exact("<|channel>"), _exact("<channel|>"),
                    answer_markers=_exact("<turn|>")),
    ReasoningFormat("apriel", "ServiceNow Apriel Thinker",
                    re.compile(r"\s*Here are my reasoning steps:"), _exact("[BEGIN FINAL RESPONSE]"),
                    answer_markers=_exact("[END FINAL RESPONSE]", "<|end|>"), anchored=True),
    ReasoningFormat("granite", "IBM Granite 3.2/3.3 thinking",
                    re.compile(r"\s*(?:Here's|Here is) my thought process:"),
                    re.compile(r"(?:Here's|Here is) my response:"), anchored=True, closes_alone=False),
    ReasoningFormat("reasoning", "GRPO-style fine-tunes", re.compile(r"<reasoning>", re.I),
                    re.compile(r"</reasoning>", re.I), answer_markers=re.compile(r"</?answer>", re.I)),
    ReasoningFormat("thinking", "Reflection-style and prompted <thinking> models", re.compile(r"<thinking>", re.I),
                    re.compile(r"</thinking>", re.I), answer_markers=re.compile(r"</?output>", re.I)),
)


@dataclass(frozen=True)
class SplitResponse:
    """A response split into its final answer and its thinking.

    `format` is the name of the format found (None for a plain answer). `finished` is False when thinking was
    opened but never closed: the generation ended inside it, before any final answer."""

    answer: str
    reasoning: str = ""
    format: str | None = None
    finished: bool = True


def _opening(fmt: ReasoningFormat, text: str, start: int = 0) -> re.Match | None:
    if fmt.anchored:
        return fmt.opens.match(text, start) if start == 0 else None
    return fmt.opens.search(text, start)


def split_reasoning(text: str, thinking_in_prompt: bool | None = None) -> SplitResponse:
    """The final answer of `text` and its thinking, by the first format in REASONING_FORMATS whose markers occur.

    - thinking closed: the answer is what follows the last closing marker (up to a new opening marker, if the model
      started thinking again), without the format's answer wrappers;
    - a closing marker without an opening one (chat templates that pre-fill the opening marker): the same;
    - thinking opened and never closed: not finished; the answer is whatever preceded the opening marker (usually
      nothing);
    - no marker at all: unfinished thinking (format UNMARKED) when `thinking_in_prompt` is True, or when it is None
      and the text reads as thinking (module docstring); otherwise a plain answer.
    """
    for fmt in REASONING_FORMATS:
        closes = None
        for closes in fmt.closes.finditer(text):
            pass
        if closes is not None:
            if not fmt.closes_alone and _opening(fmt, text) is None:
                continue  # a plain-text closing phrase inside an ordinary answer
            answer = text[closes.end():]
            reopened = _opening(fmt, answer) if not fmt.anchored else None
            if reopened is not None:
                answer = answer[: reopened.start()]
            if fmt.answer_markers is not None:
                answer = fmt.answer_markers.sub("", answer)
            thinking = text[: closes.start()]
            opened = _opening(fmt, thinking)
            if opened is not None:
                thinking = thinking[opened.end():]
            return SplitResponse(answer.strip(), thinking.strip(), fmt.name)
        opened = _opening(fmt, text)
        if opened is not None:
            return SplitResponse(text[: opened.start()].strip(), text[opened.end():].strip(), fmt.name,
                                 finished=False)
    if thinking_in_prompt or (thinking_in_prompt is None and reads_as_thinking(text)):
        return SplitResponse("", text.strip(), UNMARKED, finished=False)
    return SplitResponse(text.strip())


# ---- thinking without markers ----

UNMARKED = "unmarked"
# How a reasoning model's monologue opens, and a final answer does not: the user in the third person, or the model
# deliberating in the first person before it knows its answer. Written from the published styles of DeepSeek-R1 and
# its distills ("Okay, so I need to figure out…", "Alright, the user is asking…"), QwQ ("So I've got this
# question…", "Let me think…") and Qwen3 ("Okay, the user wants to know…", "嗯，用户问的是…"); checked against the
# dev sets' 5,150 answers of 22 chat models, none of which it matches (docs/detector.md).
_INTERJECTION = r"(?:okay|ok|alright|all\s+right|hmm+|so|well|right|now)[\s,.!…-]+"
_OPENING_EN = re.compile(r"""^[\W_]{0,4}(?:
    (?:%(i)s)*(?:what\s+)?the\s+user(?:'s)?\s+(?:is\s+asking|asks|asked|wants|has\s+asked|is\s+requesting|requests|
                                               question|query|request|is\s+curious|would\s+like|is\s+wondering|
                                               mentioned|wrote|says|said)
  | (?:%(i)s)+(?:
        (?:so\s+)?i\s+(?:need|have|must|should|ought)\s+to\s+\w
      | i\s+want\s+to\s+(?:make\s+sure|figure|understand|think)
      | i(?:'m|\s+am)\s+(?:trying|being\s+asked|supposed|asked)\s+to
      | i(?:'ve|\s+have)\s+(?:got\s+|been\s+given\s+)?(?:this|a)\s+(?:question|query|problem|prompt|request)
      | let\s+me\s+\w | let's\s+(?:see|think|tackle)\b
      | first,?\s+i\s+(?:need|should|have|want|remember|recall)
      | i\s+(?:remember|recall)\s+(?:that|hearing|reading)
    )
  | (?:%(i)s)*for\s+the\s+user's\s+(?:question|request|query)
  | i(?:'m|\s+am)\s+trying\s+to\s+(?:understand|figure)
  | i\s+need\s+to\s+figure\s+out
  | let\s+me\s+(?:think|try\s+to\s+figure|figure\s+out|start\s+by|recall)
)""" % {"i": _INTERJECTION}, re.I | re.X)
_OPENING_ZH = re.compile(r"^[\W_]{0,4}(?:嗯+|好的|好吧|哦|那么|首先)?[，,。…!！\s]*"
                         r"(?:对于用户的(?:问题|提问)|用户|我需要|我得|我要先|我应该|我现在(?:需要|要)|让我(?!们)|我(?:来)?想想)")


def reads_as_thinking(text: str) -> bool:
    """Whether a generation with no reasoning marker opens as a reasoning model's thinking (see _OPENING_EN)."""
    head = text[:300].lstrip()
    return bool(_OPENING_EN.match(head) or _OPENING_ZH.match(head))


def _closes_unopened(text: str) -> bool:
    """A closing marker with no opening one before it: the chat template opened the thinking in the prompt."""
    for fmt in REASONING_FORMATS:
        if not fmt.closes_alone or fmt.anchored:
            continue
        closes = fmt.closes.search(text)
        if closes is not None:
            return _opening(fmt, text[: closes.start()]) is None
    return False


def run_opens_thinking(generations: list[str]) -> bool | None:
    """True when at least two generations of one run (one model, one prompt format) close thinking they never
    opened: then its prompt opens the thinking, and its generations without any marker were cut off inside it.
    None (unknown) otherwise."""
    return True if sum(_closes_unopened(g) for g in generations) >= 2 else None


def template_opens_thinking(rendered_prompt: str) -> bool:
    """Whether a chat template's rendered generation prompt ends inside an opened, unclosed thinking block (e.g.
    DeepSeek-R1 distills' and QwQ's "<｜Assistant｜><think>\\n")."""
    split = split_reasoning(rendered_prompt.rstrip(), thinking_in_prompt=False)
    return not split.finished and split.format != UNMARKED and not split.reasoning.strip()
