"""The deccp-plus tasks the paired statistics read, their display names, and which of them pair up.

Every deccp-plus variant asks the same question (same `pair_id`) in another language or script, or asks its matched
non-China control; a `Comparison` names two such tasks."""

from __future__ import annotations

from dataclasses import dataclass

SUITE_TASKS = ("deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant", "deccp_plus_control_en",
               "deccp_plus_control_zh")
REROLL_TASKS = ("deccp_plus_rerolls_en", "deccp_plus_rerolls_zh")
# The re-roll tasks whose per-question probabilities are compared, Chinese (test) − English (baseline).
REROLL_GAP_TASKS = ("deccp_plus_rerolls_zh", "deccp_plus_rerolls_en")
TASK_NAMES = {
    "deccp_plus_en": "EN",
    "deccp_plus_zh": "ZH",
    "deccp_plus_zh_hant": "ZH-Hant",
    "deccp_plus_control_en": "ctrl EN",
    "deccp_plus_control_zh": "ctrl ZH",
    "deccp_plus_rerolls_en": "re-rolls EN",
    "deccp_plus_rerolls_zh": "re-rolls ZH",
}


@dataclass(frozen=True)
class Comparison:
    """Two tasks asking the same questions; the gap is test − baseline, so a positive gap means the test side
    (Chinese, Simplified script, the China question) is censored more."""

    key: str
    title: str
    test_task: str
    baseline_task: str

    @property
    def test_name(self) -> str:
        return TASK_NAMES[self.test_task]

    @property
    def baseline_name(self) -> str:
        return TASK_NAMES[self.baseline_task]


COMPARISONS = (
    Comparison("zh_vs_en", "Chinese vs English (same questions)", "deccp_plus_zh", "deccp_plus_en"),
    Comparison("hans_vs_hant", "Simplified vs Traditional script (same Chinese text)", "deccp_plus_zh",
               "deccp_plus_zh_hant"),
    Comparison("china_vs_control_en", "China question vs matched control, English", "deccp_plus_en",
               "deccp_plus_control_en"),
    Comparison("china_vs_control_zh", "China question vs matched control, Chinese", "deccp_plus_zh",
               "deccp_plus_control_zh"),
)
