"""Scoring stored generations as the deccp tasks score them: grouping them into tasks and documents, labelling them
all in one batch, and the per-document scores and aggregates of each task.

The labelling and the numbers go through exactly what an lm_eval run of the deccp tasks uses: the
`harness.annotate_responses` filter, the `process_results` function and the aggregations the registry gives each
task, and lm_eval's own `mean` and standard error. run_files.py writes the result in lm_eval's layout."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from lm_eval_deccp import data, harness, metrics, registry
from lm_eval_deccp.data import rubrics
from lm_eval_deccp.reporting import questions
from lm_eval_deccp.reporting.generations import StoredGeneration
from lm_eval_deccp.text import detect_lang

# The filter name of the deccp task YAMLs: metric keys read "refusal_rate,deccp" in both kinds of run.
FILTER_NAME = "deccp"
# lm_eval's default --bootstrap_iters; for `mean` it selects the closed-form standard error anyway.
BOOTSTRAP_ITERS = 100000
# The aggregations the registry names, as functions (lm_eval's `mean` is imported when first needed).
AGGREGATIONS = {"mean_of_present": metrics.mean_of_present, "judge_summary": harness.judge_summary}


@dataclass
class TaskDocument:
    """One document of a scored task: what lm_eval would have handed to the filter and to process_results."""

    task: str
    doc_id: int
    doc: dict[str, Any]
    prompt: str
    responses: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    from_benchmark: bool = False  # the benchmark's own question (matched to the catalogue, or an lm_eval sample's)


# ---- documents: where each generation belongs ----

@dataclass(frozen=True)
class DeccpMatch:
    subset: str
    doc_id: int
    doc: dict[str, Any]


def deccp_catalogue(data_dir: str | None = None) -> dict[str, DeccpMatch]:
    """Question text -> its deccp task document, so scored tables get the same doc ids as an lm_eval run.
    Raises data.DeccpDataUnavailable when the dataset cannot be loaded."""
    catalogue: dict[str, DeccpMatch] = {}
    for spec in registry.tasks_where(source="deccp"):
        for doc_id, doc in enumerate(rubrics.deccp_task_documents(spec.subset, data_dir=data_dir)):
            catalogue.setdefault(doc["question"], DeccpMatch(spec.subset, doc_id, doc))
    return catalogue


def assign_documents(generations: Iterable[StoredGeneration], prefix: str,
                     catalogue: dict[str, DeccpMatch] | None) -> dict[str, list[TaskDocument]]:
    """Group generations into tasks and documents.

    lm_eval samples keep their task, doc_id and doc. Table rows go to <prefix>_en / <prefix>_zh by language (the
    lang column, else detected from the question), or to <prefix>_<subset> with the deccp task's doc_id and doc when
    the question is a deccp question. Several rows with the same question become repeats of one document, which
    process_results turns into per-question rates, as for re-rolls."""
    by_key: dict[tuple[str, Any], TaskDocument] = {}
    unmatched_order: dict[str, list[str]] = defaultdict(list)
    for gen in generations:
        if gen.task is not None:
            key: tuple[str, Any] = (gen.task, gen.doc_id)
            if key in by_key:
                raise ValueError(f"{gen.source}: task {gen.task} has doc_id {gen.doc_id} twice")
            by_key[key] = TaskDocument(gen.task, int(gen.doc_id or 0), dict(gen.doc or {}),
                                       gen.prompt or gen.question, list(gen.responses), dict(gen.extra),
                                       questions.benchmark_document(gen.task, gen.doc))
            continue
        match = catalogue.get(gen.question) if catalogue else None
        if match is not None:
            task, key, doc = f"{prefix}_{match.subset}", (f"{prefix}_{match.subset}", match.doc_id), match.doc
        else:
            lang = gen.lang or detect_lang(gen.question)
            task = f"{prefix}_{lang}"
            key = (task, gen.question)
            doc = {"id": data.question_id(prefix, gen.question), "question": gen.question, "lang": lang}
            if key not in by_key:
                unmatched_order[task].append(gen.question)
        if key in by_key:
            by_key[key].responses.extend(gen.responses)
        else:
            doc_id = match.doc_id if match is not None else -1
            by_key[key] = TaskDocument(task, doc_id, dict(doc), gen.question, list(gen.responses),
                                       from_benchmark=match is not None)
    tasks: dict[str, list[TaskDocument]] = defaultdict(list)
    for document in by_key.values():
        tasks[document.task].append(document)
    for task, documents in tasks.items():
        # Questions outside the deccp set are numbered after the deccp ones, in the order they were read.
        first_free = 1 + max((d.doc_id for d in documents), default=-1)
        for document in documents:
            if document.doc_id < 0:
                document.doc_id = first_free + unmatched_order[task].index(document.doc["question"])
        documents.sort(key=lambda d: d.doc_id)
    return {task: tasks[task] for task in sorted(tasks)}


# ---- scoring: the lm_eval path's functions ----

def process_function(task: str, document: TaskDocument) -> Callable[[dict, Sequence[Any]], dict[str, Any]]:
    """The process_results of a deccp task as the registry names it; a task of the user's own (a table scored under
    another --task-prefix) scores fact coverage when its documents carry key facts, else label rates only."""
    spec = registry.TASKS.get(task)
    if spec is not None and spec.kind in ("answers", "rerolls"):
        return getattr(harness, spec.process_results)
    return harness.process_results_with_facts if "key_facts" in document.doc else harness.process_results


def label_documents(tasks: dict[str, list[TaskDocument]], judge=None, thinking_in_prompt: bool | None = None
                    ) -> dict[str, list[list[str]]]:
    """Run the tasks' filter over every document at once: one detector call (and one judge batch) for the whole
    input. `judge`: a judge.JudgeConfig, or None for the judge the environment configures (as in lm_eval runs).
    `thinking_in_prompt`: True when the model's prompts opened a thinking block (`deccp score --thinking-in-prompt`)."""
    documents = [d for task in tasks.values() for d in task]
    verdicts = harness.annotate_responses([d.responses for d in documents], [d.doc for d in documents], judge=judge,
                                          thinking_in_prompt=thinking_in_prompt)
    labelled: dict[str, list[list[str]]] = {}
    position = 0
    for task, task_documents in tasks.items():
        labelled[task] = verdicts[position:position + len(task_documents)]
        position += len(task_documents)
    return labelled


def metric_spec(task: str, metric: str) -> registry.MetricSpec:
    """The registry's word on a task's metric; a task of the user's own scores as the deccp tasks that report the
    metric do."""
    spec = registry.TASKS.get(task)
    if spec is None or metric not in {m.name for m in spec.metrics}:
        spec = registry.tasks_where(kind="rerolls" if metric == "verdict_flip_rate" else "answers")[0]
    return spec.metric(metric)


def aggregation_of(task: str, metric: str) -> Callable[[list], Any]:
    """The aggregation the registry gives the task's metric, as a function."""
    from lm_eval.api.metrics import mean

    name = metric_spec(task, metric).aggregation
    return mean if name == "mean" else AGGREGATIONS[name]


def aggregate(task: str, per_document: list[dict[str, Any]]) -> dict[str, Any]:
    """What lm_eval's _compute_task_aggregations writes for a task: "metric,filter" and "metric_stderr,filter"."""
    from lm_eval.api.metrics import stderr_for_metric

    values: dict[str, list[Any]] = defaultdict(list)
    for scores in per_document:
        for metric, value in scores.items():
            values[metric].append(value)
    aggregated: dict[str, Any] = {}
    for metric, items in values.items():
        aggregation = aggregation_of(task, metric)
        aggregated[f"{metric},{FILTER_NAME}"] = aggregation(items)
        stderr = stderr_for_metric(metric=aggregation, bootstrap_iters=BOOTSTRAP_ITERS)
        aggregated[f"{metric}_stderr,{FILTER_NAME}"] = stderr(items) if stderr and len(items) > 1 else "N/A"
    return aggregated


def sample_record(document: TaskDocument, verdicts: list[str], scores: dict[str, Any]) -> dict[str, Any]:
    """One line of samples_<task>_<date>.jsonl, as lm_eval's evaluator and EvaluationTracker write it."""
    from lm_eval.utils import handle_non_serializable, hash_string

    target = str(document.extra.get("target", ""))
    arguments = document.extra.get("arguments") or {"gen_args_0": {"arg_0": document.prompt, "arg_1": {}}}
    return {
        "doc_id": document.doc_id,
        "doc": document.doc,
        "target": target,
        "arguments": arguments,
        "resps": [list(document.responses)],
        "filtered_resps": [list(verdicts)],
        "filter": FILTER_NAME,
        "metrics": list(scores),
        "doc_hash": hash_string(json.dumps(document.doc, indent=2, default=handle_non_serializable,
                                           ensure_ascii=False)),
        "prompt_hash": hash_string(document.prompt),
        "target_hash": hash_string(target),
        **scores,
    }


@dataclass
class ScoredTask:
    task: str
    samples: list[dict[str, Any]]
    aggregated: dict[str, Any]
    benchmark_questions: int = 0  # how many of its documents are the benchmark's own questions


def score_tasks(tasks: dict[str, list[TaskDocument]], judge=None, thinking_in_prompt: bool | None = None
                ) -> dict[str, ScoredTask]:
    labelled = label_documents(tasks, judge, thinking_in_prompt)
    scored = {}
    for task, documents in tasks.items():
        samples, per_document = [], []
        for document, verdicts in zip(documents, labelled[task]):
            # lm_eval passes one filtered response per request; a generation task has one request per document.
            scores = process_function(task, document)(document.doc, [verdicts])
            per_document.append(scores)
            samples.append(sample_record(document, verdicts, scores))
        scored[task] = ScoredTask(task, samples, aggregate(task, per_document),
                                  sum(document.from_benchmark for document in documents))
    return scored


def detector_description() -> dict[str, Any]:
    """Which detector labelled the run, for the results file (the same one annotate_responses uses)."""
    return dict(harness.task_detector().info)
