"""A scored run on disk, in lm_eval's layout: OUTDIR/<model>/results_<date>.json and samples_<task>_<date>.jsonl,
so `deccp report` and `deccp paired` read a scored run like any other. Same inputs and date, same bytes."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from lm_eval_deccp import __version__, registry
from lm_eval_deccp.reporting.numbers import finite_or_none
from lm_eval_deccp.reporting.reading import questions
from lm_eval_deccp.reporting.statistics import censorship_summary
from lm_eval_deccp.rescoring.scoring import (BOOTSTRAP_ITERS, FILTER_NAME, ScoredTask, TaskDocument, metric_spec,
                                             process_function)

MODEL_SOURCE = questions.SCORE_MODEL_SOURCE


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
            "metadata": {"version": task_version(task), "scored_by": f"deccp score (lm-eval-deccp {__version__})",
                         "sources": list(sources)},
        }
        higher[task] = {metric.split(",")[0]: metric_spec(task, metric.split(",")[0]).higher_is_better
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
        "versions": {task: task_version(task) for task in scored},
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


def task_version(task: str) -> float:
    """The registry's version of a deccp task (the rules it was scored by); 1.0 for a task of the user's own."""
    spec = registry.TASKS.get(task)
    return spec.version if spec else 1.0


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
    """lm_eval writes NaN as the bare token NaN (invalid JSON for most readers); we write null instead, all through
    the document."""
    if isinstance(value, float):
        return finite_or_none(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value
