"""`deccp score`: label stored generations and write them out as an lm_eval run.

The labelling and the numbers go through exactly what an lm_eval run of the deccp tasks uses: the
`harness.annotate_responses` filter, the tasks' `process_results` functions per document, and lm_eval's own `mean`
and standard error for aggregation. The output is lm_eval's layout (OUTDIR/<model>/results_<date>.json and
samples_<task>_<date>.jsonl), so `deccp report` and `deccp paired` read a scored run like any other."""

from __future__ import annotations

import json
import logging
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from lm_eval_deccp import __version__, data, harness, metrics, rubrics
from lm_eval_deccp.reporting.reading import questions
from lm_eval_deccp.reporting.statistics import censorship_summary
from lm_eval_deccp.reporting.reading.generations import StoredGeneration
from lm_eval_deccp.text import detect_lang

log = logging.getLogger(__name__)

# The filter name of the deccp task YAMLs: metric keys read "refusal_rate,deccp" in both kinds of run.
FILTER_NAME = "deccp"
# lm_eval's default --bootstrap_iters; for `mean` it selects the closed-form standard error anyway.
BOOTSTRAP_ITERS = 100000
MODEL_SOURCE = "deccp-score"
# The deccp subsets a table's questions are matched against, and the task suffix each one scores under.
DECCP_SUBSETS = ("en", "zh", "control_en")
DECCP_TASKS = frozenset(f"deccp_{subset}" for subset in DECCP_SUBSETS)


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
    for subset in DECCP_SUBSETS:
        for doc_id, doc in enumerate(rubrics.deccp_task_documents(subset, data_dir=data_dir)):
            catalogue.setdefault(doc["question"], DeccpMatch(subset, doc_id, doc))
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
    """The process_results a task's YAML names: re-roll tasks have their own, the deccp and deccp-plus tasks score
    fact coverage too (tasks/*/_default_template_yaml); every other task scores label rates."""
    if task.startswith("deccp_plus_rerolls"):
        return harness.process_results_rerolls
    if task.startswith("deccp_plus") or task in DECCP_TASKS or "key_facts" in document.doc:
        return harness.process_results_with_facts
    return harness.process_results


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


def aggregation_of(metric: str) -> Callable[[list], float]:
    """The aggregation the task YAMLs declare: lm_eval's mean, except fact_coverage, which skips documents
    without key facts (tasks/deccp_plus/_default_template_yaml), and the judge's record, which is summed."""
    from lm_eval.api.metrics import mean

    if metric == harness.JUDGE_METRIC:
        return harness.judge_summary
    return metrics.mean_of_present if metric == "fact_coverage" else mean


def aggregate(per_document: list[dict[str, Any]]) -> dict[str, Any]:
    """What lm_eval's _compute_task_aggregations writes for a task: "metric,filter" and "metric_stderr,filter"."""
    from lm_eval.api.metrics import stderr_for_metric

    values: dict[str, list[Any]] = defaultdict(list)
    for scores in per_document:
        for metric, value in scores.items():
            values[metric].append(value)
    aggregated: dict[str, Any] = {}
    for metric, items in values.items():
        aggregation = aggregation_of(metric)
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
        scored[task] = ScoredTask(task, samples, aggregate(per_document),
                                  sum(document.from_benchmark for document in documents))
    return scored


# ---- the run on disk ----

def parse_date(value: str | None) -> datetime:
    """--date: an ISO 8601 time (naive means UTC); default $SOURCE_DATE_EPOCH, else now. A fixed date makes
    the output files byte-identical on every run (with a judge, its record of cache hits and tokens differs between
    a first run and a re-run)."""
    if value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"--date {value!r} is not an ISO 8601 time such as 2024-06-10T12:00:00") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(tz=timezone.utc)


def date_id(moment: datetime) -> str:
    """lm_eval's file-name date: the ISO time with ":" replaced (it writes local naive time; we write UTC)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat().replace(":", "-")


def results_document(model: str, scored: dict[str, ScoredTask], moment: datetime, sources: Sequence[str],
                     detector: dict[str, Any]) -> dict[str, Any]:
    """The results_<date>.json content, with the keys an lm_eval run writes (and the summary `deccp report` needs
    when the samples are not kept)."""
    from lm_eval import __version__ as lm_eval_version
    from lm_eval.utils import hash_string, sanitize_model_name

    results, configs, higher, counts, hashes = {}, {}, {}, {}, {}
    for task, item in scored.items():
        results[task] = {"name": task, "alias": task, "sample_len": len(item.samples), **item.aggregated}
        configs[task] = {
            "task": task,
            "output_type": "generate_until",
            "filter_list": [{"name": FILTER_NAME, "filter": [{"function": "custom",
                                                              "filter_fn": "harness.annotate_responses"}]}],
            "process_results": process_function(task, _first_document(item)).__name__,
            "metadata": {"version": 1.0, "scored_by": f"deccp score (lm-eval-deccp {__version__})",
                         "sources": list(sources)},
        }
        higher[task] = {metric.split(",")[0]: metrics.HIGHER_IS_BETTER.get(metric.split(",")[0])
                        for metric in item.aggregated if "_stderr," not in metric}
        counts[task] = {"original": len(item.samples), "effective": len(item.samples)}
        hashes[task] = hash_string("".join(s["doc_hash"] + s["prompt_hash"] + s["target_hash"]
                                           for s in item.samples))
    summary = censorship_summary.summarise({
        task: censorship_summary.TaskSamples.of(task, item.samples, f"samples_{task}") for task, item in scored.items()
    })
    return {
        "results": results,
        "group_subtasks": {task: [] for task in scored},
        "configs": configs,
        "versions": {task: 1.0 for task in scored},
        "n-shot": {task: 0 for task in scored},
        "higher_is_better": higher,
        "n-samples": counts,
        "config": {"model": MODEL_SOURCE, "model_args": f"pretrained={model}", "batch_size": None,
                   "limit": None, "bootstrap_iters": BOOTSTRAP_ITERS, "gen_kwargs": None},
        "git_hash": None,
        "date": moment.timestamp(),
        "lm_eval_version": lm_eval_version,
        "lm_eval_deccp_version": __version__,
        "detector": detector,
        "task_hashes": hashes,
        "model_source": MODEL_SOURCE,
        "model_name": model,
        "model_name_sanitized": sanitize_model_name(model),
        censorship_summary.SUMMARY_KEY: summary,
        # Which questions were the benchmark's, so `deccp report` keeps a run of other questions out of its columns.
        questions.RECORD_KEY: {task: {"benchmark": item.benchmark_questions,
                                      "other": len(item.samples) - item.benchmark_questions}
                               for task, item in scored.items()},
    }


def _first_document(item: ScoredTask) -> TaskDocument:
    first = item.samples[0]
    return TaskDocument(item.task, first["doc_id"], first["doc"], "", [])


def write_run(outdir: Path, model: str, scored: dict[str, ScoredTask], moment: datetime, sources: Sequence[str],
              detector: dict[str, Any]) -> Path:
    """Write results_<date>.json and the samples files; returns the results file. Same inputs, same bytes."""
    from lm_eval.utils import handle_non_serializable, sanitize_model_name

    from lm_eval_deccp.textfiles import write_text_atomically

    folder = outdir / sanitize_model_name(model)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = date_id(moment)
    for task, item in scored.items():
        lines = [json.dumps(sample, default=handle_non_serializable, ensure_ascii=False) for sample in item.samples]
        write_text_atomically(folder / f"samples_{task}_{stamp}.jsonl", "\n".join(lines) + "\n")
    results_path = folder / f"results_{stamp}.json"
    document = results_document(model, scored, moment, sources, detector)
    write_text_atomically(results_path, json.dumps(_json_safe(document), indent=2, default=handle_non_serializable,
                                                   ensure_ascii=False) + "\n")
    return results_path


def _json_safe(value: Any) -> Any:
    """lm_eval writes NaN as the bare token NaN (invalid JSON for most readers); we write null instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


def detector_description() -> dict[str, Any]:
    """Which detector labelled the run, for the results file (the same one annotate_responses uses)."""
    return dict(harness.task_detector().info)
