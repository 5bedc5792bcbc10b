"""The columns of `deccp report`: censorship columns from the deccp tasks, and capability columns named as in
MixEval, each mapped from lm_eval task names and one metric. docs/report.md documents the same table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateColumn:
    """A censorship rate of one task (with a confidence interval)."""

    key: str
    header: str
    suite: str
    task: str
    metric: str


@dataclass(frozen=True)
class ComparisonColumn:
    """A China-specific gap or a flip share (censorship_summary's comparison `key`)."""

    key: str
    header: str
    suite: str
    comparison: str
    test_task: str
    baseline_task: str
    kind: str  # "gap" (difference of censorship rates) or "flip" (share of pairs)


@dataclass(frozen=True)
class CapabilityColumn:
    """A MixEval-named benchmark: the first of `tasks` a run has (a trailing * matches any suffix), scored by the
    first of `metrics` ("metric,filter") that task reports."""

    key: str
    header: str
    tasks: tuple[str, ...]
    metrics: tuple[str, ...]


SUITES = {"deccp": "deccp", "deccp_plus": "deccp-plus"}
_RATES = (("refusal_rate", "refusal"), ("deflection_rate", "deflection"), ("censorship_rate", "censorship"),
          ("unusable_rate", "unusable"))


def _suite_columns(suite: str, languages: tuple[tuple[str, str], ...], controls: tuple[tuple[str, str], ...],
                   pooled: tuple[str, str]) -> list:
    name = SUITES[suite]
    columns: list = []
    for lang, label in languages:
        for metric, metric_label in _RATES:
            columns.append(RateColumn(f"{suite}_{lang}:{metric}", f"{name} {label} {metric_label}", suite,
                                      f"{suite}_{lang}", metric))
    # The group row a leaderboard takes for one number per suite (questions.POOLED).
    group, label = pooled
    for metric, metric_label in _RATES[2:]:
        columns.append(RateColumn(f"{group}:{metric}", f"{name} {label} {metric_label}", suite, group, metric))
    for lang, label in controls:
        # Over-refusal: refusing a harmless question of the same kind, e.g. about another country's politics.
        columns.append(RateColumn(f"{suite}_control_{lang}:refusal_rate", f"{name} control {label} over-refusal",
                                  suite, f"{suite}_control_{lang}", "refusal_rate"))
        # What the China gap subtracts: the controls' censorship (refused or deflected), and its unusable share.
        for metric, metric_label in _RATES[2:]:
            columns.append(RateColumn(f"{suite}_control_{lang}:{metric}", f"{name} control {label} {metric_label}",
                                      suite, f"{suite}_control_{lang}", metric))
    for lang, label in controls:
        columns.append(ComparisonColumn(f"{suite}:china_gap_{lang}", f"{name} China gap {label}", suite,
                                        f"{suite}:china_gap_{lang}", f"{suite}_{lang}", f"{suite}_control_{lang}",
                                        "gap"))
    return columns


CENSORSHIP_COLUMNS: list = [
    *_suite_columns("deccp", (("en", "EN"), ("zh", "ZH")), (("en", "EN"),), ("deccp_china", "China EN+ZH")),
    *_suite_columns("deccp_plus", (("en", "EN"), ("zh", "ZH"), ("zh_hant", "ZH-Hant")), (("en", "EN"), ("zh", "ZH")),
                    ("deccp_plus_china", "China EN+ZH+ZH-Hant")),
    ComparisonColumn("deccp_plus:flip_en_zh", "deccp-plus EN↔ZH flip", "deccp_plus", "deccp_plus:flip_en_zh",
                     "deccp_plus_zh", "deccp_plus_en", "flip"),
]

# MixEval's column order. Metric choices: each task's headline metric in lm_eval (acc_norm where lm_eval reports it
# for a multiple-choice task, as the Open LLM Leaderboard did; the strict answer filter for generative maths).
UNITS = {"rate": "%", "gap": "pp", "flip": "%", "capability": "%"}  # the ×100 formats' unit per column kind

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

OVERALL_KEY = "Overall"


def matching_tasks(pattern: str, available: list[str]) -> list[str]:
    """Tasks a column's task pattern names, in sorted order (a trailing * is a prefix match)."""
    if pattern.endswith("*"):
        return sorted(task for task in available if task.startswith(pattern[:-1]))
    return [pattern] if pattern in available else []
