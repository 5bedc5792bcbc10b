"""Whether a run's task was answered on the benchmark's own questions, all of them.

A leaderboard column is only comparable between models when every model answered the same questions. Three kinds
of run are not: an lm_eval run made with `--limit` (lm_eval records the limit in the results file's `config`), a
`deccp score` run of questions that are not the benchmark's (it records, per task, how many of its questions it
matched to the deccp catalogue: RECORD_KEY), and any run holding only part of a task's questions. `deccp report`
keeps such runs out of the benchmark's columns and marks them in every format.

How a task's questions are told apart, first rule that applies:
1. lm_eval's `--limit` in the results file's config → "--limit N";
2. the record `deccp score` writes: questions it could not match to the benchmark → "not the benchmark's";
3. a `deccp score` run written before that record, with its samples: a benchmark document carries the loader's
   fields (deccp: `split` and `index`; deccp-plus: `pair_id`), a question scored from a user's table does not;
4. the number of questions: fewer (or more) than the benchmark has → "part of the benchmark".
A `deccp score` run older than the record and without its samples is taken as the benchmark's when its counts
match (nothing else can be checked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lm_eval_deccp.registry import TASKS
from lm_eval_deccp.reporting.reading.leaderboard_tasks import benchmark_size

RECORD_KEY = "deccp_questions"  # results file: task -> {"benchmark": n matched to the benchmark, "other": n not}
SCORE_MODEL_SOURCE = "deccp-score"


@dataclass(frozen=True)
class Questions:
    """What a task of a run was answered on. `mark` is None for the benchmark's full question set, else a short
    label shown beside the model ("--limit 20", "not the benchmark's", "part of the benchmark"); `detail` says
    why, for notes and the JSON output."""

    mark: str | None
    detail: str

    @property
    def is_benchmark(self) -> bool:
        return self.mark is None


BENCHMARK = Questions(None, "the benchmark's full question set")
LIMIT, OTHER, PART = "--limit", "not the benchmark's", "part of the benchmark"


def task_questions(data: dict[str, Any], task: str, count: int | None,
                   samples: list[dict[str, Any]] | None = None) -> Questions:
    """The Questions of one task of a results file (`data`), answered on `count` questions; `samples`, when read,
    let an older `deccp score` run be checked question by question."""
    size = benchmark_size(task)
    limit = _mapping(data.get("config")).get("limit")
    if limit is not None:
        return Questions(f"{LIMIT} {limit:g}" if isinstance(limit, (int, float)) else f"{LIMIT} {limit}",
                         f"lm_eval was run with --limit {limit}")
    record = _mapping(data.get(RECORD_KEY)).get(task)
    if isinstance(record, dict) and isinstance(record.get("other"), int):
        other = record["other"]
        if other:
            return Questions(OTHER, f"deccp score matched {record.get('benchmark', 0)} of its {count} questions to "
                                    f"the benchmark; {other} are not the benchmark's")
    elif samples and data.get("model_source") == SCORE_MODEL_SOURCE:
        other = sum(1 for sample in samples if not benchmark_document(task, sample.get("doc")))
        if other:
            return Questions(OTHER, f"{other} of its {len(samples)} questions are not the benchmark's (their "
                                    f"documents lack the benchmark loader's fields)")
    if size is not None and count is not None and count != size:
        return Questions(PART, f"{count} of the benchmark's {size} questions")
    return BENCHMARK


def _mapping(value: Any) -> dict[str, Any]:
    """A results file's object, or {} where a damaged file has something else."""
    return value if isinstance(value, dict) else {}


def benchmark_document(task: str, doc: Any) -> bool:
    """Whether a task document came from the benchmark's loader (data.py), not from a user's table: the deccp-plus
    loader gives each question its `pair_id`, the deccp one its `split` and `index` (a task the registry does not
    know may have either)."""
    if not isinstance(doc, dict):
        return False
    source = TASKS[task].source if task in TASKS else None
    from_plus = bool(doc.get("pair_id"))
    from_deccp = "split" in doc and "index" in doc
    return from_plus if source == "deccp_plus" else from_deccp if source == "deccp" else from_plus or from_deccp
