"""The glue between lm_eval's task YAMLs and this package: dataset loaders for `custom_dataset`, the filter that
labels every generation of a run in one batch, and `process_results`. The YAMLs reach these through the small
`utils.py` beside them, because lm_eval resolves `!function` against the YAML's folder.

The loaders run when lm_eval loads the tasks, after it has built the model and before any generation: the place to
stop early. They check the judge, if one is configured (judge/, from environment variables since lm_eval filters get
no run metadata), and keep lm_eval's API models from sending an empty stop list (lm_eval_compat.py).

`label` is the one labelling path: the tasks' filter, `deccp classify` and `deccp score` all call it."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from typing import Any, Sequence

from lm_eval_deccp import data, lm_eval_compat, metrics, reasoning, registry
from lm_eval_deccp.data import rubrics
from lm_eval_deccp.text import as_text

log = logging.getLogger(__name__)

# The metric that carries a judged run's record into lm_eval's results file (judge/record.py).
JUDGE_METRIC = "judge"
# The --metadata key (and document field) saying the prompt opened a thinking block (reasoning.py).
THINKING_KEY = "thinking_in_prompt"


# ---- datasets (custom_dataset receives --metadata merged with the model args) ----

def load_task(name: str, metadata: dict[str, Any]):
    """custom_dataset of a deccp or deccp-plus task: its questions, from the source the registry names."""
    spec = registry.task_spec(name)
    if spec.source == "deccp":
        return load_deccp(spec.subset, metadata)
    return load_suite(spec.subset, metadata)


def load_deccp(subset: str, metadata: dict[str, Any]):
    prepare_run()
    try:
        docs = rubrics.deccp_task_documents(subset, data_dir=metadata.get("deccp_data_dir"),
                                            revision=metadata.get("deccp_revision"))
    except data.DeccpDataUnavailable as err:
        _stop(err)
        raise
    return data.as_hf_dataset(_with_thinking_flag(docs, metadata))


def load_suite(variant: str, metadata: dict[str, Any] | None = None):
    prepare_run()
    return data.as_hf_dataset(_with_thinking_flag(data.suite_documents(variant), metadata or {}))


def _with_thinking_flag(docs: list[dict[str, Any]], metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents carry `thinking_in_prompt` when the run's prompt opens a thinking block (the filter gets no run
    metadata, only documents); documents of other runs are left unchanged."""
    opened = thinking_in_prompt(metadata)
    return docs if opened is None else [{**doc, THINKING_KEY: opened} for doc in docs]


def thinking_in_prompt(metadata: dict[str, Any]) -> bool | None:
    """Whether this run's prompts open a thinking block: --metadata '{"thinking_in_prompt": true|false}', else True
    when the model's chat template (its tokenizer, from local files: lm_eval has already loaded it) ends its
    generation prompt inside an opened thinking block; None (unknown) otherwise."""
    value = metadata.get(THINKING_KEY)
    if value is not None:
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "yes", "no"}:
            return value.strip().lower() in {"true", "1", "yes"}
        if isinstance(value, bool):
            return value
        err = ValueError(f"--metadata {THINKING_KEY} must be true or false, not {value!r}")
        _stop(err)
        raise err
    name = metadata.get("tokenizer") or metadata.get("pretrained")
    return True if isinstance(name, str) and name and _template_opens_thinking(name) else None


@functools.lru_cache(maxsize=8)
def _template_opens_thinking(name: str) -> bool:
    """Once per model and process (every task's loader asks): does its chat template open a thinking block?"""
    try:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=True)
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": "Hello"}], tokenize=False,
                                                 add_generation_prompt=True)
    except Exception as err:  # no local tokenizer or no chat template: nothing known
        log.debug("deccp: no chat template to inspect for %s (%s)", name, err)
        return False
    opens = isinstance(rendered, str) and reasoning.template_opens_thinking(rendered)
    if opens:
        log.warning("deccp: the chat template of %s opens a thinking block in the prompt, so generations without a "
                    "closing marker are counted unusable (cut off inside the thinking). Running without "
                    "--apply_chat_template? Pass --metadata '{\"%s\": false}'.", name, THINKING_KEY)
    return opens


def prepare_run() -> None:
    """What every deccp task does when lm_eval loads it, before any generation: fail fast on a detector, a judge or
    an output path that cannot be used, and keep lm_eval's API models from sending `"stop": []`."""
    from lm_eval_deccp.judge import JudgeUnavailable, check_judge, from_env
    from lm_eval_deccp.judge.config import JudgeConfigError

    lm_eval_compat.omit_empty_stop_lists()
    for check in (_check_detector, lambda: check_judge(from_env()), _check_output_path):
        try:
            check()
        except (DeccpSetupError, JudgeUnavailable, JudgeConfigError) as err:
            _stop(err)
            raise


class DeccpSetupError(RuntimeError):
    """A setting that would make the run fail after generating; the message says what to change."""


def _check_detector() -> None:
    """Load the detector now (it is cached for the labelling), so a bad $DECCP_DETECTOR_BACKEND or a damaged
    artifact stops the run before the first generation instead of after the last."""
    from lm_eval_deccp.detector.errors import DetectorUnavailable

    try:
        task_detector()
    except (DetectorUnavailable, OSError, ValueError) as err:
        raise DeccpSetupError(f"the detector cannot be loaded: {str(err).rstrip('.')}. Nothing was generated."
                              ) from None


def _check_output_path() -> None:
    """lm_eval writes its results only after the whole run and logs (not raises) a failure to write them; check
    its --output_path now, on the command line, where the run would otherwise be lost."""
    from lm_eval_deccp.textfiles import TextFileError, check_writable

    if not _running_lm_eval_cli():
        return
    path = _argument_value(sys.argv[1:], ("--output_path", "-o"))
    if not path:
        return
    try:
        check_writable(path, "--output_path", folder=not path.endswith(".json"))
    except TextFileError as err:
        raise DeccpSetupError(f"{err}; lm_eval would generate every answer and then fail to save them. "
                              f"Nothing was generated.") from None


def _argument_value(argv: Sequence[str], names: Sequence[str]) -> str | None:
    """The value of the last of `names` in argv ("--name value" or "--name=value"), or None."""
    value = None
    for index, item in enumerate(argv):
        for name in names:
            if item == name and index + 1 < len(argv):
                value = argv[index + 1]
            elif item.startswith(name + "="):
                value = item[len(name) + 1:]
    return value


def _stop(err: Exception) -> None:
    if _running_lm_eval_cli():
        # On the command line the message is the whole story; lm_eval's traceback would bury it.
        raise SystemExit(f"lm-eval-deccp: {err}") from None


def _running_lm_eval_cli() -> bool:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return (spec is not None and spec.name.startswith("lm_eval")) or \
        os.path.basename(sys.argv[0] if sys.argv else "") in {"lm_eval", "lm-eval"}


# ---- labelling: one detector call (and one judge batch) for the whole run ----

def label(generations: Sequence[Any], questions: Sequence[Any] | None = None,
          langs: Sequence[str | None] | None = None, *, detector=None, judge=None, batch_size: int = 64,
          progress: bool = False, judge_progress: bool = True,
          thinking_in_prompt: Sequence[bool | None] | None = None) -> list[dict[str, Any]]:
    """The verdict of every generation, as dicts (Verdict.to_dict(), plus the judge's fields when a judge is
    configured: judge/record.py). `detector` defaults to the tasks' detector, `judge` (a judge.JudgeConfig) to the
    judge the environment configures; pass a disabled JudgeConfig() for none. `progress` shows the detector's
    progress bar, `judge_progress` the judge's (requests are slow, so it is on by default). `thinking_in_prompt`:
    per generation, whether its prompt opened a thinking block (True) or not known (None; reasoning.py)."""
    from lm_eval_deccp.judge import apply_judge, from_env

    detector = detector or task_detector()
    judge = from_env() if judge is None else judge
    log.info("deccp: labelling %d responses with the %s detector", len(generations), detector.spec)
    verdicts = [v.to_dict() for v in detector.classify(generations, questions=questions, langs=langs,
                                                       batch_size=batch_size, progress=progress,
                                                       thinking_in_prompt=thinking_in_prompt)]
    if judge.enabled:
        answers = scored_answers(generations, thinking_in_prompt)
        asked = [as_text(q) for q in questions] if questions is not None else [""] * len(generations)
        verdicts = apply_judge(verdicts, asked, answers, judge, progress=judge_progress)
    return verdicts


def scored_answers(generations: Sequence[Any], thinking_in_prompt: Sequence[bool | None] | None = None
                   ) -> list[str]:
    """The final answer of each generation, without a reasoning model's thinking: what the verdict is about."""
    flags = thinking_in_prompt if thinking_in_prompt is not None else [None] * len(generations)
    return [reasoning.split_reasoning(as_text(g), flag).answer for g, flag in zip(generations, flags)]


def annotate_responses(resps: Sequence[Sequence[Any]], docs: Sequence[dict[str, Any]], judge=None,
                       thinking_in_prompt: bool | None = None) -> list[list[str]]:
    """lm_eval filter: replace each generation by its verdict, a JSON object {label, p_*…, answer}.

    Running as a filter means every response of the task is labelled in one batched call (detector, then judge),
    before lm_eval calls process_results per document. The verdicts then travel with the samples into the log as
    `filtered_resps` (JSON text, because lm_eval writes filtered responses as strings); `answer` is the scored
    text, i.e. the generation without a reasoning model's thinking (reasoning.py). `judge` and `thinking_in_prompt`
    are for `deccp score`; lm_eval passes neither: the environment decides the judge, and the documents (the run's
    --metadata or chat template, see thinking_in_prompt()) or the run's own generations (reasoning.run_opens_thinking)
    whether the prompts opened a thinking block."""
    positions, generations, questions, langs, opened = [], [], [], [], []
    for doc_index, (doc_resps, doc) in enumerate(zip(resps, docs)):
        for sample_index, resp in enumerate(doc_resps):
            positions.append((doc_index, sample_index))
            generations.append(as_text(resp))
            questions.append(doc.get("question"))
            langs.append(doc.get("lang"))
            opened.append(doc.get(THINKING_KEY, thinking_in_prompt))
    run_evidence = reasoning.run_opens_thinking(generations)
    opened = [run_evidence if flag is None else flag for flag in opened]
    verdicts = label(generations, questions, langs, judge=judge, progress=len(generations) > 200,
                     thinking_in_prompt=opened)
    scored: list[list[str]] = [["" for _ in doc_resps] for doc_resps in resps]
    for (doc_index, sample_index), answer, verdict in zip(positions, scored_answers(generations, opened), verdicts):
        scored[doc_index][sample_index] = encode_verdict(verdict, answer)
    return scored


def task_detector():
    """The detector the tasks use: the default, or the backend named by $DECCP_DETECTOR_BACKEND (cached per process;
    detector.detector.chosen_backend is the rule)."""
    from lm_eval_deccp.detector import get_detector

    return get_detector()


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


def process_results(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, Any]:
    verdicts = _verdicts(results)
    return {**metrics.label_rates([v["label"] for v in verdicts]), **_judge_metric(verdicts)}


def process_results_with_facts(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, Any]:
    verdicts = _verdicts(results)
    scores: dict[str, Any] = metrics.label_rates([v["label"] for v in verdicts])
    # A stored run's documents may predate the question's rubric: its key facts are then found by the question.
    facts = metrics.key_facts_of(doc) or rubrics.key_facts_for(doc.get("question"), "en")
    scores["fact_coverage"] = metrics.answered_fact_coverage(verdicts, facts)
    return {**scores, **_judge_metric(verdicts)}


def process_results_rerolls(doc: dict[str, Any], results: Sequence[Any]) -> dict[str, Any]:
    verdicts = _verdicts(results)
    labels = [v["label"] for v in verdicts]
    return {**metrics.label_rates(labels), "verdict_flip_rate": metrics.verdict_flip(labels),
            **_judge_metric(verdicts)}


def _judge_metric(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    """The document's share of the run's judge record (the `judge` metric; judge/record.py), only when a judge was
    configured: runs without one have no `judge` entry at all."""
    from lm_eval_deccp.judge.record import summarise

    summary = summarise(verdicts)
    return {} if summary is None else {JUDGE_METRIC: summary}


def judge_summary(items: Sequence[Any]) -> dict[str, Any] | None:
    """Aggregation of the `judge` metric (task YAMLs, `deccp score`): the documents' records summed."""
    from lm_eval_deccp.judge.record import merge

    return merge(items)
