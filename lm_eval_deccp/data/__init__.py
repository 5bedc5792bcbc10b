"""The benchmark questions the tasks ask, as plain documents (dicts):

- deccp: the canonical `augmxnt/deccp` questions, from the hub or a local copy (local_copy: the folder a task names);
- deccp_plus: the bundled paired suite (resources/deccp_plus);
- rubrics: each benchmark question's key facts and narrative claims (resources/rubrics, and the suite's records);
- hf_dataset: documents wrapped as the dataset lm_eval expects from `custom_dataset`.
Which subsets exist, and how many questions each has, is the task registry's (lm_eval_deccp/registry.py).
MixEval's items are loaded by lm_eval_deccp.mixeval.items, on the same local_copy rule.

The names below are the ones the rest of the package uses; `from lm_eval_deccp import data` gives them all."""

from lm_eval_deccp.data.deccp import (  # noqa: F401
    DATA_DIR_ENV,
    DECCP_HUB_ID,
    DECCP_SUBSETS,
    EXPECTED_ROWS,
    DeccpDataUnavailable,
    deccp_documents,
    question_id,
    resolve_data_dir,
)
from lm_eval_deccp.data.deccp_plus import SUITE_DIR, SUITE_VARIANTS, suite_documents, suite_records  # noqa: F401
from lm_eval_deccp.data.hf_dataset import as_hf_dataset  # noqa: F401
