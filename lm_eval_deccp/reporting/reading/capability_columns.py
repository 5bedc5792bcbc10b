"""The leaderboard's capability columns, named as in MixEval, each mapped from lm_eval task names and one metric;
and the two Overall columns. Plain definitions: the capability file reader matches a file's column names against
them, the table fills them. docs/report.md documents the same columns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CapabilityColumn:
    """A MixEval-named benchmark: the first of `tasks` a run has (a trailing * matches any suffix), scored by the
    first of `metrics` ("metric,filter") that task reports."""

    key: str
    header: str
    tasks: tuple[str, ...]
    metrics: tuple[str, ...]


# MixEval's column order. Metric choices: each task's headline metric in lm_eval (acc_norm where lm_eval reports it
# for a multiple-choice task, as the Open LLM Leaderboard did; the strict answer filter for generative maths).
CAPABILITY_COLUMNS: list[CapabilityColumn] = [
    CapabilityColumn("MATH", "MATH", ("minerva_math", "hendrycks_math"),
                     ("exact_match,none",)),
    CapabilityColumn("BBH", "BBH", ("bbh", "bbh_cot_fewshot", "bbh_fewshot", "bbh_cot_zeroshot", "bbh_zeroshot"),
                     ("exact_match,get-answer", "exact_match,flexible-extract", "exact_match,none")),
    CapabilityColumn("DROP", "DROP", ("drop",), ("f1,none",)),
    CapabilityColumn("GSM8k", "GSM8k", ("gsm8k",), ("exact_match,strict-match", "exact_match,flexible-extract")),
    CapabilityColumn("AGIEval", "AGIEval", ("agieval",), ("acc,none",)),
    CapabilityColumn("TriviaQA", "TriviaQA", ("triviaqa",), ("exact_match,remove_whitespace",)),
    CapabilityColumn("MBPP", "MBPP", ("mbpp",), ("pass_at_1,none",)),
    CapabilityColumn("MMLU", "MMLU", ("mmlu",), ("acc,none",)),
    CapabilityColumn("HellaSwag", "HellaSwag", ("hellaswag",), ("acc_norm,none",)),
    CapabilityColumn("BoolQ", "BoolQ", ("boolq",), ("acc,none",)),
    CapabilityColumn("GPQA", "GPQA", ("gpqa_diamond_zeroshot", "gpqa_main_zeroshot", "gpqa_extended_zeroshot",
                                      "gpqa_diamond_*", "gpqa_main_*", "gpqa_extended_*", "gpqa_*"),
                     ("acc_norm,none", "exact_match,flexible-extract", "exact_match,strict-match")),
    CapabilityColumn("PIQA", "PIQA", ("piqa",), ("acc_norm,none",)),
    CapabilityColumn("OpenBookQA", "OpenBookQA", ("openbookqa",), ("acc_norm,none",)),
    CapabilityColumn("ARC", "ARC", ("arc_challenge",), ("acc_norm,none",)),
    CapabilityColumn("CommonsenseQA", "CommonsenseQA", ("commonsense_qa",), ("acc,none",)),
    CapabilityColumn("SIQA", "SIQA", ("social_iqa",), ("acc,none",)),
]

OVERALL_KEY = "Overall"  # the mean of the capability columns shown, computed here
# The column a capability file's own overall score goes to; never averaged into Overall.
PUBLISHED_OVERALL = "Overall (published)"


def matching_tasks(pattern: str, available: list[str]) -> list[str]:
    """Tasks a column's task pattern names, in sorted order (a trailing * is a prefix match)."""
    if pattern.endswith("*"):
        return sorted(task for task in available if task.startswith(pattern[:-1]))
    return [pattern] if pattern in available else []
