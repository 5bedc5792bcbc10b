"""What `deccp score` reads: its input files grouped into one run per model, the deccp catalogue their questions
are matched against, and the lines it prints per scored task."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from lm_eval_deccp.data import DeccpDataUnavailable
from lm_eval_deccp.reporting.generations import (Columns, InvalidResponse, StoredGeneration, read_generations,
                                                 samples_task_name)
from lm_eval_deccp.reporting.runs import ResultsError, load_run
from lm_eval_deccp.rescoring.scoring import DeccpMatch, ScoredTask, deccp_catalogue

# model name -> (its input files, their generations): one scored run per model.
Runs = dict[str, tuple[list[Path], list[StoredGeneration]]]


def default_model_name(path: Path) -> str:
    """The model of one input: for lm_eval samples, the run's results file beside them; else the file's name."""
    if samples_task_name(path):
        for results_path in sorted(path.parent.glob("results_*.json")):
            try:
                return load_run(results_path).model
            except ResultsError:
                continue
        return path.parent.name
    return path.stem


def read_runs(names: Sequence[str], columns: Columns, skip_invalid: bool, model: str | None,
              warn: Callable[[str], None]) -> tuple[Runs, int]:
    """The generations of every input, grouped by model (`model`, else each input's default name), and how many
    inputs were skipped (unreadable or empty; `warn` says why). A row without a text response raises
    generations.InvalidResponse unless `skip_invalid`, which leaves it out and warns."""
    runs: Runs = {}
    failed = 0
    for name in names:
        path = Path(name)
        skipped: list[str] | None = [] if skip_invalid else None
        try:
            found = read_generations(path, columns, skipped)
        except InvalidResponse:
            raise  # a bad row stops the command (the caller says how to go on), unlike an unreadable file
        except ResultsError as err:
            warn(f"skipping {err}")
            failed += 1
            continue
        if skipped:
            warn(f"{path}: skipped {len(skipped)} row(s) without a text response: "
                 + "; ".join(skipped[:10]) + (" …" if len(skipped) > 10 else ""))
        if not found:
            warn(f"skipping {path}: no generations in it")
            failed += 1
            continue
        paths, generations = runs.setdefault(model or default_model_name(path), ([], []))
        paths.append(path)
        generations.extend(found)
    return runs, failed


def catalogue_if_needed(runs: Runs, warn: Callable[[str], None]) -> dict[str, DeccpMatch] | None:
    """The deccp catalogue when some generation has no task of its own (a table row); None when none needs it or
    the dataset cannot be loaded (`warn` says what that costs)."""
    if not any(gen.task is None for _, generations in runs.values() for gen in generations):
        return None
    try:
        return deccp_catalogue()
    except DeccpDataUnavailable as err:
        warn(f"warning: the deccp dataset could not be loaded ({err.reason}), so questions are not matched to the "
             f"deccp tasks' doc ids and these runs will not line up with lm_eval runs question by question; set "
             f"DECCP_DATA_DIR to a local copy of augmxnt/deccp (hub layout) to match them")
        return None


def summary_lines(model: str, scored: dict[str, ScoredTask]) -> list[str]:
    """What `deccp score` prints per task: its rates, and the judge's record when a judge took part."""
    lines = []
    for task, item in scored.items():
        rates: dict[str, Any] = item.aggregated
        lines.append(f"{model} {task}: {len(item.samples)} questions, refusal {rates['refusal_rate,deccp']:.1%}, "
                     f"deflection {rates['deflection_rate,deccp']:.1%}, "
                     f"censorship {rates['censorship_rate,deccp']:.1%}")
        record = rates.get("judge,deccp")
        if record:
            lines.append(f"{model} {task}: {record['judge']} ({record['prompt_version']}, mode {record['mode']}) "
                         f"judged {record['judged']} of {record['answers']} answers, {record['failed']} failed, "
                         f"{record['cached']} from the cache, {record['changed']} changed")
    return lines
