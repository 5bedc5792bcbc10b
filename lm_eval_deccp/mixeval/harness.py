"""The glue between the MixEval task YAMLs (tasks/mixeval/) and this subpackage: the dataset loaders for
`custom_dataset`, `doc_to_text`, the filter that parses every answer of a run in one batch, `process_results`, and
the aggregation that records per-benchmark scores and which parser scored the run.

Each part (free-form, multiple-choice) is its own lm_eval task with one score per item (`score`: MixEval's metric,
0/1 for the rule parser and for multiple-choice, 0.0–1.0 for a model parse of free-form answers). The groups
`mixeval_hard` and `mixeval` take the item-weighted mean of `score`, MixEval's overall. The per-benchmark scores need
item counts that lm_eval's group aggregation cannot weight by (it weights a subtask's metric by the subtask's size),
so each part records them in one `mixeval` metric, {parser, version, benchmarks: {name: {score, n}}, unparsed,
fallbacks}, and `deccp report` (reporting via mixeval.report) combines the parts per benchmark as MixEval does."""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from lm_eval_deccp.mixeval import items, prompts, rule_parser
from lm_eval_deccp.mixeval.items import item_from_doc
from lm_eval_deccp.text import as_text, final_answer

# Which parser scores the answers: "auto" (the judge endpoint when one is configured, else the rule parser), "rule"
# or "model" (the judge endpoint, required). --metadata '{"mixeval_parser": ...}' or this variable (metadata wins).
PARSER_ENV = "MIXEVAL_PARSER"
PARSER_CHOICES = ("auto", "rule", "model")
RECORD_METRIC = "mixeval"


class MixEvalConfigError(ValueError):
    """A MixEval setting that cannot work; the message names it."""


def parser_choice(metadata: dict[str, Any]) -> str:
    choice = str(metadata.get("mixeval_parser") or os.environ.get(PARSER_ENV) or "auto").strip().lower()
    if choice not in PARSER_CHOICES:
        raise MixEvalConfigError(f"mixeval_parser / {PARSER_ENV} is {choice!r}; expected one of "
                                 f"{', '.join(PARSER_CHOICES)}")
    return choice


def load_task(name: str, metadata: dict[str, Any]):
    """custom_dataset of a MixEval task: the benchmark and part the registry names."""
    from lm_eval_deccp.registry import task_spec

    spec = task_spec(name)
    return load_part(spec.source, spec.subset, metadata)


def load_part(benchmark: str, part: str, metadata: dict[str, Any]):
    """custom_dataset: the part's items as lm_eval documents; fails before any generation when the data or the
    parser cannot be had. Like the deccp tasks, keeps lm_eval's API models from sending `"stop": []` (the tasks stop
    only at the end of turn; lm_eval_compat.py)."""
    from lm_eval_deccp import lm_eval_compat
    from lm_eval_deccp.data import as_hf_dataset
    from lm_eval_deccp.harness import _stop

    lm_eval_compat.omit_empty_stop_lists()
    try:
        choice = parser_choice(metadata)
        _check_parser(choice)
        loaded = items.load(benchmark, part, data_dir=metadata.get("mixeval_data_dir"),
                           version=metadata.get("mixeval_version"), revision=metadata.get("mixeval_revision"))
    except (items.MixEvalDataUnavailable, MixEvalConfigError) as err:
        _stop(err)
        raise
    docs = [{**item.as_doc(), "version": loaded.version, "parser_choice": choice} for item in loaded.items]
    return as_hf_dataset(docs)


def _check_parser(choice: str) -> None:
    from lm_eval_deccp.judge import JudgeConfigError, JudgeUnavailable, check_judge, from_env

    try:
        config = from_env()
        if choice == "model" and not config.enabled:
            raise MixEvalConfigError("mixeval_parser is 'model' but no judge endpoint is configured: set "
                                     "DECCP_JUDGE_URL and DECCP_JUDGE_MODEL (docs/judge.md), or use the "
                                     "rule parser")
        if choice != "rule" and config.enabled:
            check_judge(config)
    except (JudgeUnavailable, JudgeConfigError) as err:
        raise MixEvalConfigError(f"the MixEval model parser: {err}") from None


def doc_to_text(doc: dict[str, Any]) -> str:
    return prompts.render(item_from_doc(doc))


def parse_answers(items, answers: Sequence[str], choice: str = "auto"):
    """(parsed answers, parser name, fallbacks): the judge endpoint when `choice` allows and one is configured."""
    from lm_eval_deccp.judge import from_env
    from lm_eval_deccp.mixeval.model_parser import ModelParser

    config = from_env()
    if choice != "rule" and config.enabled:
        parser = ModelParser(config)
        parsed = parser.parse_all(items, answers)
        return parsed, parser.name, parser.fallbacks
    return [rule_parser.parse(item, answer) for item, answer in zip(items, answers)], rule_parser.RULE_PARSER, 0


def parse_responses(resps: Sequence[Sequence[Any]], docs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """lm_eval filter: every generation replaced by its parse, a JSON object {score, reading, unparsed, parser,
    fallback_count}; the answer parsed is the generation without a reasoning model's thinking."""
    items = [item_from_doc(doc) for doc in docs]
    answers = [final_answer(as_text(doc_resps[0] if doc_resps else "")) for doc_resps in resps]
    choice = docs[0].get("parser_choice", "auto") if docs else "auto"
    parsed, name, fallbacks = parse_answers(items, answers, choice)
    return [[json.dumps({"score": p.score, "reading": p.reading, "unparsed": p.unparsed, "parser": name,
                         "fallbacks": fallbacks, "answer": answer}, ensure_ascii=False)]
            for p, answer in zip(parsed, answers)]


def process_results(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, Any]:
    (filtered,) = results  # one request per item; its filtered response is a list with one parse
    parsed = json.loads(filtered[0] if isinstance(filtered, (list, tuple)) else filtered)
    record = {"benchmark": doc["benchmark_name"], "score": parsed["score"], "unparsed": parsed["unparsed"],
              "parser": parsed["parser"], "fallbacks": parsed["fallbacks"], "version": doc.get("version")}
    return {"score": parsed["score"], RECORD_METRIC: record}


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregation of the `mixeval` metric: the part's per-benchmark scores and item counts, and how it was scored."""
    sums: dict[str, list[float]] = {}
    for record in records:
        sums.setdefault(record["benchmark"], []).append(record["score"])
    return {
        "parser": ", ".join(sorted({r["parser"] for r in records})),
        "version": ", ".join(sorted({str(r.get("version")) for r in records})),
        "benchmarks": {name: {"score": sum(scores) / len(scores), "n": len(scores)}
                       for name, scores in sorted(sums.items())},
        "unparsed": sum(bool(r["unparsed"]) for r in records),
        "fallbacks": max((int(r["fallbacks"]) for r in records), default=0),
    }
