"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in the package."""

from lm_eval_deccp.harness import (  # noqa: F401
    annotate_responses,
    judge_summary,
    load_task as _load_task,
    process_results_with_facts,
)
from lm_eval_deccp.lm_eval_compat import silence_metadata_hint
from lm_eval_deccp.metrics import mean_of_present  # noqa: F401

# lm_eval imports this module while it reads the YAMLs, before it would log its generic custom_dataset hint.
silence_metadata_hint()


def load_task(registry_task, **metadata):
    """custom_dataset: the generated YAML names its task in dataset_kwargs (registry_task); the rest is --metadata."""
    return _load_task(registry_task, metadata)
