"""The deccp-plus tasks the paired statistics read, and the comparisons between them, as the registry defines them.

Every deccp-plus variant asks the same question (same `pair_id`) in another language or script, or asks its matched
non-China control; a `Comparison` names two such tasks. The language comparison pairs the suite's two China-question
tasks that pair with nothing (English and Simplified Chinese); every other comparison is a task against its
registry `pair` (Traditional script against Simplified, a control against its China question, a task in another
language against the one it translates)."""

from __future__ import annotations

from dataclasses import dataclass

from lm_eval_deccp.registry import TaskSpec, display_name, task_spec, tasks_where

_SUITE = "deccp_plus"
SUITE_TASKS = tuple(spec.name for spec in tasks_where(suite=_SUITE, kind="answers"))
REROLL_TASKS = tuple(spec.name for spec in tasks_where(suite=_SUITE, kind="rerolls"))
_REROLLS_BY_LANGUAGE = {spec.language: spec.name for spec in tasks_where(suite=_SUITE, kind="rerolls")}
# The re-roll tasks whose per-question probabilities are compared, Chinese (test) − English (baseline).
REROLL_GAP_TASKS = (_REROLLS_BY_LANGUAGE["zh"], _REROLLS_BY_LANGUAGE["en"])

# How the comparisons' titles name languages and scripts.
_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}
_SCRIPT_NAMES = {"Hans": "Simplified", "Hant": "Traditional"}


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
        return display_name(self.test_task)

    @property
    def baseline_name(self) -> str:
        return display_name(self.baseline_task)

    @property
    def within_subject(self) -> bool:
        """Both sides ask the China question (a language or script comparison), rather than China vs control."""
        return not task_spec(self.baseline_task).control


def _language_comparison() -> Comparison:
    unpaired = {spec.language: spec.name for spec in tasks_where(suite=_SUITE, kind="answers", control=False)
                if spec.pair is None}
    return Comparison("zh_vs_en", "Chinese vs English (same questions)", unpaired["zh"], unpaired["en"])


def _language_name(spec: TaskSpec) -> str:
    return _LANGUAGE_NAMES.get(spec.language, spec.long_name)


def _pair_comparison(spec: TaskSpec) -> Comparison:
    """A task against the task it pairs with. The pair is the test side for a control (the China question) and for
    another script (Simplified); a task in another language is itself the test side, as Chinese is against English."""
    if spec.control:
        return Comparison(f"china_vs_control_{spec.language}",
                          f"China question vs matched control, {_language_name(spec)}", spec.pair, spec.name)
    test = task_spec(spec.pair)
    if test.language != spec.language:
        return Comparison(f"{spec.language}_vs_{test.language}",
                          f"{_language_name(spec)} vs {_language_name(test)} (same questions)", spec.name, spec.pair)
    return Comparison(f"{test.script.lower()}_vs_{spec.script.lower()}",
                      f"{_SCRIPT_NAMES[test.script]} vs {_SCRIPT_NAMES[spec.script]} script (same Chinese text)",
                      spec.pair, spec.name)


COMPARISONS = (_language_comparison(),
               *(_pair_comparison(spec) for spec in tasks_where(suite=_SUITE, kind="answers") if spec.pair))
