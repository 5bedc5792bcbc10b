"""Reading stored generations for `deccp score`: lm_eval samples_*.jsonl files, and JSONL or CSV tables with a
question and a response column (vLLM dumps, API logs, spreadsheets).

Every reader returns `StoredGeneration`s (one question, its document and its responses) and never labels anything:
labelling and scoring live in lm_eval_deccp/rescoring/scoring.py, which hands these to the same functions the lm_eval tasks use.

A row whose response is missing or not text (JSON null, a number, an object) is an error naming the file, line and
field, never an empty answer: pass a `skipped` list to collect such rows instead (`deccp score --skip-invalid`)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from lm_eval_deccp.reporting.reading.runs import ResultsError, iter_jsonl_objects
from lm_eval_deccp.text import as_text
from lm_eval_deccp.textfiles import TextFileError, read_text

# lm_eval names a task's samples file samples_<task>_<date>.jsonl, the date being an ISO time with ":" as "-".
_SAMPLES_NAME = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-.]+)\.jsonl$")
TABLE_SUFFIXES = {".jsonl", ".json", ".csv", ".tsv"}


class GenerationsError(ResultsError):
    """A generations file that cannot be scored; the message names the file and the problem."""


@dataclass(frozen=True)
class Columns:
    """Which columns of a table hold what. `lang` is optional: without it the language is detected."""

    question: str = "question"
    response: str = "response"
    lang: str | None = "lang"


@dataclass
class StoredGeneration:
    """One question and the response(s) a model gave to it.

    From an lm_eval samples file, `task`, `doc_id` and `doc` are lm_eval's own and are kept; from a table they are
    None and scoring assigns them (see scoring.assign_documents)."""

    question: str
    responses: list[str]
    source: str
    lang: str | None = None
    task: str | None = None
    doc_id: int | None = None
    doc: dict[str, Any] | None = None
    prompt: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def samples_task_name(path: Path) -> str | None:
    """The task of an lm_eval samples file, from its name; None when the name is not lm_eval's."""
    match = _SAMPLES_NAME.match(path.name)
    return match["task"] if match else None


class InvalidResponse(GenerationsError):
    """One row whose response is missing or not text."""


def read_generations(path: Path, columns: Columns = Columns(), skipped: list[str] | None = None
                     ) -> list[StoredGeneration]:
    """All generations in one file: an lm_eval samples file (recognised by its name) or a table. Rows without a
    text response raise InvalidResponse, or, when `skipped` is a list, are left out and described in it."""
    if not path.is_file():
        raise GenerationsError(f"{path}: no such file")
    found = []
    for item in _read_rows(path, columns):
        if not isinstance(item, InvalidResponse):
            found.append(item)
        elif skipped is None:
            raise item
        else:
            skipped.append(str(item))
    return found


def _read_rows(path: Path, columns: Columns) -> Iterator[StoredGeneration | InvalidResponse]:
    if samples_task_name(path):
        return read_lm_eval_samples(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return read_csv_table(path, columns, delimiter="\t" if suffix == ".tsv" else ",")
    if suffix in {".jsonl", ".json"}:
        return read_jsonl_table(path, columns)
    raise GenerationsError(f"{path}: unknown kind of file (expected lm_eval samples_<task>_<date>.jsonl, or a "
                           f"table ending in {', '.join(sorted(TABLE_SUFFIXES))})")


def _jsonl_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        yield from iter_jsonl_objects(path)
    except GenerationsError:
        raise
    except ResultsError as err:
        raise GenerationsError(str(err)) from None


def _response_text(value: Any, where: str, field: str) -> str | InvalidResponse:
    if isinstance(value, str):
        return value
    if value is _MISSING:
        return InvalidResponse(f"{where}: no {field} field (if the file names it differently, say so with "
                               f"--response-column)")
    shown = "null" if value is None else f"a {type(value).__name__}"
    return InvalidResponse(f"{where}: {field} is {shown}, not text")


_MISSING = object()


def read_lm_eval_samples(path: Path) -> Iterator[StoredGeneration | InvalidResponse]:
    """The generations of an lm_eval samples file: the raw `resps` (not `filtered_resps`, which a task's filters
    may have reduced or, for the deccp tasks, already replaced by verdicts)."""
    task = samples_task_name(path)
    for line_number, sample in _jsonl_objects(path):
        where = f"{path}:{line_number}"
        missing = [key for key in ("doc_id", "doc", "resps") if key not in sample]
        if missing:
            raise GenerationsError(f"{where}: not an lm_eval sample (no {', '.join(missing)}); name a table with "
                                   f"question and response columns something other than samples_<task>_<date>.jsonl")
        resps = sample["resps"]
        # One request per document for generation tasks; its entry lists the repeats.
        if not isinstance(resps, list) or len(resps) != 1 or not isinstance(resps[0], list) or not resps[0]:
            raise GenerationsError(f"{where}: 'resps' is not one generation request ([[text, ...]]); only "
                                   f"generate_until samples can be scored")
        doc = sample["doc"] if isinstance(sample["doc"], dict) else {}
        prompt = ((sample.get("arguments") or {}).get("gen_args_0") or {}).get("arg_0")
        question = as_text(doc.get("question") or prompt)
        responses = [_response_text(r, where, f"'resps[0][{k}]'") for k, r in enumerate(resps[0])]
        invalid = next((r for r in responses if isinstance(r, InvalidResponse)), None)
        if invalid is not None:
            yield invalid
            continue
        yield StoredGeneration(
            question=question,
            responses=responses,
            source=path.name,
            lang=doc.get("lang"),
            task=task,
            doc_id=int(sample["doc_id"]),
            doc=doc,
            prompt=prompt if isinstance(prompt, str) else None,
            # Kept as lm_eval wrote them, so a re-scored samples file differs from the original only in its scores.
            extra={key: sample[key] for key in ("arguments", "target") if key in sample},
        )


def _row_generation(row: dict[str, Any], where: str, path: Path, columns: Columns
                    ) -> StoredGeneration | InvalidResponse:
    question = row.get(columns.question)
    response = _response_text(row.get(columns.response, _MISSING), where, repr(columns.response))
    if isinstance(response, InvalidResponse):
        return response
    if question is None or not str(question).strip():
        return InvalidResponse(f"{where}: {columns.question!r} is {'missing' if question is None else 'empty'}")
    lang = row.get(columns.lang) if columns.lang else None
    lang = str(lang).strip().lower() if lang not in (None, "") else None
    if lang is not None and lang not in {"en", "zh"}:
        # zh-hans, zh_TW, zh-CN … all score as Chinese; anything else is refused rather than guessed.
        if lang.replace("_", "-").split("-")[0] == "zh":
            lang = "zh"
        else:
            return InvalidResponse(f"{where}: {columns.lang!r} is {row.get(columns.lang)!r}; expected en or zh")
    return StoredGeneration(question=str(question).strip(), responses=[response], source=path.name, lang=lang)


def _check_columns(path: Path, present: list[str], columns: Columns) -> None:
    missing = [name for name in (columns.question, columns.response) if name not in present]
    if missing:
        options = {columns.question: "--question-column", columns.response: "--response-column"}
        raise GenerationsError(
            f"{path}: no column {' or '.join(repr(m) for m in missing)} (it has {', '.join(map(repr, present))}); "
            f"name the right one with {' / '.join(options[m] for m in missing)}")


def read_jsonl_table(path: Path, columns: Columns) -> Iterator[StoredGeneration | InvalidResponse]:
    """Each row is read on its own: a row without the response or question field is that row's error (skipped
    with --skip-invalid); a file where no row has them is taken to name its columns differently."""
    fields_seen: dict[str, None] = {}
    has_columns = False
    for line_number, row in _jsonl_objects(path):
        fields_seen.update(dict.fromkeys(row))
        has_columns = has_columns or (columns.question in row and columns.response in row)
        yield _row_generation(row, f"{path}:{line_number}", path, columns)
    if fields_seen and not has_columns:
        _check_columns(path, list(fields_seen), columns)


def read_csv_table(path: Path, columns: Columns, delimiter: str = ",") -> Iterator[StoredGeneration | InvalidResponse]:
    try:
        text = read_text(path)
    except TextFileError as err:
        raise GenerationsError(str(err)) from None
    # Long responses exceed the csv module's default field limit (128 KiB); one response is one field.
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    _check_columns(path, list(reader.fieldnames or []), columns)
    for row in reader:
        # DictReader counts physical lines; a quoted multi-line response spans several.
        yield _row_generation(row, f"{path}:{reader.line_num}", path, columns)
