"""Who answered and what was asked: the grouping keys of cross-validation, and deterministic fold assignment.

Two rows share a *model* when the same model wrote them, whatever the data set: the 19 SpeechMap models answer
both speechmap_china and speechmap_criticism, so keying by source and model would let a model's style leak across
folds. Two rows share a *question* when they answer the same question in either language: SpeechMap's English and
Chinese versions of a question end in the same id key ("…/china_criticism_02"), and its criticism ids end in their
own ("…/eu_criticism_01"); XSTest ids end in the prompt id ("…/v2-1"). Rows without such an id are keyed by their
question text.

`assign_folds` deals groups to k folds without randomness: within each stratum (the set of sources a group occurs
in), largest groups first, each to the fold holding the fewest groups of that stratum, then the fewest rows. Ties
are broken by a hash of the key, not by name, so neighbours in the alphabet (one family's models) do not land in
order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterable, Sequence

from lm_eval_deccp.text import as_text

# Sources whose ids end in a question key shared across models (and, for SpeechMap China, across languages).
KEYED_SOURCES = ("speechmap_china", "speechmap_criticism", "xstest")


def question_group(row: dict) -> str:
    """All answers to one question, in either language (see the module doc)."""
    rid = str(row.get("id") or "")
    if row.get("source") in KEYED_SOURCES and "/" in rid:
        return f"{row.get('source')}:{rid.rsplit('/', 1)[-1]}"
    return f"q:{as_text(row.get('question')).strip().lower()}"


def model_group(row: dict) -> str:
    """All answers of one model, in every source: the model's name."""
    return f"model:{row.get('model')}"


def _tiebreak(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def assign_folds(keys: Sequence[str], sources: Sequence[str], k: int) -> dict[str, int]:
    """{group key: fold in 0..k-1} for the groups of `keys` (one key and source per row), balanced within each
    stratum of sources and then by rows. Deterministic: the same rows give the same folds, in any order."""
    if k < 1:
        raise ValueError(f"need at least one fold, got {k}")
    size: dict[str, int] = defaultdict(int)
    where: dict[str, set] = defaultdict(set)
    for key, source in zip(keys, sources):
        size[key] += 1
        where[key].add(str(source))
    strata: dict[tuple, list[str]] = defaultdict(list)
    for key in size:
        strata[tuple(sorted(where[key]))].append(key)
    fold_rows = [0] * k
    folds: dict[str, int] = {}
    for stratum in sorted(strata):
        in_stratum = [0] * k
        for key in sorted(strata[stratum], key=lambda g: (-size[g], _tiebreak(g))):
            fold = min(range(k), key=lambda f: (in_stratum[f], fold_rows[f], f))
            folds[key] = fold
            in_stratum[fold] += 1
            fold_rows[fold] += size[key]
    return folds


def grid_cells(model_keys: Sequence[str], question_keys: Sequence[str], sources: Sequence[str],
               k_models: int, k_questions: int) -> Iterable[tuple[int, int, list[int], list[int]]]:
    """The model × question grid over rows 0..n-1: for each cell (i, j), (i, j, training rows, test rows).

    Test rows: model in model fold i and question in question fold j. Training rows: model not in fold i and
    question not in fold j. Rows that share only one of the two with the test rows are in neither, so a test row's
    model and its question are both unseen. Every row is a test row of exactly one cell."""
    model_fold = assign_folds(model_keys, sources, k_models)
    question_fold = assign_folds(question_keys, sources, k_questions)
    m = [model_fold[key] for key in model_keys]
    q = [question_fold[key] for key in question_keys]
    for i in range(k_models):
        for j in range(k_questions):
            test = [r for r in range(len(m)) if m[r] == i and q[r] == j]
            if not test:
                continue
            train = [r for r in range(len(m)) if m[r] != i and q[r] != j]
            yield i, j, train, test
