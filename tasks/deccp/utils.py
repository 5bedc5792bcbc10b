"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in the package."""

from lm_eval_deccp.harness import annotate_responses, load_deccp, process_results  # noqa: F401


def load_deccp_en(**metadata):
    return load_deccp("en", metadata)


def load_deccp_zh(**metadata):
    return load_deccp("zh", metadata)


def load_deccp_control_en(**metadata):
    return load_deccp("control_en", metadata)
