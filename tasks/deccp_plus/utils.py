"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in the package."""

from lm_eval_deccp.harness import (  # noqa: F401
    annotate_responses,
    judge_summary,
    load_suite,
    process_results_rerolls,
    process_results_with_facts,
)
from lm_eval_deccp.lm_eval_compat import silence_metadata_hint
from lm_eval_deccp.metrics import mean_of_present  # noqa: F401

# lm_eval imports this module while it reads the YAMLs, before it would log its generic custom_dataset hint.
silence_metadata_hint()


def load_en(**metadata):
    return load_suite("en", metadata)


def load_zh(**metadata):
    return load_suite("zh", metadata)


def load_zh_hant(**metadata):
    return load_suite("zh_hant", metadata)


def load_control_en(**metadata):
    return load_suite("control_en", metadata)


def load_control_zh(**metadata):
    return load_suite("control_zh", metadata)
