"""Documents as the dataset lm_eval expects from a `custom_dataset` function."""

from __future__ import annotations

import json
from typing import Any, Iterable


def as_hf_dataset(docs: Iterable[dict[str, Any]]):
    """Wrap documents as the DatasetDict lm_eval expects from a custom_dataset function (one split: test)."""
    import datasets

    docs = list(docs)
    # key_facts is a list of dicts; json keeps the Arrow schema simple and identical across variants.
    rows = [{**doc, "key_facts": json.dumps(doc["key_facts"], ensure_ascii=False)} if "key_facts" in doc else doc
            for doc in docs]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})
