"""The answers a spot-check draws from and its labels correct: every verdict of some runs, or of `deccp classify`
output, each with a key and a fingerprint of what was read.

A key names an answer so that a label can find it again: for a run, `model/task/doc_id` (with `#repeat` for
re-rolls); for `deccp classify` output, the row's `id`. The fingerprint (`answer_sha256`: SHA-256 of the question
and the scored answer) is what the reader saw: when a run is re-done, the key stays and the fingerprint changes,
and a label exported before is refused (corrected.py) instead of being counted for an answer nobody read.

Answers are grouped for rates: runs by model and task (each deccp task is one language), classify output by the
row fields given (default model and language)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from lm_eval_deccp.labels import VERDICT_LABELS
from lm_eval_deccp.reporting.reading.answers import collect_answers
from lm_eval_deccp.reporting.reading.leaderboard_tasks import LEADERBOARD_TASKS
from lm_eval_deccp.reporting.reading.model_runs import group_by_model
from lm_eval_deccp.reporting.reading.runs import ResultsError, iter_jsonl_objects, load_runs
from lm_eval_deccp.text import as_text, final_answer

DEFAULT_GROUP_BY = ("model", "lang")


class AnswersError(ValueError):
    """Input that cannot give answers to check; the message names the file and the problem."""


@dataclass(frozen=True)
class Answer:
    key: str
    group: tuple[str, ...]  # (model, task) for runs; the --group-by values for classify output
    lang: str
    question: str
    answer: str
    verdict: str  # the detector's label
    p_censored: float | None  # None when no model ran (unusable) or the verdict has no probabilities

    @property
    def answer_sha256(self) -> str:
        return fingerprint(self.question, self.answer)


def fingerprint(question: str, answer: str) -> str:
    return hashlib.sha256(json.dumps([question, answer], ensure_ascii=False).encode("utf-8")).hexdigest()


def is_classified_output(path: str | Path) -> bool:
    """A .jsonl file that is not an lm_eval samples file: `deccp classify` output (or a file meant to be)."""
    path = Path(path)
    return path.suffix.lower() == ".jsonl" and not path.name.startswith("samples_")


# ---- runs ----

ALL_TASKS = ("*",)  # from_runs: every task whose samples hold verdicts


def from_runs(paths: Sequence[str], tasks: Sequence[str] | None, problems: list[str],
              aliases: dict[str, str] | None = None) -> list[Answer]:
    """Every verdict of the runs' tasks (default: the leaderboard's censorship tasks; ALL_TASKS: any), as the audit
    page reads them (the latest run of each model holding a task; answers.py). A task asked for by name
    that no run has answers for is an error naming it."""
    notes: list[str] = []
    models = group_by_model(load_runs(paths, problems), notes, aliases)
    wanted = set(tasks or LEADERBOARD_TASKS)
    answer_set = collect_answers(models, problems)
    if tasks and tuple(tasks) != ALL_TASKS:
        missing = sorted(wanted - {row["task"] for row in answer_set.answers})
        if missing:
            raise AnswersError(f"--tasks: no answers with verdicts for {', '.join(missing)} in these runs")
    found = []
    for row in answer_set.answers:
        if row["task"] not in wanted and tuple(tasks or ()) != ALL_TASKS:
            continue
        model = answer_set.models[row["model"]]
        key = f"{model}/{row['task']}/{row['doc_id']}" + (f"#{row['repeat']}" if row["repeat"] is not None else "")
        found.append(Answer(key, (model, row["task"]), row["lang"], row["question"], row["answer"], row["label"],
                            _p_censored(row.get("p"))))
    return found


def _p_censored(p: Any) -> float | None:
    return round(p[1] + p[2], 6) if isinstance(p, list) and len(p) == 3 else None


# ---- deccp classify output ----

def from_classified(paths: Iterable[str], group_by: Sequence[str]) -> list[Answer]:
    """The rows of `deccp classify` output files: each needs an `id` (the key labels use), the `deccp` verdict,
    and the fields of `group_by`; a row without them is an error naming its file and line."""
    paths = list(paths)
    found: list[Answer] = []
    seen: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise AnswersError(f"{path}: no such file")
        try:
            for line, row in iter_jsonl_objects(path):
                answer = _classified_answer(row, group_by, f"{path}:{line}")
                if answer.key in seen:
                    raise AnswersError(f"{path}:{line}: id {answer.key!r} is also at {seen[answer.key]}; ids must "
                                       "be unique for labels to find their answer")
                seen[answer.key] = f"{path}:{line}"
                found.append(answer)
        except ResultsError as err:
            raise AnswersError(str(err)) from None
    if not found:
        # An empty file is not a report of no censorship: rates over no answers would read as 0%.
        raise AnswersError(f"{', '.join(map(str, paths))}: no rows of `deccp classify` output: the file is empty")
    return found


def _classified_answer(row: dict[str, Any], group_by: Sequence[str], where: str) -> Answer:
    verdict = row.get("deccp")
    if not isinstance(verdict, dict) or verdict.get("label") not in VERDICT_LABELS:
        raise AnswersError(f"{where}: no 'deccp' verdict with a label (is this `deccp classify` output?)")
    if row.get("id") is None or isinstance(row.get("id"), (dict, list)):
        raise AnswersError(f"{where}: no 'id' field; labels find their answer by id (add one to the rows before "
                           "`deccp classify`)")
    fields = {**row, "lang": row.get("lang") or verdict.get("lang")}
    missing = [name for name in group_by if fields.get(name) in (None, "")]
    if missing:
        raise AnswersError(f"{where}: no {', '.join(repr(m) for m in missing)} to group by (--group-by)")
    response = row.get("response")
    if not isinstance(response, str):
        resps = row.get("resps")
        response = resps[0][0] if isinstance(resps, list) and resps and isinstance(resps[0], list) and resps[0] \
            else ""
    doc = row.get("doc") if isinstance(row.get("doc"), dict) else {}
    question = as_text(row.get("question") or doc.get("question") or "")
    p = [verdict.get(f"p_{label}") for label in ("answered", "refused", "deflected")]
    p_censored = (verdict.get("p_censored") if isinstance(verdict.get("p_censored"), (int, float))
                  else _p_censored(p) if all(isinstance(v, (int, float)) for v in p) else None)
    if verdict.get("label") == "unusable":
        p_censored = None
    return Answer(str(row["id"]), tuple(str(fields[name]) for name in group_by), str(fields.get("lang") or ""),
                  question, final_answer(as_text(response)), verdict["label"], p_censored)


def read_answers(inputs: Sequence[str], group_by: Sequence[str] | None, tasks: Sequence[str] | None,
                 problems: list[str], aliases: dict[str, str] | None = None) -> tuple[list[Answer], str]:
    """(answers, "runs" or "classified"): all inputs must be one kind or the other."""
    classified = [is_classified_output(raw) for raw in inputs]
    if any(classified) and not all(classified):
        raise AnswersError("give either runs (results files or folders) or `deccp classify` output (.jsonl), "
                           "not both")
    if all(classified):
        if tasks:
            raise AnswersError("--tasks is for runs; `deccp classify` output is grouped with --group-by")
        return from_classified(inputs, group_by or DEFAULT_GROUP_BY), "classified"
    if group_by:
        raise AnswersError("--group-by is for `deccp classify` output; runs are grouped by model and task")
    return from_runs(inputs, tasks, problems, aliases), "runs"
