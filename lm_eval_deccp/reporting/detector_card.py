"""Which detector gave the verdicts of a report, and how far to trust it: the detector's version and its published
held-out figures (cross-validation), read when the page is rendered from the metadata JSON written beside
each artifact (lm_eval_deccp/detector/artifacts/*.json, or $DECCP_DETECTOR_DIR first, as the detector looks them
up). Nothing here is hard-coded: a retrained detector brings its own figures."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lm_eval_deccp.detector.embeddings import DEFAULT_BACKEND, backend_slug
from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION
from lm_eval_deccp.reporting.answers import UNUSABLE_RULE

JUDGE_PREFIX = "judge:"
# Column names for the metrics the training command writes; an unknown metric keeps its own name.
METRIC_NAMES = {"rows": "rows", "censored_f1": "censored F1", "macro_f1": "3-class macro F1",
                "baseline_censored_f1": "phrase baseline, censored F1",
                "rate_error_mean_pp": "per-model rate error, mean (pp)",
                "rate_error_max_pp": "per-model rate error, max (pp)"}


@dataclass
class ScoredBy:
    """One `scored_by` value of the page's verdicts: an artifact's stem, `judge:<model>`, or "" (not recorded)."""

    name: str
    answers: int
    metadata_file: str | None = None  # the artifact's metadata, when this installation has it
    created: str | None = None


@dataclass
class DetectorCard:
    version: str
    default_backend: str
    name: str | None  # the default detector's name from its metadata; None when the metadata was not found
    metadata_file: str | None
    figures_columns: list[str] = field(default_factory=list)
    figures: list[tuple[list[str], list[Any]]] = field(default_factory=list)  # (row label parts, values)
    details: list[tuple[str, str]] = field(default_factory=list)  # further facts from the metadata
    scored_by: list[ScoredBy] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)  # detectors the runs' results files name
    other_detectors: list[str] = field(default_factory=list)  # scored_by artifacts that are not the default's parts


def artifact_dirs() -> list[Path]:
    dirs = [Path(os.environ["DECCP_DETECTOR_DIR"])] if os.environ.get("DECCP_DETECTOR_DIR") else []
    return [*dirs, ARTIFACT_DIR]


def read_metadata(stem: str) -> tuple[dict[str, Any] | None, Path | None]:
    """The metadata JSON of artifact `stem` ("keywords-v3", "keywords_usem3-v3"), or (None, None)."""
    for folder in artifact_dirs():
        path = folder / f"{stem}.json"
        if path.is_file():
            # The first file found is the one the detector's artifact sits beside (shipped_artifacts looks in the same
            # order): a broken one means no figures, never the packaged detector's figures for another detector.
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                return None, None
            return (data, path) if isinstance(data, dict) else (None, None)
    return None, None


def figure_table(cross_validation: Any) -> tuple[list[str], list[tuple[list[str], list[Any]]]]:
    """Flatten the nested cross_validation summary (dataset → protocol → language → metrics, or any other nesting)
    into rows: the path to each dict's numbers is the row's label, its numbers the columns. A `rate_error` dict adds
    its mean and max to its parent's row; per-model details and the summary's top-level counts are left out (the
    page is a summary; the metadata file has them)."""
    rows: list[tuple[list[str], dict[str, Any]]] = []

    def numeric(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def walk(node: Any, path: list[str]) -> None:
        if not isinstance(node, dict):
            return
        numbers = {key: value for key, value in node.items() if numeric(value)}
        rate_error = node.get("rate_error")
        if isinstance(rate_error, dict):
            numbers.update({f"rate_error_{key}": rate_error[key] for key in ("mean_pp", "max_pp")
                            if numeric(rate_error.get(key))})
        if numbers and path:
            rows.append((path, numbers))
        for key, value in node.items():
            if key not in ("rate_error", "per_model"):
                walk(value, [*path, str(key).replace("_", " ")])

    walk(cross_validation, [])
    keys = list(dict.fromkeys(key for _, metrics in rows for key in metrics))
    return ([METRIC_NAMES.get(key, key.replace("_", " ")) for key in keys],
            [(path, [metrics.get(key) for key in keys]) for path, metrics in rows])


def detector_card(scored_by: Counter, recorded: list[str]) -> DetectorCard:
    default_stem = f"{backend_slug(DEFAULT_BACKEND)}-{DETECTOR_VERSION}"
    metadata, path = read_metadata(default_stem)
    card = DetectorCard(DETECTOR_VERSION, DEFAULT_BACKEND, (metadata or {}).get("name"),
                        path.name if path else None, recorded=recorded)
    if metadata:
        card.figures_columns, card.figures = figure_table(metadata.get("cross_validation"))
        card.details = _details(metadata)
    parts = {Path(str(part)).stem for part in (metadata or {}).get("parts") or []} or {default_stem}
    for name, count in sorted(scored_by.items(), key=lambda item: (-item[1], item[0])):
        entry = ScoredBy(name, count)
        if name and name != UNUSABLE_RULE and not name.startswith(JUDGE_PREFIX):
            part_metadata, part_path = read_metadata(name)
            if part_path is not None:
                entry.metadata_file = part_path.name
                entry.created = (part_metadata or {}).get("created")
            if name not in parts:
                card.other_detectors.append(name)
        card.scored_by.append(entry)
    return card


def _details(metadata: dict[str, Any]) -> list[tuple[str, str]]:
    details = []
    if metadata.get("backend_spec"):
        details.append(("backend", str(metadata["backend_spec"])))
    if metadata.get("parts"):
        details.append(("artifacts", ", ".join(str(part) for part in metadata["parts"])))
    band = metadata.get("refine_band")
    if isinstance(band, list) and len(band) == 2:
        details.append(("re-scored by the second model", f"answers with {band[0]} ≤ p(censored) ≤ {band[1]}"))
    if metadata.get("created"):
        details.append(("created", str(metadata["created"])))
    trained = metadata.get("trained_on")
    if isinstance(trained, list) and trained:
        details.append(("trained on", ", ".join(f"{item.get('source')} ({item.get('rows')} rows)" for item in trained
                                                if isinstance(item, dict))))
    return details
