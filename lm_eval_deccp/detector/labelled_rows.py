"""Labelled rows for training and evaluating the detector: the project's exemplar bank and the shared dev sets.

A labelled row is a dict with at least `response` and `label` (one of LABELS); `question`, `lang`, `model`, `source`
and `id` are used when present (grouped cross-validation needs `model` and `question`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from lm_eval_deccp.labels import TRAINED_LABELS

# The labels a labelled row may carry and the classifier predicts (the detector adds `unusable` without a model).
LABELS: tuple[str, ...] = TRAINED_LABELS


def _repository_root() -> Path:
    """The source checkout this module runs from; once pip-installed, the working directory (the training and
    evaluation commands are run from a clone, where training/ and ../shared are)."""
    source = Path(__file__).resolve().parents[2]
    return source if (source / "training").is_dir() else Path.cwd()


REPO_ROOT = _repository_root()
EXEMPLAR_DIR = REPO_ROOT / "training" / "exemplars"
SHARED_DEV_FILES = ("xstest_dev.jsonl", "speechmap_china_dev.jsonl", "speechmap_criticism_dev.jsonl")


def shared_dir() -> Path:
    """The shared data folder: $DECCP_SHARED_DIR, else <repo>/../shared."""
    return Path(os.environ.get("DECCP_SHARED_DIR") or REPO_ROOT.parent / "shared")


def shared_dev_paths() -> list[Path]:
    """The shared refusal dev sets that exist on this machine (empty list when shared/ is absent)."""
    base = shared_dir() / "data" / "refusal-dev"
    return [base / name for name in SHARED_DEV_FILES if (base / name).is_file()]


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) for each non-blank line; "-" reads stdin. The file is decoded by
    textfiles.read_text (UTF-8, a BOM, UTF-16); undecodable bytes raise textfiles.TextFileError and bad JSON raises
    ValueError, each naming the file and line."""
    from lm_eval_deccp.textfiles import read_text

    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{number}: not valid JSON ({err.msg})") from None


def load_labelled(paths: Iterable[str | Path], source: str | None = None) -> list[dict]:
    """Rows of the given JSONL files whose `label` is one of LABELS (others are skipped), each tagged with `source`
    (default: the file's stem) when it has none."""
    rows = []
    for path in paths:
        for _, row in iter_jsonl(path):
            if isinstance(row, dict) and row.get("label") in LABELS:
                row.setdefault("source", source or Path(path).stem)
                rows.append(row)
    return rows


def load_exemplars(directory: str | Path = EXEMPLAR_DIR) -> list[dict]:
    """The project's own bilingual exemplar bank (training/exemplars/*.jsonl), tagged source="exemplars" and
    model="exemplars" so grouped cross-validation treats it as one more group."""
    rows = load_labelled(sorted(Path(directory).glob("*.jsonl")), source="exemplars")
    for row in rows:
        row.setdefault("model", "exemplars")
    return rows
