"""What a judged run records, per answer and per task.

Per answer (the verdict JSON in each logged sample's `filtered_resps`, and in `deccp classify` output), when a judge
is configured:
- `label`: the final verdict; `scored_by`: who gave it, `judge:<model>` or the offline artifact (e.g.
  `keywords-v3`; "" for an `unusable` verdict, which is measured, not scored);
- `offline`: the offline detector's verdict, {label, scored_by}; the `p_*` probabilities stay the offline ones;
- `judge`: {model, prompt_version, mode, status, label, cached, error, prompt_tokens, completion_tokens}, where
  status is `judged` (its label is the final one), `not_selected` (mode `uncertain` and the offline detector was
  sure, or an empty answer: nothing to ask) or `failed` (no readable verdict: the offline one is kept, and `error`
  says why).

Per task: the tasks' `judge` metric (results file, `results.<task>["judge,deccp"]`) is the summary of its answers:
{judge, prompt_version, mode, answers, judged, failed, cached, changed, prompt_tokens, completion_tokens}; it is
absent from runs without a judge. `summarise` computes the same from any verdicts (`deccp agreement` prints it).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

STATUS_JUDGED, STATUS_NOT_SELECTED, STATUS_FAILED = "judged", "not_selected", "failed"
COUNTS = ("answers", "judged", "failed", "cached", "changed", "prompt_tokens", "completion_tokens")


def judge_fields(verdict: Mapping[str, Any]) -> dict[str, Any] | None:
    judge = verdict.get("judge")
    return judge if isinstance(judge, dict) else None


def summarise(verdicts: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The judge summary of some verdicts, or None when none of them saw a judge."""
    summary: dict[str, Any] | None = None
    for verdict in verdicts:
        judge = judge_fields(verdict)
        if judge is None:
            continue
        if summary is None:
            summary = {"judge": set(), "prompt_version": set(), "mode": set(), **{count: 0 for count in COUNTS}}
        summary["judge"].add(f"judge:{judge.get('model')}")
        summary["prompt_version"].add(judge.get("prompt_version"))
        summary["mode"].add(judge.get("mode"))
        summary["answers"] += 1
        status = judge.get("status")
        summary["judged"] += status == STATUS_JUDGED
        summary["failed"] += status == STATUS_FAILED
        summary["cached"] += bool(judge.get("cached"))
        offline = (verdict.get("offline") or {}).get("label")
        summary["changed"] += status == STATUS_JUDGED and judge.get("label") != offline
        summary["prompt_tokens"] += int(judge.get("prompt_tokens") or 0)
        summary["completion_tokens"] += int(judge.get("completion_tokens") or 0)
    return None if summary is None else _finish(summary)


def merge(summaries: Iterable[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """Several summaries (e.g. one per document) as one; None when there are none. The `judge` metric's
    aggregation in the task YAMLs."""
    merged: dict[str, Any] | None = None
    for item in summaries:
        if not isinstance(item, Mapping):
            continue
        if merged is None:
            merged = {"judge": set(), "prompt_version": set(), "mode": set(), **{count: 0 for count in COUNTS}}
        for key in ("judge", "prompt_version", "mode"):
            merged[key].update(str(item.get(key) or "").split(", ") if item.get(key) else [])
        for count in COUNTS:
            merged[count] += int(item.get(count) or 0)
    return None if merged is None else _finish(merged)


def _finish(summary: dict[str, Any]) -> dict[str, Any]:
    # Sets become text: one run has one judge, and a mixture (merged runs) stays visible as "a, b".
    for key in ("judge", "prompt_version", "mode"):
        summary[key] = ", ".join(sorted(str(value) for value in summary[key] if value))
    return summary
