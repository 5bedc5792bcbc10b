"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in
lm_eval_deccp.mixeval."""

from lm_eval_deccp.mixeval.harness import doc_to_text, parse_responses, process_results, summarise  # noqa: F401
from lm_eval_deccp.mixeval.harness import load_task as _load_task
from lm_eval_deccp.lm_eval_compat import silence_metadata_hint

# lm_eval imports this module while it reads the YAMLs, before it would log its generic custom_dataset hint.
silence_metadata_hint()


def load_task(registry_task, **metadata):
    """custom_dataset: the generated YAML names its task in dataset_kwargs (registry_task); the rest is --metadata."""
    return _load_task(registry_task, metadata)
