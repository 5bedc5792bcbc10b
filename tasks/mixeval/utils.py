"""Bridge for the YAMLs' `!function` tags (lm_eval resolves them against this folder); the logic is in
lm_eval_deccp.mixeval."""

from lm_eval_deccp.mixeval.harness import doc_to_text, parse_responses, process_results, summarise  # noqa: F401
from lm_eval_deccp.mixeval.harness import load_part
from lm_eval_deccp.lm_eval_compat import silence_metadata_hint

# lm_eval imports this module while it reads the YAMLs, before it would log its generic custom_dataset hint.
silence_metadata_hint()


def load_mixeval_hard_freeform(**metadata):
    return load_part("mixeval_hard", "freeform", metadata)


def load_mixeval_hard_multichoice(**metadata):
    return load_part("mixeval_hard", "multichoice", metadata)


def load_mixeval_freeform(**metadata):
    return load_part("mixeval", "freeform", metadata)


def load_mixeval_multichoice(**metadata):
    return load_part("mixeval", "multichoice", metadata)
