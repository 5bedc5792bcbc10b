"""The canonical `augmxnt/deccp` questions, from the hub or a local copy in the hub layout, as plain documents."""

from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from lm_eval_deccp.data.local_copy import local_data_dir
from lm_eval_deccp.registry import tasks_where
from lm_eval_deccp.text import detect_lang

log = logging.getLogger(__name__)

DECCP_HUB_ID = "augmxnt/deccp"
# The hub dataset has had one published version; pass `deccp_revision` in --metadata to pin a commit.
DECCP_DEFAULT_REVISION = "main"
DATA_DIR_ENV = "DECCP_DATA_DIR"
# The registry's deccp tasks: subset name -> (split, language); the dataset keeps its controls in "uncensored".
DECCP_SUBSETS = {spec.subset: ("uncensored" if spec.control else "censored", spec.language)
                 for spec in tasks_where(source="deccp")}
# What the published dataset holds; a different count means another revision or a damaged copy.
EXPECTED_ROWS = {DECCP_SUBSETS[spec.subset]: spec.questions for spec in tasks_where(source="deccp")}


class DeccpDataUnavailable(RuntimeError):
    """The deccp questions could not be loaded; the message says what to do. `reason` is the cause alone, for
    callers that give their own advice (a command has no --metadata)."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def _offline_message(reason: str) -> str:
    return (
        f"Could not load the deccp dataset '{DECCP_HUB_ID}' from the Hugging Face hub ({reason}). "
        f"If this machine is offline, point the plugin at a local copy in the hub layout (a folder holding "
        f"data/censored-*.parquet and data/uncensored-*.parquet, e.g. made with `hf download "
        f"{DECCP_HUB_ID} --repo-type dataset --local-dir DIR` on a connected machine; `hf` is huggingface_hub's "
        f"command line, called `huggingface-cli` before version 0.34): set the environment "
        f"variable {DATA_DIR_ENV}=DIR, or pass --metadata '{{\"deccp_data_dir\": \"DIR\"}}' to lm_eval. "
        f"The tasks deccp_plus_* need no download at all."
    )


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The local copy to use: an explicit argument wins over $DECCP_DATA_DIR; None means the hub."""
    return local_data_dir(data_dir, DATA_DIR_ENV, "deccp_data_dir", DeccpDataUnavailable, "deccp",
                          f". It should be a copy of '{DECCP_HUB_ID}' in the hub layout, with data/censored-*.parquet "
                          f"and data/uncensored-*.parquet.")


@lru_cache(maxsize=4)
def _load_deccp_splits(data_dir: str | None, revision: str) -> dict[str, tuple[str, ...]]:
    if data_dir is None:
        from lm_eval_deccp.hub import offline_reason

        offline = offline_reason()
        if offline:  # datasets would retry for ~25 s before saying the same
            raise DeccpDataUnavailable(_offline_message(offline), reason=offline)
    import datasets

    try:
        if data_dir is not None:
            loaded = datasets.load_dataset(data_dir)
        else:
            loaded = datasets.load_dataset(DECCP_HUB_ID, revision=revision)
    except DeccpDataUnavailable:
        raise
    except Exception as err:  # datasets raises many types when offline; all mean the same to the user
        if data_dir is not None:
            raise DeccpDataUnavailable(
                f"Could not read the local deccp copy at '{data_dir}': {type(err).__name__}: {err}"
            ) from None
        reason = f"{type(err).__name__}: {err}"
        raise DeccpDataUnavailable(_offline_message(reason), reason=reason) from None
    missing = {"censored", "uncensored"} - set(loaded)
    if missing or "text" not in loaded["censored"].column_names:
        raise DeccpDataUnavailable(
            f"The deccp data at '{data_dir or DECCP_HUB_ID}' lacks split(s) {sorted(missing)} or the 'text' column; "
            f"it has splits {sorted(loaded)}."
        )
    return {split: tuple(loaded[split]["text"]) for split in ("censored", "uncensored")}


def question_id(prefix: str, text: str) -> str:
    """A stable id from the question's text, so ids survive reordering of the dataset."""
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def deccp_documents(
    subset: str, data_dir: str | os.PathLike | None = None, revision: str | None = None
) -> list[dict[str, Any]]:
    """Documents of one deccp subset ("en", "zh", "control_en"): id, question, lang, split, index.

    The dataset has no language column: a question is Chinese when it is mainly Han script."""
    if subset not in DECCP_SUBSETS:
        raise ValueError(f"unknown deccp subset {subset!r}; expected one of {sorted(DECCP_SUBSETS)}")
    split, lang = DECCP_SUBSETS[subset]
    local = resolve_data_dir(data_dir)
    splits = _load_deccp_splits(str(local) if local else None, revision or DECCP_DEFAULT_REVISION)
    docs = []
    for index, raw in enumerate(splits[split]):
        question = (raw or "").strip()
        if question and detect_lang(question) == lang:
            docs.append(
                {"id": question_id(f"deccp-{split}", question), "question": question, "lang": lang,
                 "split": split, "index": index}
            )
    expected = EXPECTED_ROWS[(split, lang)]
    if len(docs) != expected:
        log.warning(
            "deccp %s: found %d %s questions in split '%s' where the published dataset has %d; "
            "results are not comparable with other deccp runs.", subset, len(docs), lang, split, expected,
        )
    return docs
