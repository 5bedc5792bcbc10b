"""Items rendered as MixEval renders them for chat models (github.com/Psycoy/MixEval,
mix_eval/prompts/evaluation_prompts.py: construct_prompt_freeform, construct_prompt_multichoice), zero-shot: MixEval
gives its five-shot prefixes only to base models (mix_eval/models/base.py), and these tasks are run with the model's
chat template. tests/mixeval/test_mixeval.py checks every rendering against the `formated_input` MixEval's own suite
stored for gemma-1.1-7b-it's answers (../shared/data/mixeval/model_responses/)."""

from __future__ import annotations

from lm_eval_deccp.mixeval.items import Item

MULTIPLE_CHOICE_INSTRUCTION = "Answer with the option letter from the given choices directly."
SHORT_ANSWER_INSTRUCTION = "Answer the question shortly."
STEP_BY_STEP_INSTRUCTION = "Answer the question. \nLet's think step by step."
# Free-form benchmarks MixEval asks to reason step by step; every other one gets the short-answer instruction.
STEP_BY_STEP_BENCHMARKS = frozenset({"BBH", "GSM8k", "MATH"})


def option_letters(count: int) -> list[str]:
    return [chr(ord("A") + index) for index in range(count)]


def has_context(context: str | None) -> bool:
    """MixEval's test: a context that is absent, "none"/"null" in any case, or only spaces is no context."""
    return context is not None and context.lower() not in ("none", "null") and context.replace(" ", "") != ""


def render_multiple_choice(item: Item) -> str:
    options = "\n".join(f"{letter}. {option}" for letter, option in zip(option_letters(len(item.options)),
                                                                        item.options))
    body = f"{item.prompt}\n{options}\n{MULTIPLE_CHOICE_INSTRUCTION}"
    return f"{item.context}\n{body}" if has_context(item.context) else body


def render_free_form(item: Item) -> str:
    if item.benchmark == "QuAc":
        # MixEval never wrote a QuAC prompt (it raises NotImplementedError); no released version has QuAC items.
        raise ValueError(f"item {item.id}: MixEval has no free-form prompt for QuAC")
    instruction = STEP_BY_STEP_INSTRUCTION if item.benchmark in STEP_BY_STEP_BENCHMARKS else SHORT_ANSWER_INSTRUCTION
    body = f"{item.prompt}\n{instruction}"
    return f"Question: {item.context}\n{body}" if has_context(item.context) else f"Question: {body}"


def render(item: Item) -> str:
    return render_free_form(item) if item.part == "freeform" else render_multiple_choice(item)
