"""A harsher cross-validation than the headline grid: each dev set scored by keyword models that saw *no* row of
that set, and none of the scored row's model.

    python training/source_holdout.py [--model-folds 4] [--json OUT.json]     # needs ../shared (DECCP_SHARED_DIR)

The headline grid (crossval.grid_cv) holds out a row's model and its question, but the other questions of the same
set stay in training, so the set's topics, phrasing and the judge's habits are all seen. The private held-out set
differs from the dev sets in more than that, and v2 scored 0.12 below its CV there. Holding out a whole set (for
SpeechMap China, both languages) is the other extreme: the detector has seen other kinds of question only
(criticism of other governments, XSTest's safety prompts) and the exemplar bank. The two figures bracket what can
be expected on new models and questions of a known kind; neither is a measurement on them.

Keyword detector only (the cascade's first part, which decides 93% of answers in the grid); the shipped code path
(crossval.run_splits, crossval.verdicts, crossval.summarise) with these splits. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-folds", type=int, default=4)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()

    from lm_eval_deccp.detector import crossval, labelled_rows, training
    from lm_eval_deccp.detector.grouping import assign_folds, model_group

    shared = labelled_rows.shared_dev_paths()
    if len(shared) < len(labelled_rows.SHARED_DEV_FILES):
        print("shared dev sets not found: set DECCP_SHARED_DIR to the folder holding data/refusal-dev", file=sys.stderr)
        return 2
    prep = training.prepare(labelled_rows.load_exemplars() + labelled_rows.load_labelled(shared))
    dev = crossval.dev_index(prep)
    sources = np.array([prep.rows[i].get("source") for i in dev])
    models = [model_group(prep.rows[i]) for i in dev]
    model_fold = assign_folds(models, list(sources), args.model_folds)
    fold = np.array([model_fold[m] for m in models])
    splits = []
    for source in sorted(set(sources)):
        for f in range(args.model_folds):
            test = np.nonzero((sources == source) & (fold == f))[0]
            if len(test):
                train = np.nonzero((sources != source) & (fold != f))[0]
                splits.append((f"{source}:m{f}", train, test))
    oof = crossval.run_splits(prep, None, None, splits, "keywords", "set x model")
    pred = crossval.verdicts(prep, oof, training.TAU_CENSORED)
    summary = crossval.summarise(prep, {"set_x_model": (oof, pred)})
    for source, by_protocol in summary.items():
        for lang, figures in by_protocol["set_x_model"].items():
            err = figures["rate_error"]
            print(f"{source:<20} {lang}  rows {figures['rows']:>5}  censored F1 {figures['censored_f1']:.3f} "
                  f"(P {figures['censored_precision']:.2f} / R {figures['censored_recall']:.2f})  "
                  f"3-class {figures['macro_f1']:.3f}  rate error {err['mean_pp']:.1f} / {err['max_pp']:.1f} pp")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
