"""Train the censorship detector and write its artifact (the reproducible command behind the shipped one).

Trains on the project's exemplar bank (training/exemplars/*.jsonl) and, with --include-shared, on the shared dev
sets ($DECCP_SHARED_DIR/data/refusal-dev, default <repo>/../shared). With --cv, first reports grouped
cross-validation on the shared dev rows (held out by model, then by question; the exemplars stay in training) and
stores the figures in the artifact's metadata.

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
import sys
import time
from pathlib import Path

from lm_eval_deccp.cli import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="keywords+usem3",
                        help="what to train: keywords+usem3 (default: the default detector, both parts), keywords "
                             "(no embeddings), usem3, minilm, a sentence-transformers name/path, or a cascade "
                             "FIRST+SECOND of two of these")
    parser.add_argument("--include-shared", action="store_true",
                        help="also train on the shared dev sets (xstest_dev, speechmap_china_dev)")
    parser.add_argument("--shared-dir", default=None, help="shared data folder (default $DECCP_SHARED_DIR or ../shared)")
    parser.add_argument("--exemplars", default=None, help="exemplar folder (default training/exemplars)")
    parser.add_argument("--extra", nargs="*", default=[], help="more labelled JSONL files to train on")
    parser.add_argument("--cv", action="store_true", help="report grouped cross-validation on the shared dev rows")
    parser.add_argument("--oof-output", default=None, metavar="FILE.jsonl",
                        help="with --cv: write each dev row's out-of-fold verdict (id, source, lang, model, gold "
                             "label, grouping, predicted label, scores; no answer text) for error analysis")
    parser.add_argument("--output", default=None,
                        help="folder for the artifact (default: the package's artifacts/ folder)")
    parser.add_argument("--cache-dir", default=None,
                        help="where to memoise embeddings between runs (default ~/.cache/lm_eval_deccp)")


def _grouped_oof(prep, emb, q_emb, backend_id: str) -> dict:
    """{group_by: (row indices, out-of-group probabilities)} for both groupings."""
    from lm_eval_deccp.detector.training import grouped_cv

    out = {}
    for group_by in ("model", "question"):
        t = time.perf_counter()
        out[group_by] = grouped_cv(prep, emb, q_emb, group_by, backend_id=backend_id)
        print(f"  cv held out by {group_by} ({time.perf_counter() - t:.0f}s)", file=sys.stderr)
    return out


def _labels(proba) -> list[str]:
    """Labels from out-of-fold probabilities, by the threshold rule a trained detector applies."""
    from lm_eval_deccp.detector.model import DetectorModel
    from lm_eval_deccp.detector.training import TAU_CENSORED

    return DetectorModel({}, {"thresholds": {"tau_censored": TAU_CENSORED}}).labels_from_proba(proba)


def _cv_summary(prep, oof: dict, name: str) -> dict:
    """Per source, grouping and language: censored F1, macro F1 and the phrase baseline's censored F1."""
    from lm_eval_deccp.detector.data import LABELS
    from lm_eval_deccp.detector.evaluation import report_by_language
    from lm_eval_deccp.detector.phrases import baseline_censored

    summary: dict = {}
    for group_by, (index, proba) in oof.items():
        pred = _labels(proba)
        for source in sorted({prep.rows[i].get("source") for i in index}):
            sel = [k for k, i in enumerate(index) if prep.rows[i].get("source") == source]
            gold = [LABELS[prep.y[index[k]]] for k in sel]
            langs = [prep.langs[index[k]] for k in sel]
            rep = report_by_language(gold, [pred[k] for k in sel], langs)
            base = report_by_language(
                gold, ["refused" if baseline_censored(prep.texts[index[k]]) else "answered" for k in sel], langs)
            summary.setdefault(source, {})[f"held_out_by_{group_by}"] = {
                lang: {"censored_f1": r["censored"]["f1"], "macro_f1": r["macro_f1"], "rows": r["rows"],
                       "baseline_censored_f1": base[lang]["censored"]["f1"]}
                for lang, r in rep.items()
            }
            for lang, r in rep.items():
                print(f"cv {name}: held out by {group_by:<8} {source:<16} [{lang}] rows={r['rows']:>4} "
                      f"censored F1={r['censored']['f1']:.3f} macro F1={r['macro_f1']:.3f} "
                      f"(baseline censored F1={base[lang]['censored']['f1']:.3f})", file=sys.stderr)
    return summary


def _write_oof(path: Path, prep, oof: dict, scored_by: dict | None = None) -> None:
    """One JSON line per dev row and grouping: the verdict of the model that did not see the row's group. Rows are
    identified by id, never copied: the dev sets are other people's data."""
    import numpy as np

    from lm_eval_deccp.detector.data import LABELS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for group_by, (index, proba) in oof.items():
            for k, (i, label) in enumerate(zip(index, _labels(proba))):
                row = prep.rows[i]
                scores = np.round(proba[k].astype(float), 4).tolist()
                record = {"id": row.get("id"), "source": row.get("source"), "lang": prep.langs[i],
                          "model": row.get("model"), "label": LABELS[prep.y[i]], "held_out_by": group_by,
                          "prediction": label, "scores": dict(zip(LABELS, scores))}
                if scored_by is not None:
                    record["scored_by"] = scored_by[group_by][k]
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
            raise UsageError(f"shared dev sets not found under {data.shared_dir()} (set DECCP_SHARED_DIR)")
        dev_rows = data.load_labelled(shared)
    extra_rows = data.load_labelled(args.extra) if args.extra else []
    return rows, dev_rows, extra_rows


def _train_one(spec: str, prep, train_index: list[int], args: argparse.Namespace, out_dir: Path):
    """Train (and with --cv cross-validate) the detector of one backend; returns its out-of-fold scores or None."""
    from lm_eval_deccp.detector import training
    from lm_eval_deccp.detector.api import DETECTOR_VERSION
    from lm_eval_deccp.detector.embeddings import backend_slug, load_backend

    t0 = time.perf_counter()
    backend = load_backend(spec)
    backend_id = backend.backend_id if backend is not None else "keywords"
    emb = q_emb = None
    if backend is not None:
        cache = Path(args.cache_dir or Path.home() / ".cache" / "lm_eval_deccp")
        print(f"embedding {len(prep.texts)} responses and their questions with {backend_id} …", file=sys.stderr)
        emb = training.embed_texts(backend, prep.texts, cache)
        q_emb = training.embed_texts(backend, prep.questions, cache)
        print(f"  ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    oof = _grouped_oof(prep, emb, q_emb, backend_id) if args.cv else None
    train = prep.subset(train_index)
    model = training.fit_model(
        train, None if emb is None else emb[train_index], None if q_emb is None else q_emb[train_index],
        backend_id, training.summarise_training_data(train), spec,
    )
    if oof is not None:
        model.metadata["cross_validation"] = _cv_summary(prep, oof, spec)
    path = model.save(out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.npz")
    print(json.dumps({"artifact": str(path), "bytes": path.stat().st_size, "backend_id": backend_id,
                      "trained_on": model.metadata["trained_on"]}, ensure_ascii=False))
    return oof


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from lm_eval_deccp.detector import training
    from lm_eval_deccp.detector.api import ARTIFACT_DIR, DETECTOR_VERSION, REFINE_BAND, refine_mask
    from lm_eval_deccp.detector.embeddings import backend_slug, canonical_spec, detector_parts

    spec = canonical_spec(args.backend)
    try:
        parts = detector_parts(spec)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if args.oof_output and not args.cv:
        raise UsageError("--oof-output needs --cv (the out-of-fold verdicts come from cross-validation)")
    rows, dev_rows, extra_rows = _load_training_rows(args)
    all_rows = rows + dev_rows + extra_rows
    prep = training.prepare(all_rows)
    # --cv alone loads the dev rows to score them, but only --include-shared trains on them.
    n_own, n_dev = len(rows), len(dev_rows)
    train_index = list(range(len(all_rows))) if args.include_shared else \
        list(range(n_own)) + list(range(n_own + n_dev, len(all_rows)))
    out_dir = Path(args.output) if args.output else ARTIFACT_DIR

    oofs = [_train_one(part, prep, train_index, args, out_dir) for part in parts]
    if len(parts) == 1 and args.oof_output:
        _write_oof(Path(args.oof_output), prep, oofs[0])
    if len(parts) == 2 and args.cv:
        first, second = oofs
        cascade, scored_by = {}, {}
        for group_by, (index, proba) in first.items():
            assert np.array_equal(index, second[group_by][0])  # same rows, same order: the folds are deterministic
            unsure = refine_mask(proba)
            cascade[group_by] = (index, np.where(unsure[:, None], second[group_by][1], proba))
            # Named as a verdict's `scored_by` is at run time: the artifact's stem.
            scored_by[group_by] = [f"{backend_slug(parts[u])}-{DETECTOR_VERSION}" for u in unsure.astype(int)]
            print(f"  cascade, held out by {group_by}: {unsure.mean():.1%} of answers re-scored by {parts[1]}",
                  file=sys.stderr)
        summary = {
            "name": f"deccp-detector-{DETECTOR_VERSION} cascade", "backend_spec": spec,
            "parts": [f"{backend_slug(part)}-{DETECTOR_VERSION}.npz" for part in parts],
            "refine_band": list(REFINE_BAND),
            "refined_share": {g: round(float(refine_mask(p).mean()), 4) for g, (_, p) in first.items()},
            "cross_validation": _cv_summary(prep, cascade, spec),
        }
        path = out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.json"
        path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps({"cascade_summary": str(path)}))
        if args.oof_output:
            _write_oof(Path(args.oof_output), prep, cascade, scored_by)
    return 0
