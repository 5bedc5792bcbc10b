"""The rows `deccp classify` reads: plain rows with a `response` (optional `question`, `lang`,
`thinking_in_prompt`), a bare JSON string (the response itself), or lm_eval `samples_*.jsonl` rows, whose response
is `resps[0][0]` (else `filtered_resps[0]`) and whose question is the doc's `question`/`text`/`prompt`/`query`
(else the first string of the request arguments). A row without a text response is an InvalidRow naming the field.
"""

from __future__ import annotations

from typing import Any

from lm_eval_deccp.detector.labelled_rows import iter_jsonl

_QUESTION_FIELDS = ("question", "text", "prompt", "query")


class UnreadableInput(ValueError):
    """The input cannot be labelled (a bad row, bad JSON, no rows); the message names the file and line."""


class InvalidRow(ValueError):
    """A row with no response the detector could label; the message names the field and what was there."""


def extract(row: Any) -> tuple[str, Any, Any]:
    """(response, question, lang) of a plain row or an lm_eval sample row; question and lang may be None.
    Raises InvalidRow when the row holds no text response."""
    if isinstance(row, str):  # a bare JSON string is the response itself
        return row, None, None
    if not isinstance(row, dict):
        raise InvalidRow(f"expected an object with a 'response' field, found {type(row).__name__}")
    if "response" in row:
        return _text(row["response"], "'response'"), row.get("question"), row.get("lang")
    if not row.get("resps") and not row.get("filtered_resps"):
        raise InvalidRow(f"no 'response' field (fields: {', '.join(sorted(row)) or 'none'})")
    # The raw generation first: a task's filter may have replaced filtered_resps with something else (the deccp
    # tasks store their verdict JSON there).
    if row.get("resps"):
        response = row["resps"][0]
        response = _text(response[0] if isinstance(response, list) and response else response, "'resps[0][0]'")
    else:
        response = _text(row["filtered_resps"][0], "'filtered_resps[0]'")
    doc = row.get("doc") if isinstance(row.get("doc"), dict) else {}
    question = next((doc[k] for k in _QUESTION_FIELDS if doc.get(k)), None)
    if question is None and row.get("arguments"):
        question = _first_string(row["arguments"])
    lang = doc.get("lang") or (doc.get("variant") if doc.get("variant") in ("en", "zh") else None)
    return response, question, lang


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        shown = "null" if value is None else f"a {type(value).__name__}"
        raise InvalidRow(f"{field} is {shown}, not text")
    return value


def _first_string(value: Any) -> str | None:
    """The first string inside lm_eval's nested `arguments` structure (the prompt)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_string(item)
            if found:
                return found
    return None


def _thinking_flag(row: Any) -> bool | None:
    """A row's `thinking_in_prompt`, or, for an lm_eval sample, its document's (set by the task loader)."""
    if not isinstance(row, dict):
        return None
    value = row.get("thinking_in_prompt")
    if value is None and isinstance(row.get("doc"), dict):
        value = row["doc"].get("thinking_in_prompt")
    if value is None or isinstance(value, bool):
        return value
    raise InvalidRow(f"'thinking_in_prompt' must be true, false or absent, not {value!r}")


def read_rows(path: str, skip_invalid: bool) -> tuple[list[Any], list[tuple[str, Any, Any, Any]], list[str]]:
    """The input's rows, their (response, question, lang, thinking_in_prompt) and the rows skipped ("LINE (why)").
    A bad row stops here (UnreadableInput, naming its line) unless `skip_invalid`."""
    rows, parts, skipped = [], [], []
    try:
        for line, row in iter_jsonl(path):
            try:
                parts.append((*extract(row), _thinking_flag(row)))
            except InvalidRow as err:
                if not skip_invalid:
                    raise UnreadableInput(f"{path}:{line}: {err}; fix the row or pass --skip-invalid") from None
                skipped.append(f"{line} ({err})")
                continue
            rows.append(row)
    except UnreadableInput:
        raise
    except ValueError as err:  # bad JSON, undecodable text, a missing file (textfiles.TextFileError)
        raise UnreadableInput(str(err)) from None
    return rows, parts, skipped
