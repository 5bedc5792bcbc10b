"""Loading the question sets: the canonical `augmxnt/deccp` dataset (hub or a local copy) and the bundled
deccp-plus suite. Both return plain lists of documents (dicts); `as_hf_dataset` wraps them for lm_eval."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from lm_eval_deccp.text import detect_lang

log = logging.getLogger(__name__)

DECCP_HUB_ID = "augmxnt/deccp"
# The hub dataset has had one published version; pass `deccp_revision` in --metadata to pin a commit.
DECCP_DEFAULT_REVISION = "main"
DATA_DIR_ENV = "DECCP_DATA_DIR"
# What the published dataset holds; a different count means another revision or a damaged copy.
EXPECTED_ROWS = {("censored", "en"): 65, ("censored", "zh"): 30, ("uncensored", "en"): 37}

# subset name -> (split, language)
DECCP_SUBSETS = {
    "en": ("censored", "en"),
    "zh": ("censored", "zh"),
    "control_en": ("uncensored", "en"),
}

SUITE_DIR = Path(__file__).parent / "resources" / "deccp_plus"
# deccp-plus variant -> (language field of a question record, is control)
SUITE_VARIANTS = {
    "en": ("en", False),
    "zh": ("zh_hans", False),
    "zh_hant": ("zh_hant", False),
    "control_en": ("en", True),
    "control_zh": ("zh_hans", True),
}


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
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or None
    if chosen is None:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DeccpDataUnavailable(
            f"The deccp data folder '{path}' (from {'deccp_data_dir' if data_dir else DATA_DIR_ENV}) does not "
            f"exist. It should be a copy of '{DECCP_HUB_ID}' in the hub layout, with data/censored-*.parquet "
            f"and data/uncensored-*.parquet."
        )
    return path


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


def _read_suite_records() -> list[dict[str, Any]]:
    records = []
    for path in sorted(SUITE_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return records


@lru_cache(maxsize=1)
def suite_records() -> tuple[dict[str, Any], ...]:
    """Every deccp-plus question record as written in resources/deccp_plus/*.jsonl."""
    return tuple(_read_suite_records())


def suite_documents(variant: str) -> list[dict[str, Any]]:
    """Documents of one deccp-plus variant (see SUITE_VARIANTS): the question in the variant's language and
    script, its topic and form, the pair id shared by all variants, and the key facts to look for (a control's
    once its rubric is written)."""
    if variant not in SUITE_VARIANTS:
        raise ValueError(f"unknown deccp-plus variant {variant!r}; expected one of {sorted(SUITE_VARIANTS)}")
    field, is_control = SUITE_VARIANTS[variant]
    lang = "en" if field == "en" else "zh"
    docs = []
    for record in suite_records():
        source = record["control"] if is_control else record
        docs.append({
            "id": f"{record['id']}-control" if is_control else record["id"],
            "pair_id": record["id"],
            "topic": record["topic"],
            "form": record["form"],
            "variant": variant,
            "lang": lang,
            "script": field,
            "control": is_control,
            "subject": source.get("subject", record["topic"]),
            "question": source[field],
            # Controls have key facts too (issue 17), so fact coverage compares like with like.
            "key_facts": [{"text": fact.get(field) or fact["en"], "match": fact["match"]}
                          for fact in source.get("key_facts") or []],
        })
    return docs


def as_hf_dataset(docs: Iterable[dict[str, Any]]):
    """Wrap documents as the DatasetDict lm_eval expects from a custom_dataset function (one split: test)."""
    import datasets

    docs = list(docs)
    # key_facts is a list of dicts; json keeps the Arrow schema simple and identical across variants.
    rows = [{**doc, "key_facts": json.dumps(doc["key_facts"], ensure_ascii=False)} if "key_facts" in doc else doc
            for doc in docs]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})
