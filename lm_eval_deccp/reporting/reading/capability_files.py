"""Reading capability scores that come from outside lm_eval, for `deccp report --capabilities FILE`.

Four layouts, told apart by extension and shape (docs/report.md, "Capability scores from other sources"):
- a CSV or TSV table: a `model` column, then columns named as in MixEval (MATH, BBH, …, SIQA) and optionally
  `Overall` (an overall score the source publishes);
- the same as JSON: a list of objects, or {"source": …, "scores": [objects]} where "source" cites where the
  numbers were published;
- MixEval's own output (github.com/Psycoy/MixEval, mix_eval/compute_metrics.py): the score.json it writes for one
  model at <output_dir>/<model>/<mixeval|mixeval_hard>/<version>/score.json, a flat object of benchmark → score
  with the overall score under "overall score (final score)" (to early September 2024) or "overall" (since), and
  the score.json at <output_dir>/ that holds every model's object under its name.

Scores are fractions in [0, 1], as MixEval and lm_eval write them. Reading is forgiving and loud: every unusable
value, row or file becomes one problem line naming the file, the row and the column, and everything else is read.
This module only reads; which value a table cell gets (aliases, conflicts between sources) is decided in
table/capability_scores.py."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS, PUBLISHED_OVERALL
from lm_eval_deccp.textfiles import TextFileError, read_text

_OVERALL_NAMES = {"overall", "overall score (final score)", "overall (published)"}
# MixEval benchmarks the table has no column for (the 2024-06-01 and 2024-08-11 releases): read past with a note.
_MIXEVAL_WITHOUT_COLUMN = {"winogrande": "WinoGrande", "mmlu-pro": "MMLU-Pro"}
# Per-benchmark item counts some MixEval versions keep beside the scores: not a score.
_MIXEVAL_METADATA = {"number_samples"}
_COLUMNS_BY_NAME = {column.header.casefold(): column.key for column in CAPABILITY_COLUMNS}
_MIXEVAL_BENCHMARKS = {"mixeval": "MixEval", "mixeval_hard": "MixEval-Hard"}
_MAX_DECIMALS = 2  # on the ×100 scale: 0.4345 shows as 43.45; longer computed fractions are rounded to this


@dataclass(frozen=True)
class Score:
    """One value of a capability file: a fraction, and the decimals to show it with on the ×100 scale (as many as
    the source published, at least one)."""

    value: float
    decimals: int


@dataclass
class CapabilityRow:
    model: str
    row: int  # CSV: line of the file (the header is row 1); JSON: entry of the list or object (the first is row 1)
    scores: dict[str, Score]  # column key (or PUBLISHED_OVERALL) → score


@dataclass
class CapabilitySource:
    path: Path
    kind: str  # "CSV table", "JSON table", "MixEval-Hard 2024-06-01 score.json", …
    citation: str | None
    rows: list[CapabilityRow] = field(default_factory=list)

    def where(self, row: CapabilityRow) -> str:
        return f"{self.path}: row {row.row} (model {row.model!r})"


@dataclass(frozen=True)
class SourcedRow:
    """A capability file's row, assigned to a report model."""

    source: CapabilitySource
    row: CapabilityRow

    @property
    def where(self) -> str:
        return f"{self.source.path} row {self.row.row} (model {self.row.model!r})"


class CapabilityFileError(ValueError):
    """A capability file that cannot be read at all; the message names the file and the problem."""


def read_capability_file(path: str | Path, problems: list[str], notes: list[str]) -> CapabilitySource | None:
    """The usable rows of one file; each unusable value, row or column is appended to `problems`. None when nothing
    of the file can be used."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".csv", ".tsv"):
            return _read_table(path, problems, notes)
        if path.suffix.lower() == ".json":
            return _read_json(path, problems, notes)
        raise CapabilityFileError(f"{path}: not a capability file this command reads (.csv, .tsv or .json)")
    except CapabilityFileError as err:
        problems.append(f"{err}; nothing of it can be used")
        return None


# ---- values and column names ----

def _column_key(name: str) -> str | None:
    """The column a file's column name is (matched without regard to case), PUBLISHED_OVERALL, or None."""
    folded = name.strip().casefold()
    if folded in _OVERALL_NAMES:
        return PUBLISHED_OVERALL
    return _COLUMNS_BY_NAME.get(folded)


def _parse_score(raw: Any) -> Score | None | str:
    """A Score; None for an empty value (no score, not an error); or the reason the value is unusable."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        return f"{json.dumps(raw, default=str)} is not a number"
    text = str(raw).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"{text!r} is not a number"
    if not number.is_finite():
        return f"{text!r} is not a finite number"
    if not 0 <= number <= 1:
        hint = f" (scores are fractions, as MixEval writes them: {number}% is {number / 100})" if 1 < number <= 100 \
            else ""
        return f"{text} is outside [0, 1]{hint}"
    exponent = number.as_tuple().exponent
    published = -exponent if isinstance(exponent, int) else 0
    return Score(float(number), min(_MAX_DECIMALS, max(1, published - 2)))


class _RowReader:
    """Turns one file's rows into CapabilityRows, with one problem line per unusable value and per unknown column
    (an unknown column is named once, at the first row that has it)."""

    def __init__(self, source: CapabilitySource, problems: list[str], notes: list[str]):
        self.source, self.problems, self.notes = source, problems, notes
        self._reported_columns: set[str] = set()
        self._seen_models: dict[str, int] = {}

    def add(self, model: Any, row: int, values: dict[str, Any]) -> None:
        path = self.source.path
        if not isinstance(model, str) or not model.strip():
            self.problems.append(f"{path}: row {row}, column 'model': "
                                 f"{'empty' if model in (None, '') else json.dumps(model, default=str)} is not a model name; "
                                 f"row skipped")
            return
        model = model.strip()
        if model in self._seen_models:
            self.problems.append(f"{path}: row {row} (model {model!r}), column 'model': the model is also in row "
                                 f"{self._seen_models[model]}; this row is skipped (the first is used)")
            return
        self._seen_models[model] = row
        scores: dict[str, Score] = {}
        names: dict[str, str] = {}
        for name, raw in values.items():
            key = self.column(name, row, model)
            if key is None:
                continue
            if key in names:
                if name not in self._reported_columns:
                    self._reported_columns.add(name)
                    self.problems.append(f"{path}: row {row} (model {model!r}), column {name!r}: the same column as "
                                         f"{names[key]!r}; its values are skipped")
                continue
            names[key] = name
            parsed = _parse_score(raw)
            if isinstance(parsed, str):
                self.problems.append(f"{path}: row {row} (model {model!r}), column {name!r}: {parsed}; skipped")
            elif parsed is not None:
                scores[key] = parsed
        self.source.rows.append(CapabilityRow(model, row, scores))

    def column(self, name: str, row: int, model: str | None = None) -> str | None:
        key = _column_key(name)
        if key is not None or name in _MIXEVAL_METADATA or name in self._reported_columns:
            return key
        self._reported_columns.add(name)
        where = f"{self.source.path}: row {row}" + (f" (model {model!r})" if model else " (header)")
        if name.casefold() in _MIXEVAL_WITHOUT_COLUMN:
            self.notes.append(f"{where}, column {name!r}: a MixEval benchmark the table has no column for; ignored")
        else:
            known = ", ".join(column.header for column in CAPABILITY_COLUMNS)
            self.problems.append(f"{where}, column {name!r}: not a capability column (the columns, named as in "
                                 f"MixEval: {known}, and Overall for a published overall score); its values are "
                                 f"skipped")
        return None


# ---- CSV and TSV ----

def _read_table(path: Path, problems: list[str], notes: list[str]) -> CapabilitySource:
    text = _read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    rows = [(number, fields) for number, fields in enumerate(csv.reader(text.splitlines(), delimiter=delimiter),
                                                            start=1) if any(f.strip() for f in fields)]
    if not rows:
        raise CapabilityFileError(f"{path}: empty")
    header_row, header = rows[0]
    names = [name.strip() for name in header]
    if "model" not in [name.casefold() for name in names]:
        raise CapabilityFileError(f"{path}: row {header_row} (header): no 'model' column")
    model_index = [name.casefold() for name in names].index("model")
    source = CapabilitySource(path, f"{'TSV' if delimiter == chr(9) else 'CSV'} table", None)
    reader = _RowReader(source, problems, notes)
    used: list[int] = []  # the value columns read: known, and not a repeat of an earlier one
    first: dict[str, str] = {}
    for index, name in enumerate(names):
        key = reader.column(name, header_row) if index != model_index else None
        if key is None:
            continue
        if key in first:
            problems.append(f"{path}: row {header_row} (header), column {name!r}: the same column as "
                            f"{first[key]!r}; its values are skipped")
            continue
        first[key] = name
        used.append(index)
    for number, fields in rows[1:]:
        if len(fields) > len(names):
            problems.append(f"{path}: row {number}: {len(fields)} fields, the header has {len(names)}; row skipped")
            continue
        values = {names[i]: fields[i] if i < len(fields) else "" for i in used}
        reader.add(fields[model_index] if model_index < len(fields) else "", number, values)
    return source


# ---- JSON: a table, or MixEval's score.json ----

def _read_json(path: Path, problems: list[str], notes: list[str]) -> CapabilitySource:
    try:
        # Decimal keeps the digits as published (0.4345 stays 0.4345, 0.40 keeps its two decimals).
        data = json.loads(_read_text(path), parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as err:
        raise CapabilityFileError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
    if isinstance(data, list):
        return _json_table(path, data, None, problems, notes)
    if isinstance(data, dict) and ("scores" in data or "source" in data):
        if not isinstance(data.get("scores"), list):
            raise CapabilityFileError(f"{path}: 'scores' must be a list of objects, one per model")
        return _json_table(path, data["scores"], _citation(data.get("source")), problems, notes)
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        return _mixeval_all_models(path, data, problems, notes)
    if isinstance(data, dict) and any(_column_key(k) == PUBLISHED_OVERALL for k in data):
        return _mixeval_one_model(path, data, problems, notes)
    raise CapabilityFileError(f"{path}: neither a capability table (a list of objects with 'model', or "
                              f"{{\"scores\": [...]}}) nor a MixEval score.json")


def _json_table(path: Path, entries: list, citation: str | None, problems: list[str], notes: list[str]
                ) -> CapabilitySource:
    source = CapabilitySource(path, "JSON table", citation)
    reader = _RowReader(source, problems, notes)
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{path}: row {number}: not an object with 'model' and scores; row skipped")
            continue
        model = entry.get("model")
        reader.add(model, number, {k: v for k, v in entry.items() if k != "model"})
    return source


def _mixeval_all_models(path: Path, data: dict, problems: list[str], notes: list[str]) -> CapabilitySource:
    source = CapabilitySource(path, "MixEval score.json", None)
    reader = _RowReader(source, problems, notes)
    for number, (model, scores) in enumerate(data.items(), start=1):
        reader.add(model, number, scores)
    return source


def _mixeval_one_model(path: Path, data: dict, problems: list[str], notes: list[str]) -> CapabilitySource:
    # MixEval names neither the model nor the benchmark inside this file; its path does.
    version, benchmark = path.parent, path.parent.parent
    if benchmark.name not in _MIXEVAL_BENCHMARKS:
        raise CapabilityFileError(f"{path}: a MixEval score for one model, but its path does not say which model "
                                  f"(MixEval writes it to <output_dir>/<model>/<mixeval|mixeval_hard>/<version>/"
                                  f"score.json)")
    source = CapabilitySource(path, f"{_MIXEVAL_BENCHMARKS[benchmark.name]} {version.name} score.json", None)
    _RowReader(source, problems, notes).add(benchmark.parent.name, 1, data)
    return source


def _citation(raw: Any) -> str | None:
    """A source given as text, or as an object: "title", author, publisher, year, url, then anything else."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        return str(raw)
    parts = []
    if raw.get("title"):
        parts.append(f"\"{raw['title']}\"")
    parts.extend(str(raw[key]) for key in ("author", "publisher", "year", "url") if raw.get(key) not in (None, ""))
    parts.extend(f"{key}: {value}" for key, value in raw.items()
                 if key not in {"title", "author", "publisher", "year", "url"} and value not in (None, ""))
    return ", ".join(parts) or None


def _read_text(path: Path) -> str:
    try:
        return read_text(path)
    except TextFileError as err:
        raise CapabilityFileError(str(err)) from None
