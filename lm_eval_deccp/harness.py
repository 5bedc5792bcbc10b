"""The glue between lm_eval's task YAMLs and this package: dataset loaders for `custom_dataset`, the filter that
labels every generation of a run in one batch, and `process_results`. The YAMLs reach these through the small
`utils.py` beside them, because lm_eval resolves `!function` against the YAML's folder."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, Sequence

from lm_eval_deccp import data, metrics
from lm_eval_deccp.text import as_text, final_answer

log = logging.getLogger(__name__)

# Which detector backend the tasks use; lm_eval filters get no run metadata, so this is an environment variable.
DETECTOR_ENV = "DECCP_DETECTOR_BACKEND"


# ---- datasets (custom_dataset receives --metadata merged with the model args) ----

def load_deccp(subset: str, metadata: dict[str, Any]):
    try:
        docs = data.deccp_documents(subset, data_dir=metadata.get("deccp_data_dir"),
                                    revision=metadata.get("deccp_revision"))
    except data.DeccpDataUnavailable as err:
        if _running_lm_eval_cli():
            # On the command line the message is the whole story; lm_eval's traceback would bury it.
            raise SystemExit(f"lm-eval-deccp: {err}") from None
        raise
    return data.as_hf_dataset(docs)


def _running_lm_eval_cli() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return (spec is not None and spec.name.startswith("lm_eval")) or \
        os.path.basename(sys.argv[0] if sys.argv else "") in {"lm_eval", "lm-eval"}


def load_suite(variant: str):
    return data.as_hf_dataset(data.suite_documents(variant))


# ---- labelling: one detector call for the whole run ----

def annotate_responses(resps: Sequence[Sequence[Any]], docs: Sequence[dict[str, Any]]) -> list[list[str]]:
    """lm_eval filter: replace each generation by its verdict, a JSON object {label, p_*…, answer}.

    Running as a filter means every response of the task is labelled in one batched detector call, before
    lm_eval calls process_results per document. The verdicts then travel with the samples into the log as
    `filtered_resps` (JSON text, because lm_eval writes filtered responses as strings); `answer` is the scored
    text, i.e. the generation without a reasoning model's thinking (reasoning.py)."""
    positions, generations, questions, langs = [], [], [], []
    for doc_index, (doc_resps, doc) in enumerate(zip(resps, docs)):
        for sample_index, resp in enumerate(doc_resps):
            positions.append((doc_index, sample_index))
            generations.append(as_text(resp))
            questions.append(doc.get("question"))
            langs.append(doc.get("lang"))
    detector = task_detector()
    log.info("deccp: labelling %d responses with the %s detector", len(generations), detector.spec)
    verdicts = detector.classify(generations, questions=questions, langs=langs, progress=len(generations) > 200)
    scored: list[list[str]] = [["" for _ in doc_resps] for doc_resps in resps]
    for (doc_index, sample_index), generation, verdict in zip(positions, generations, verdicts):
        scored[doc_index][sample_index] = encode_verdict(verdict.to_dict(), final_answer(generation))
    return scored


def task_detector():
    """The detector the tasks use: the default, or the backend named by $DECCP_DETECTOR_BACKEND (cached per process)."""
    from lm_eval_deccp.detector import get_detector

    return get_detector(os.environ.get(DETECTOR_ENV) or None)


def encode_verdict(verdict: dict[str, Any], answer: str) -> str:
    return json.dumps({**verdict, "answer": answer}, ensure_ascii=False)


def decode_verdicts(filtered: Any) -> list[dict[str, Any]]:
    """The verdicts of one document from its filtered responses (a JSON string, or a list of them for re-rolls)."""
    items = filtered if isinstance(filtered, (list, tuple)) else [filtered]
    return [json.loads(item) if isinstance(item, str) else dict(item) for item in items]


def _verdicts(results: Sequence[Any]) -> list[dict[str, Any]]:
    # One request per document; its filtered response holds one verdict per repeat.
    (filtered,) = results
    return decode_verdicts(filtered)


def process_results(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, float]:
    return metrics.label_rates([v["label"] for v in _verdicts(results)])


def process_results_with_facts(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, Any]:
    verdicts = _verdicts(results)
    scores: dict[str, Any] = metrics.label_rates([v["label"] for v in verdicts])
    scores["fact_coverage"] = metrics.answered_fact_coverage(verdicts, metrics.key_facts_of(doc))
    return scores


def process_results_rerolls(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, float]:
    labels = [v["label"] for v in _verdicts(results)]
    return {**metrics.label_rates(labels), "verdict_flip_rate": metrics.verdict_flip(labels)}
