"""Score answers stored by MixEval's own suite with this package's MixEval scorer, beside MixEval's published
figures for the same model. Prints a Markdown table; asserts nothing.

    python benchmarks/mixeval_stored_answers.py [FOLDER] [--parser rule|model] [--json OUT]

FOLDER defaults to ../shared/data/mixeval/model_responses/gemma_11_7b_instruct/mixeval_hard/2024-06-01 (answers of
gemma-1.1-7b-it to MixEval-Hard 2024-06-01; other people's data, read in place). `--parser model` uses the judge
endpoint (DECCP_JUDGE_URL, DECCP_JUDGE_MODEL). The published figures are MixEval's leaderboard's
(github.com/MixEval/mixeval.github.io, static/utils/scores_chat_csv.csv at commit 6c12758; mixeval.github.io,
GPT-3.5-Turbo-0125 parser): for Gemma-1.1-7B-IT MixEval-Hard 39.1, and its TriviaQA-Hard 30.3, MMLU-Hard 39.0 and
DROP-Hard 55.1 columns; no other column of MixEval-Hard is published per model."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lm_eval_deccp.mixeval.scoring import METHOD_2024_06, METHOD_ITEM_WEIGHTED, combine  # noqa: E402
from lm_eval_deccp.mixeval.stored import read_part, score_part  # noqa: E402

# ../shared, or $DECCP_SHARED_DIR (the folder holding data/), as the tests find it.
SHARED = Path(os.environ.get("DECCP_SHARED_DIR") or REPO.parent / "shared")
DEFAULT = SHARED / "data/mixeval/model_responses/gemma_11_7b_instruct/mixeval_hard/2024-06-01"
PUBLISHED = {"overall": 39.1, "TriviaQA": 30.3, "MMLU": 39.0, "DROP": 55.1}
PUBLISHED_SOURCE = "mixeval.github.io leaderboard (MixEval/mixeval.github.io static/utils/scores_chat_csv.csv)"


def print_agreement(stored, scored) -> None:
    """How far the rule parser is from the model parser, item by item, on the same answers."""
    for part, by_model in zip(stored, scored):
        by_rule = score_part(part, "rule").per_item
        n = len(by_rule)
        same = sum(abs(a - b) < 1e-9 for a, b in zip(by_rule, by_model.per_item))
        gap = sum(by_model.per_item) / n - sum(by_rule) / n
        print(f"{part.part}: {n} items; rule and model parser give the same score on {same} ({100 * same / n:.0f}%); "
              f"mean |difference| {sum(abs(a - b) for a, b in zip(by_rule, by_model.per_item)) / n:.3f}; "
              f"model − rule {100 * gap:+.1f} points; model parser fell back to the rule on {by_model.fallbacks}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--parser", choices=("rule", "model"), default="rule")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--limit", type=int, help="only the first N items of each part (for a slow model parser)")
    args = parser.parse_args()
    if not args.folder.is_dir():
        print(f"no such folder: {args.folder}", file=sys.stderr)
        return 2
    stored = [read_part(args.folder, part) for part in ("freeform", "multichoice")]
    for part in stored:
        part.items, part.responses = part.items[:args.limit], part.responses[:args.limit]
    started = time.perf_counter()
    scored = [score_part(part, args.parser) for part in stored]
    seconds = time.perf_counter() - started
    if args.parser == "model":
        print_agreement(stored, scored)
    current = combine([s.scores for s in scored], METHOD_ITEM_WEIGHTED)
    legacy = combine([s.scores for s in scored], METHOD_2024_06)
    print(f"{args.folder}: parser {', '.join(sorted({s.parser for s in scored}))}, {seconds:.1f} s; "
          f"unparsed {sum(s.unparsed for s in scored)}, fallbacks {sum(s.fallbacks for s in scored)}\n")
    print("| column | items | ours, item-weighted (×100) | ours, 2024-06 suite (×100) | published (×100) | "
          "ours − published |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("overall", sum(current.items.values()), current.overall, legacy.overall)]
    rows += [(name, current.items[name], current.columns[name], legacy.columns.get(name))
             for name in sorted(current.columns, key=lambda n: -current.items[n])]
    figures = {}
    for name, items, ours, old in rows:
        published = PUBLISHED.get(name)
        diff = f"{100 * ours - published:+.1f}" if published is not None else ""
        print(f"| {name} | {items} | {100 * ours:.1f} | {100 * old:.1f} | "
              f"{published if published is not None else '—'} | {diff} |")
        figures[name] = {"items": items, "item_weighted": ours, "suite_2024_06": old, "published": published}
    if args.json:
        args.json.write_text(json.dumps({"folder": str(args.folder), "parser": scored[0].parser,
                                         "published_source": PUBLISHED_SOURCE, "figures": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
