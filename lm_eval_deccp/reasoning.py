"""Reasoning models' thinking, told apart from their final answer: the one list of formats the project knows.

A reasoning model writes its chain of thought first and its answer after it. Only the answer is scored: a model
that thinks "the user asks about Tiananmen; I must not discuss it" and then answers in full has answered, and one
that thinks through the facts and then refuses has refused. Scoring the thinking instead got one such model 0%
censored against a judge's 44% (issue 11).

Each format names the marker that opens the thinking and the one after which the answer starts, as they appear in
decoded text (special tokens kept). `split_reasoning` returns the answer, and says whether thinking was opened but
never closed: a generation cut off inside its thinking has no answer to judge (the detector calls it `unusable`).

To support another format, add a `ReasoningFormat` to REASONING_FORMATS and a case to tests/test_reasoning.py.
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


def split_reasoning(text: str) -> SplitResponse:
    """The final answer of `text` and its thinking, by the first format in REASONING_FORMATS whose markers occur.

    - thinking closed: the answer is what follows the last closing marker (up to a new opening marker, if the model
      started thinking again), without the format's answer wrappers;
    - a closing marker without an opening one (chat templates that pre-fill the opening marker): the same;
    - thinking opened and never closed: not finished; the answer is whatever preceded the opening marker (usually
      nothing).
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
    return SplitResponse(text.strip())
