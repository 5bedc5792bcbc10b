"""Reading lm_eval output: results_*.json files and the samples_*.jsonl files written beside them.

`deccp paired`, `deccp report` and `deccp score` all read runs through this module, so a run made by lm_eval and
one made by `deccp score` are treated alike."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from lm_eval_deccp.harness import decode_verdicts
from lm_eval_deccp.labels import VERDICT_LABELS
from lm_eval_deccp.textfiles import TextFileError, read_text

_RESULTS_NAME = re.compile(r"^results_(?P<date>.+)\.json$")


class ResultsError(ValueError):
    """A results or samples file that cannot be used; the message names the file and the problem."""


@dataclass
class Run:
    """One lm_eval results file and the sample files written with it."""

    path: Path
    data: dict[str, Any]
    samples: dict[str, Path] = field(default_factory=dict)

    @property
    def model(self) -> str:
        """A short, readable model name: the GGUF file or the last part of the model path/id."""
        args = (self.data.get("config") or {}).get("model_args") or {}
        if isinstance(args, str):
            args = dict(part.split("=", 1) for part in args.split(",") if "=" in part)
        if args.get("gguf_file"):
            return Path(str(args["gguf_file"])).stem
        name = self.data.get("model_name") or args.get("pretrained") or self.path.parent.name
        return str(name).rstrip("/").split("/")[-1] if Path(str(name)).is_absolute() else str(name)

    @property
    def tasks(self) -> dict[str, dict[str, Any]]:
        return self.data.get("results") or {}

    def metric(self, task: str, metric: str) -> tuple[float | None, float | None]:
        """(value, stderr) of a metric under any filter, or (None, None) when the run lacks it."""
        scores = self.tasks.get(task) or {}
        for key, value in scores.items():
            name, _, _filter = key.partition(",")
            if name == metric and isinstance(value, (int, float)) and not isinstance(value, bool):
                stderr = scores.get(f"{metric}_stderr,{_filter}") if _filter else scores.get(f"{metric}_stderr")
                return float(value), float(stderr) if isinstance(stderr, (int, float)) else None
        return None, None

    def metric_by_key(self, task: str, key: str) -> tuple[float | None, float | None]:
        """(value, stderr) of one "metric,filter" key (e.g. "exact_match,strict-match"), or (None, None). For
        tasks with several filters, where `metric` would take whichever filter comes first."""
        scores = self.tasks.get(task) or {}
        value = scores.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None, None
        name, _, filter_name = key.partition(",")
        stderr = scores.get(f"{name}_stderr,{filter_name}")
        return float(value), float(stderr) if isinstance(stderr, (int, float)) else None


def find_results_files(paths: Iterable[str | Path]) -> list[Path]:
    """results_*.json files named directly or found anywhere below the given folders, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("results_*.json") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ResultsError(f"{path}: no such file or folder")
    return list(dict.fromkeys(found))


def load_run(path: Path) -> Run:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path}: not valid JSON ({err.msg} at line {err.lineno}); is the file truncated?") from None
    except TextFileError as err:
        raise ResultsError(str(err)) from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ResultsError(f"{path}: not an lm_eval results file (no 'results' object)")
    run = Run(path=path, data=data)
    match = _RESULTS_NAME.match(path.name)
    if match:
        for task in run.tasks:
            candidate = path.parent / f"samples_{task}_{match['date']}.jsonl"
            if candidate.is_file():
                run.samples[task] = candidate
    return run


def load_runs(paths: Iterable[str | Path], problems: list[str]) -> list[Run]:
    """The runs under `paths`; each file or folder that cannot be read is one line in `problems`."""
    runs = []
    for raw in paths:
        try:
            files = find_results_files([raw])
        except ResultsError as err:
            problems.append(str(err))
            continue
        if not files:
            problems.append(f"{raw}: no results_*.json in it")
        for path in files:
            try:
                runs.append(load_run(path))
            except ResultsError as err:
                problems.append(str(err))
    return runs


def iter_jsonl_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a broken line is an error naming the file and line."""
    try:
        text = read_text(path)
    except TextFileError as err:
        raise ResultsError(str(err)) from None
    # Split on newlines only: str.splitlines() also splits at U+2028/U+2029, which JSON strings hold raw.
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ResultsError(f"{path}:{line_number}: not valid JSON ({err.msg}); is the file truncated?") from None
        if not isinstance(row, dict):
            raise ResultsError(f"{path}:{line_number}: expected a JSON object per line")
        yield line_number, row


def read_samples(path: Path) -> Iterator[dict[str, Any]]:
    """The samples of one task, in file order."""
    for _, sample in iter_jsonl_objects(path):
        yield sample


def sample_verdicts(sample: dict[str, Any]) -> list[dict[str, Any]]:
    """The detector verdicts a deccp task stored in a sample (one per re-roll), or [] for other tasks (whose filtered
    responses are answer letters, numbers or text). A sample that holds verdicts must hold only well-formed ones
    (JSON objects with one of the verdict labels): anything else is a ResultsError (without the file and line,
    which the caller adds), never a verdict read under another label or skipped so that re-rolls shift."""
    filtered = sample.get("filtered_resps")
    if not filtered:
        return []
    try:
        verdicts = decode_verdicts(filtered[0] if isinstance(filtered, list) and len(filtered) == 1 else filtered)
    except (json.JSONDecodeError, TypeError, ValueError):
        return []
    if not any(isinstance(verdict, dict) for verdict in verdicts):
        return []
    for verdict in verdicts:
        label = verdict.get("label") if isinstance(verdict, dict) else None
        if label not in VERDICT_LABELS:
            shown = label if isinstance(verdict, dict) else verdict
            raise ResultsError(f"field 'filtered_resps' holds a deccp verdict with label {shown!r}; expected JSON "
                               f"objects labelled {', '.join(VERDICT_LABELS)}")
    return verdicts
