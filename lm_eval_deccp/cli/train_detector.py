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
import json
import re
import sys
import time
from pathlib import Path

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


def _protocols(args: argparse.Namespace) -> list[str]:
    from lm_eval_deccp.detector.crossval import GROUPINGS, HEADLINE

    return [HEADLINE] + ([] if args.cv_headline_only else list(GROUPINGS))


def _cross_validate(prep, emb, q_emb, backend_id: str, args: argparse.Namespace) -> dict:
    """{protocol: OutOfFold} for the headline grid and (unless --cv-headline-only) the secondary groupings."""
    from lm_eval_deccp.detector import crossval

    out = {}
    for protocol in _protocols(args):
        t = time.perf_counter()
        if protocol == crossval.HEADLINE:
            out[protocol] = crossval.grid_cv(prep, emb, q_emb, args.cv_grid or crossval.DEFAULT_GRID,
                                             backend_id=backend_id)
        else:
            out[protocol] = crossval.grouped_cv(prep, emb, q_emb, protocol, backend_id=backend_id)
        print(f"  cv {protocol}: {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return out


def _summarise(prep, oofs: dict, name: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """(the cross-validation record stored with an artifact, {protocol: verdicts})."""
    from lm_eval_deccp.detector import crossval
    from lm_eval_deccp.detector.evaluation import RATE_MIN_ROWS
    from lm_eval_deccp.detector.training import TAU_CENSORED

    labelled = {protocol: (oof, crossval.verdicts(prep, oof, TAU_CENSORED)) for protocol, oof in oofs.items()}
    grid = args.cv_grid or crossval.DEFAULT_GRID
    dev = crossval.dev_index(prep)
    described = {
        crossval.HEADLINE: f"model x question grid, {grid[0]} model folds x {grid[1]} question folds: test rows have "
                           "an unseen model and an unseen question (the headline)",
        "held_out_by_model": f"{crossval.SECONDARY_FOLDS} folds by model name across sources (secondary)",
        "held_out_by_question": f"{crossval.SECONDARY_FOLDS} folds by question, both languages (secondary)",
    }
    record = {
        "protocols": {protocol: described[protocol] for protocol in oofs},
        "grid": list(grid),
        "dev_rows": int(len(dev)),
        "dev_rows_unusable": int(prep.unusable[dev].sum()),
        "rate_error_min_rows": RATE_MIN_ROWS,
        **crossval.summarise(prep, labelled, log=lambda line: print(line, file=sys.stderr), name=name),
    }
    return record, {protocol: pred for protocol, (_, pred) in labelled.items()}


def _write_oof(path: Path, prep, oofs: dict, predictions: dict) -> None:
    """One JSON line per dev row and protocol: the verdict of the model that saw neither the row's model nor its
    question (or, for a secondary protocol, not its group). Rows are identified by id, never copied: the dev sets
    are other people's data."""
    import numpy as np

    from lm_eval_deccp.detector.labelled_rows import LABELS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for protocol, oof in oofs.items():
            for k, i in enumerate(oof.index):
                row = prep.rows[i]
                scores = np.round(oof.proba[k].astype(float), 4).tolist()
                record = {"id": row.get("id"), "source": row.get("source"), "lang": prep.langs[i],
                          "model": row.get("model"), "label": LABELS[prep.y[i]], "protocol": protocol,
                          "fold": oof.fold[k], "prediction": predictions[protocol][k],
                          "scores": dict(zip(LABELS, scores))}
                if oof.scored_by is not None:
                    record["scored_by"] = oof.scored_by[k]
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(json.dumps({"out_of_fold": str(path)}))


def _load_training_rows(args: argparse.Namespace) -> tuple[list[dict], list[dict], list[dict]]:
    """(exemplar rows, shared dev rows, --extra rows)."""
    import os

    from lm_eval_deccp.detector import data

    if args.shared_dir:
        os.environ["DECCP_SHARED_DIR"] = args.shared_dir
    rows = data.load_exemplars(args.exemplars) if args.exemplars else data.load_exemplars()
    if not rows:
        raise UsageError("no exemplar rows found (training/exemplars/*.jsonl)")
    dev_rows: list[dict] = []
    if args.include_shared or args.cv:
        shared = data.shared_dev_paths()
        if len(shared) < len(data.SHARED_DEV_FILES):
            missing = sorted(set(data.SHARED_DEV_FILES) - {p.name for p in shared})
            raise UsageError(f"shared dev sets not found under {data.shared_dir() / 'data' / 'refusal-dev'}: "
                             f"{', '.join(missing)} (set DECCP_SHARED_DIR)")
        dev_rows = data.load_labelled(shared)
    extra_rows = data.load_labelled(args.extra) if args.extra else []
    return rows, dev_rows, extra_rows


def _train_one(spec: str, prep, train_index: list[int], args: argparse.Namespace, out_dir: Path):
    """Train (and with --cv cross-validate) the detector of one backend; returns its out-of-fold scores or None."""
    from lm_eval_deccp.detector import training
    from lm_eval_deccp.detector.embeddings import backend_slug, load_backend
    from lm_eval_deccp.detector.shipped_artifacts import DETECTOR_VERSION
    from lm_eval_deccp.paths import cache_home

    t0 = time.perf_counter()
    backend = load_backend(spec)
    backend_id = backend.backend_id if backend is not None else "keywords"
    emb = q_emb = None
    if backend is not None:
        cache = Path(args.cache_dir or cache_home())
        print(f"embedding {len(prep.texts)} responses and their questions with {backend_id} …", file=sys.stderr)
        emb = training.embed_texts(backend, prep.texts, cache)
        q_emb = training.embed_texts(backend, prep.questions, cache)
        print(f"  ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    oofs = _cross_validate(prep, emb, q_emb, backend_id, args) if args.cv else None
    train = prep.subset(train_index)
    model = training.fit_model(
        train, None if emb is None else emb[train_index], None if q_emb is None else q_emb[train_index],
        backend_id, training.summarise_training_data(train), spec,
    )
    predictions = None
    if oofs is not None:
        model.metadata["cross_validation"], predictions = _summarise(prep, oofs, spec, args)
    path = model.save(out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.npz")
    print(json.dumps({"artifact": str(path), "bytes": path.stat().st_size, "backend_id": backend_id,
                      "trained_on": model.metadata["trained_on"]}, ensure_ascii=False))
    return oofs, predictions


def run(args: argparse.Namespace) -> int:
    from lm_eval_deccp.detector import crossval, training
    from lm_eval_deccp.detector.cascade import REFINE_BAND, refine_mask
    from lm_eval_deccp.detector.embeddings import backend_slug, canonical_spec, detector_parts
    from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION

    spec = canonical_spec(args.backend)
    try:
        parts = detector_parts(spec)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if not args.cv and (args.oof_output or args.cv_grid or args.cv_headline_only):
        raise UsageError("--oof-output, --cv-grid and --cv-headline-only need --cv (they are about the "
                         "cross-validation)")
    started = time.perf_counter()
    rows, dev_rows, extra_rows = _load_training_rows(args)
    all_rows = rows + dev_rows + extra_rows
    prep = training.prepare(all_rows)
    # --cv alone loads the dev rows to score them, but only --include-shared trains on them.
    n_own, n_dev = len(rows), len(dev_rows)
    train_index = list(range(len(all_rows))) if args.include_shared else \
        list(range(n_own)) + list(range(n_own + n_dev, len(all_rows)))
    out_dir = Path(args.output) if args.output else ARTIFACT_DIR

    results = [_train_one(part, prep, train_index, args, out_dir) for part in parts]
    if len(parts) == 1 and args.oof_output:
        _write_oof(Path(args.oof_output), prep, *results[0])
    if len(parts) == 2 and args.cv:
        (first, _), (second, _) = results
        names = tuple(f"{backend_slug(part)}-{DETECTOR_VERSION}" for part in parts)
        # Named as a verdict's `scored_by` is at run time: the artifact's stem.
        cascade = {protocol: crossval.cascade(first[protocol], second[protocol], names) for protocol in first}
        for protocol, oof in first.items():
            print(f"  cascade, {protocol}: {refine_mask(oof.proba).mean():.1%} of answers re-scored by {parts[1]}",
                  file=sys.stderr)
        record, predictions = _summarise(prep, cascade, spec, args)
        summary = {
            "name": f"deccp-detector-{DETECTOR_VERSION} cascade", "backend_spec": spec,
            "parts": [f"{backend_slug(part)}-{DETECTOR_VERSION}.npz" for part in parts],
            "refine_band": list(REFINE_BAND),
            "refined_share": {p: round(float(refine_mask(oof.proba).mean()), 4) for p, oof in first.items()},
            "cross_validation": record,
        }
        path = out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.json"
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({"cascade_summary": str(path)}))
        if args.oof_output:
            _write_oof(Path(args.oof_output), prep, cascade, predictions)
    print(f"train-detector: done in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return 0
