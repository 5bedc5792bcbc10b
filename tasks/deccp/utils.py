"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in the package."""

from lm_eval_deccp.harness import (  # noqa: F401
    annotate_responses,
    judge_summary,
    load_deccp,
    process_results_with_facts,
)
from lm_eval_deccp.lm_eval_compat import silence_metadata_hint
from lm_eval_deccp.metrics import mean_of_present  # noqa: F401

# lm_eval imports this module while it reads the YAMLs, before it would log its generic custom_dataset hint.
silence_metadata_hint()


def load_deccp_en(**metadata):
    return load_deccp("en", metadata)


def load_deccp_zh(**metadata):
    return load_deccp("zh", metadata)


def load_deccp_control_en(**metadata):
    return load_deccp("control_en", metadata)
