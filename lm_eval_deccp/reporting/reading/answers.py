"""The answers behind a leaderboard: every verdict in the runs' logged samples, with its question, for the audit
page (`deccp report --format html`).

A model's answers are read from the same runs its leaderboard row uses (for each task, the latest run holding it:
model_runs.group_by_model; a run of other questions than the benchmark's is a row of its own), so the answers a
reader clicks through to are the ones that produced the rate. Any task whose samples carry the deccp verdicts counts
(lm_eval runs with --log_samples, `deccp score` output, re-rolls, custom `--task-prefix` tasks); samples of other
tasks (capability benchmarks) are passed over without reading past their first line. Bad input is named and left
out, never turned into a label: a sample whose verdicts cannot be decoded, or whose label is not one of
labels.VERDICT_LABELS, becomes a problem naming the file, line and field.

Everything returned is plain JSON-able data in a fixed order (model, task, doc_id, repeat), so the page is
deterministic."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp.metrics import fact_mentioned, key_facts_of
from lm_eval_deccp.registry import TASKS
from lm_eval_deccp.reporting.reading.model_runs import ModelRuns
from lm_eval_deccp.reporting.reading.runs import ResultsError, iter_jsonl_objects, sample_verdicts
from lm_eval_deccp.text import as_text

# Who gave an `unusable` verdict: detector/unusable.py's measurement, not a model.
UNUSABLE_RULE = "the unusable rule (measured, no model)"

# The raw generation is kept beside the scored answer only when they differ (a reasoning model's thinking was
# dropped); thinking can run to thousands of tokens per answer, so it is cut here to keep the page small. The
# source file and line of every answer are on the page for the rest.
MAX_RESPONSE_CHARS = 4000
# Verdict fields the page shows in their own places; any other scalar field a verdict carries (a judge's, say)
# is shown as it is, under "other fields".
_SHOWN_FIELDS = {"label", "censored", "p_answered", "p_refused", "p_deflected", "p_censored", "lang", "answer",
                 "scored_by", "unusable_reason", "reasoning_format", "empty"}
# Display names of the languages a question can be in (doc `script`, else doc `lang`).
LANGUAGE_NAMES = {"en": "English", "zh-Hans": "Chinese (Simplified)", "zh-Hant": "Chinese (Traditional)",
                  "zh": "Chinese"}
_SCRIPTS = {"en": "en", "zh_hans": "zh-Hans", "zh_hant": "zh-Hant", "zh": "zh"}


@dataclass
class AnswerSet:
    """The answers of every model, and what the page needs to present them."""

    models: list[str]
    answers: list[dict[str, Any]]
    files: list[str]  # samples files; each answer names one by index, with its line number
    # model -> flip column key -> the pair_ids that flip: filled by the audit page (audit_page/flips.py)
    flips: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    tasks_with_answers: dict[str, list[str]] = field(default_factory=dict)  # model -> tasks

    def scored_by_counts(self) -> Counter:
        """{who gave the verdict: answers}; an `unusable` verdict names no artifact (it is measured), so it counts
        under UNUSABLE_RULE, and "" is left for runs made before verdicts recorded `scored_by`."""
        return Counter(answer.get("scored_by") or (UNUSABLE_RULE if answer.get("unusable_reason") else "")
                       for answer in self.answers)


def collect_answers(models: Sequence[ModelRuns], problems: list[str]) -> AnswerSet:
    answer_set = AnswerSet(models=[model.model for model in models], answers=[], files=[])
    for index, model in enumerate(models):
        for task in _ordered(sorted(model.task_run)):
            run = model.task_run[task]
            path = run.samples.get(task)
            if path is None:
                continue
            try:
                rows = _task_answers(task, path, problems)
            except ResultsError as err:
                problems.append(f"{err}; its answers are left out of the page")
                continue
            if rows is None:
                continue
            file_index = len(answer_set.files)
            answer_set.files.append(str(path))
            for row in rows:
                row["model"], row["file"] = index, file_index
            answer_set.answers.extend(rows)
            answer_set.tasks_with_answers.setdefault(model.model, []).append(task)
    return answer_set


def _ordered(tasks: list[str]) -> list[str]:
    """The registry's tasks first, in its display order, then the others alphabetically."""
    return [task for task in TASKS if task in tasks] + [task for task in tasks if task not in TASKS]


def _task_answers(task: str, path: Path, problems: list[str]) -> list[dict[str, Any]] | None:
    """One answer per verdict in a samples file; None when the file is not a deccp task's (no verdicts)."""
    rows: list[dict[str, Any]] = []
    for count, (line, sample) in enumerate(iter_jsonl_objects(path)):
        try:
            verdicts = sample_verdicts(sample)
        except ResultsError as err:
            problems.append(f"{path}:{line}: {err}; sample left out of the page")
            continue
        if count == 0 and not verdicts:
            if task.startswith("deccp"):
                problems.append(f"{path}:{line}: field 'filtered_resps' holds no deccp verdicts (JSON objects with a "
                                "'label'); was it written by an older lm-eval-deccp? Its answers are left out of the page")
            return None
        if not verdicts:
            problems.append(f"{path}:{line}: field 'filtered_resps' holds no deccp verdicts; sample left out of the page")
            continue
        responses = _responses(sample)
        doc = sample.get("doc") if isinstance(sample.get("doc"), dict) else {}
        for repeat, verdict in enumerate(verdicts):
            rows.append(_answer(task, sample, doc, verdict, repeat if len(verdicts) > 1 else None,
                                responses[repeat] if repeat < len(responses) else None, line))
    return rows


def _responses(sample: dict[str, Any]) -> list[str]:
    """The raw generations of a sample (lm_eval: resps = [[one per repeat]])."""
    resps = sample.get("resps")
    if isinstance(resps, list) and len(resps) == 1 and isinstance(resps[0], list):
        return [as_text(r) for r in resps[0]]
    return []


def _answer(task: str, sample: dict[str, Any], doc: dict[str, Any], verdict: dict[str, Any], repeat: int | None,
            response: str | None, line: int) -> dict[str, Any]:
    answer = as_text(verdict.get("answer"))
    probabilities = [_probability(verdict.get(f"p_{label}")) for label in ("answered", "refused", "deflected")]
    row: dict[str, Any] = {
        "task": task,
        "doc_id": sample.get("doc_id"),
        "repeat": repeat,
        "id": _text_or_none(doc.get("id")),
        "pair_id": _text_or_none(doc.get("pair_id")),
        "topic": _text_or_none(doc.get("topic")),
        "form": _text_or_none(doc.get("form")),
        "control": _is_control(task, doc),
        "lang": _language(doc, verdict),
        "question": as_text(doc.get("question")),
        "answer": answer,
        "label": verdict["label"],
        "p": probabilities if all(p is not None for p in probabilities) else None,
        "scored_by": _text_or_none(verdict.get("scored_by")),
        "unusable_reason": _text_or_none(verdict.get("unusable_reason")),
        "reasoning_format": _text_or_none(verdict.get("reasoning_format")),
        "line": line,
    }
    if response is not None and response.strip() != answer.strip():
        row["response"] = response[:MAX_RESPONSE_CHARS]
        if len(response) > MAX_RESPONSE_CHARS:
            row["response_cut"] = len(response)
    coverage = sample.get("fact_coverage")
    if repeat is None and isinstance(coverage, (int, float)) and math.isfinite(coverage):
        row["fact_coverage"] = round(float(coverage), 4)
    facts = _key_facts(doc, answer)
    if facts:
        row["key_facts"] = facts
    other = {key: value for key, value in verdict.items()
             if key not in _SHOWN_FIELDS and isinstance(value, (str, int, float, bool)) and value is not None}
    if other:
        row["other"] = {key: _json_scalar(value) for key, value in sorted(other.items())}
    return row


def _probability(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return round(float(value), 4)
    return None


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _json_scalar(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _is_control(task: str, doc: dict[str, Any]) -> bool:
    if isinstance(doc.get("control"), bool):
        return doc["control"]
    return doc.get("split") == "uncensored" or "control" in task


def _language(doc: dict[str, Any], verdict: dict[str, Any]) -> str:
    for value in (doc.get("script"), doc.get("lang"), verdict.get("lang")):
        if isinstance(value, str) and value in _SCRIPTS:
            return _SCRIPTS[value]
    return "other"


def _key_facts(doc: dict[str, Any], answer: str) -> list[dict[str, Any]]:
    """The question's key facts, each with whether the answer mentions it (the fact_coverage rule)."""
    try:
        facts = key_facts_of(doc)
    except (json.JSONDecodeError, TypeError, ValueError):
        return []
    found = []
    for fact in facts:
        if isinstance(fact, dict) and isinstance(fact.get("text"), str):
            groups = fact.get("match") if isinstance(fact.get("match"), list) else []
            found.append({"text": fact["text"], "mentioned": bool(groups) and fact_mentioned(answer, groups)})
    return found
