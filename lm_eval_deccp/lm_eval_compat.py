"""Where the deccp tasks meet two quirks of lm-eval 0.4.13, and how they are kept from reaching the user.

1. **An empty stop list sent to OpenAI-compatible servers.** The tasks stop only at the model's end of sequence, so
   their `generation_kwargs` say `until: []`. lm_eval's API models (`local-completions`, `local-chat-completions`,
   `openai-chat-completions`) turn `until` into the request's `"stop"` with `handle_stop_sequences(until, eos)`,
   which adds the model's EOS string only when lm_eval knows it: not with `tokenizer_backend=None` (the usual choice
   for chat endpoints) unless `eos_string=` is passed, and never with `num_concurrent` > 1, whose code path passes no
   EOS at all. The request then carries `"stop": []`, which some servers reject (`transformers serve` answers
   HTTP 500, "Stop string preprocessing was unable to identify tokens matching one or more of the supplied stop
   string(s)"). In the OpenAI API an absent `stop` and an empty one mean the same (no stop strings), so
   `omit_empty_stop_lists()` makes those models leave an empty list out of the request; a non-empty list is sent as
   before. Hugging Face and vLLM runs (`--model hf`, `--model vllm`) never build these requests and are untouched.
   It is applied when a deccp task is loaded (harness), i.e. only in processes that run deccp tasks, after lm_eval
   has built the model and before any request is sent.

2. **"Custom kwargs can be passed to `--metadata`…"**, a warning lm_eval logs once for every task whose dataset
   comes from a `custom_dataset` function — all deccp tasks. It is a generic hint (its example, `max_seq_lengths`,
   belongs to another task) that reads like a problem on every run; the README documents the metadata keys the deccp
   tasks take (docs/mixeval.md the MixEval tasks'). `silence_metadata_hint()` filters that one message for tasks
   named `deccp*` and `mixeval*` and nothing else. The
   tasks' `utils.py` bridges call it when lm_eval imports them, which is before the warning would be logged.

Both degrade to doing nothing (with a log line) if lm_eval's internals change.
"""

from __future__ import annotations

import functools
import logging
import sys

from lm_eval_deccp.registry import TASKS

log = logging.getLogger(__name__)

API_MODELS_MODULE = "lm_eval.models.openai_completions"
# The request builders of the API models that put `until` into "stop" (each class that defines its own).
API_MODEL_CLASSES = ("LocalCompletionsAPI", "LocalChatCompletion", "OpenAIChatCompletion")
_PATCHED_MARK = "__deccp_omits_empty_stop__"

TASK_LOGGER = "lm_eval.api.task"
METADATA_HINT = "Custom kwargs can be passed to `--metadata`"


def omit_empty_stop_lists() -> bool:
    """Make lm_eval's OpenAI-compatible models leave `"stop": []` out of their requests (see the module docstring).

    Acts only when lm_eval's API models are already imported (lm_eval builds the model before it loads the tasks,
    so for an API run they are); returns whether they are now patched. Idempotent."""
    module = sys.modules.get(API_MODELS_MODULE)
    if module is None:
        return False
    patched = False
    for name in API_MODEL_CLASSES:
        cls = getattr(module, name, None)
        original = getattr(cls, "__dict__", {}).get("_create_payload")
        if original is None:
            log.info("lm-eval-deccp: %s.%s._create_payload not found; its requests are left as lm_eval builds them",
                     API_MODELS_MODULE, name)
            continue
        if getattr(original, _PATCHED_MARK, False):
            patched = True
            continue
        setattr(cls, "_create_payload", _without_empty_stop(original))
        patched = True
    return patched


def _without_empty_stop(create_payload):
    @functools.wraps(create_payload)
    def wrapper(*args, **kwargs):
        payload = create_payload(*args, **kwargs)
        if isinstance(payload, dict) and isinstance(payload.get("stop"), (list, tuple)) and not payload["stop"]:
            payload = {key: value for key, value in payload.items() if key != "stop"}
        return payload

    setattr(wrapper, _PATCHED_MARK, True)
    return wrapper


class _DeccpMetadataHintFilter(logging.Filter):
    """Drops lm_eval's generic custom_dataset hint ("<task>: Custom kwargs …") for the registry's tasks only, which
    document their metadata keys themselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is lm_eval's business, not ours
            return True
        return not (METADATA_HINT in message and message.split(":", 1)[0] in TASKS)


_HINT_FILTER = _DeccpMetadataHintFilter()


def silence_metadata_hint() -> None:
    """Filter lm_eval's "Custom kwargs can be passed to `--metadata`" warning for deccp tasks. Idempotent."""
    logger = logging.getLogger(TASK_LOGGER)
    if _HINT_FILTER not in logger.filters:
        logger.addFilter(_HINT_FILTER)
