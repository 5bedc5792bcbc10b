"""The `deccp` command line. Each sub-command lives in its own module with `add_arguments(parser)` and
`run(args) -> int`; this module only assembles them. Command modules import heavy libraries inside `run`, so
`deccp --help` and `deccp tasks-path` stay fast."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

# (command name, module under lm_eval_deccp.cli, one-line help)
COMMANDS: list[tuple[str, str, str]] = [
    ("tasks-path", "tasks_path", "print the folder holding the deccp task YAMLs (for lm_eval --include_path)"),
    ("demo-model", "demo_model", "print the bundled demo model's location or lm_eval --model_args"),
    ("classify", "classify", "label each response in a JSONL file as answered / refused / deflected"),
    ("eval-detector", "eval_detector", "measure the censorship detector against labelled JSONL rows"),
    ("train-detector", "train_detector", "train the censorship detector and write its artifact"),
    ("paired", "paired", "paired EN/ZH, script and China-vs-control statistics, per topic and re-rolls, from results"),
    ("score", "score", "label stored generations (lm_eval samples, JSONL/CSV) and write them as an lm_eval run"),
    ("report", "report", "leaderboard table: censorship columns beside MixEval-named capability columns"),
    ("spot-check", "spot_check", "draw a seeded sample of each model's answers to read blind (a page) or to judge"),
    ("agreement", "agreement", "Cohen's kappa, confusion matrix and F1 between offline and judge verdicts"),
    ("direction", "direction", "find a model's censorship direction (China questions vs matched controls, per layer)"),
    ("abliterate", "abliterate", "project a direction out of a model's weights and save it with a card"),
]


class UsageError(Exception):
    """A problem with the user's input that deserves one clear line, not a traceback."""


def build_parser() -> argparse.ArgumentParser:
    from lm_eval_deccp import __version__

    parser = argparse.ArgumentParser(
        prog="deccp",
        description="lm-eval-deccp: measure refusals and CCP-aligned deflections in language models.",
    )
    parser.add_argument("--version", action="version", version=f"lm-eval-deccp {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name, help_text in COMMANDS:
        module = importlib.import_module(f"lm_eval_deccp.cli.{module_name}")
        # Raw: the module docstrings are written as they should read, with example commands on lines of their own,
        # which argparse's default formatter would run together into one paragraph.
        sub = subparsers.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip(),
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "_run"):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except UsageError as err:
        print(f"deccp {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `deccp ... | head` is normal use
        return 0


if __name__ == "__main__":
    sys.exit(main())
