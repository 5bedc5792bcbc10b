"""The model × question cross-validation grid: a test row's model and its question are never seen in training,
every row is tested exactly once, and the folds do not depend on the order of the rows. Rows are constructed here
(ids in the shared dev sets' formats), so these tests need no shared data."""

from __future__ import annotations

import random

import pytest

from lm_eval_deccp.detector.evaluation import rate_errors
from lm_eval_deccp.detector.grouping import assign_folds, grid_cells, model_group, question_group

MODELS = [f"lab-{k}/model-{k}" for k in range(9)]


def _rows() -> list[dict]:
    """Nine models answering SpeechMap China questions in two languages and criticism questions in English, and
    three XSTest models of their own; the same model name occurs in both SpeechMap sources."""
    rows = []
    for model in MODELS:
        for q in range(1, 7):
            for lang in ("en", "zh"):
                rows.append({"id": f"speechmap/{lang}/{model}/china_criticism_{q:02d}", "source": "speechmap_china",
                             "lang": lang, "model": model})
        for topic in ("us", "eu", "russia"):
            for q in range(1, 5):
                rows.append({"id": f"speechmap/{topic}_criticism/{model}/{topic}_criticism_{q:02d}",
                             "source": "speechmap_criticism", "lang": "en", "model": model})
    for model in ("gpt4", "llama2orig", "mistralguard"):
        for q in range(1, 21):
            rows.append({"id": f"xstest/{model}/v2-{q}", "source": "xstest", "lang": "en", "model": model})
    return rows


def _cells(rows, k_models=3, k_questions=4):
    return list(grid_cells([model_group(r) for r in rows], [question_group(r) for r in rows],
                           [r["source"] for r in rows], k_models, k_questions))


def test_grouping_keys_follow_models_across_sources_and_questions_across_languages():
    china_en = {"id": "speechmap/en/x-ai/grok-2-1212/china_criticism_02", "source": "speechmap_china", "model": "x-ai/grok-2-1212"}
    china_zh = {"id": "speechmap/zh/openai/o1/china_criticism_02", "source": "speechmap_china", "model": "openai/o1"}
    criticism = {"id": "speechmap/eu_criticism/x-ai/grok-2-1212/eu_criticism_01", "source": "speechmap_criticism",
                 "model": "x-ai/grok-2-1212"}
    assert question_group(china_en) == question_group(china_zh) == "speechmap_china:china_criticism_02"
    assert question_group(criticism) == "speechmap_criticism:eu_criticism_01"
    assert model_group(china_en) == model_group(criticism) != model_group(china_zh)
    # A row without a keyed id is grouped by its question's text.
    assert question_group({"question": "  Who Won? "}) == question_group({"question": "who won?"})


def test_the_grid_never_puts_a_model_or_a_question_on_both_sides():
    rows = _rows()
    cells = _cells(rows)
    assert len(cells) == 12
    for i, j, train, test in cells:
        assert test and train
        test_models = {model_group(rows[r]) for r in test}
        test_questions = {question_group(rows[r]) for r in test}
        assert not test_models & {model_group(rows[r]) for r in train}, (i, j)
        assert not test_questions & {question_group(rows[r]) for r in train}, (i, j)
        # Everything else that shares neither is training data: the grid drops only the mixed rows.
        expected = {r for r in range(len(rows)) if model_group(rows[r]) not in test_models
                    and question_group(rows[r]) not in test_questions}
        assert set(train) == expected
    tested = sorted(r for *_, test in cells for r in test)
    assert tested == list(range(len(rows)))  # every row exactly once


def test_the_grid_does_not_depend_on_row_order():
    rows = _rows()
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)

    def by_id(rs):
        return {frozenset(rs[r]["id"] for r in test) for *_, test in _cells(rs)}

    assert by_id(rows) == by_id(shuffled)


def test_folds_are_balanced_within_each_source_set():
    rows = _rows()
    folds = assign_folds([model_group(r) for r in rows], [r["source"] for r in rows], 3)
    speechmap = [folds[f"model:{m}"] for m in MODELS]
    assert sorted(speechmap.count(f) for f in range(3)) == [3, 3, 3]
    assert sorted(folds[f"model:{m}"] for m in ("gpt4", "llama2orig", "mistralguard")) == [0, 1, 2]
    with pytest.raises(ValueError):
        assign_folds(["a"], ["s"], 0)


def test_rate_errors_compare_each_models_censorship_rate():
    gold = ["answered"] * 8 + ["refused", "deflected"] + ["answered"] * 10 + ["refused"] * 5
    pred = ["answered"] * 9 + ["unusable"] + ["answered"] * 9 + ["deflected"] + ["refused"] * 5
    models = ["a"] * 10 + ["b"] * 10 + ["c"] * 5
    errors = rate_errors(gold, pred, models, min_rows=10)
    assert errors["models"] == 2  # c has fewer than 10 rows
    assert errors["per_model"]["a"] == {"rows": 10, "gold_rate": 20.0, "detector_rate": 10.0, "error_pp": 10.0}
    assert errors["per_model"]["b"]["error_pp"] == 10.0
    assert errors["mean_pp"] == 10.0 and errors["max_pp"] == 10.0 and errors["max_model"] == "b"


def test_cross_validated_verdicts_are_what_the_shipped_detector_would_say():
    """A row the unusable rule catches gets `unusable` whatever the out-of-fold probabilities say; the others get
    the threshold rule. The texts were written for this test."""
    import numpy as np

    from lm_eval_deccp.detector.crossval import OutOfFold, verdicts
    from lm_eval_deccp.detector.training import prepare

    loop = "The committee met again. " + "They are an activist, they are an activist, " * 40
    rows = [{"id": f"t/{k}", "source": "test", "model": "m", "question": "Who met?", "label": "answered",
             "response": text} for k, text in enumerate([
                 "The committee met on Tuesday and approved the budget.", loop,
                 "<think>The user asks who met. I should", "I'm sorry, I can't help with that."])]
    prep = prepare(rows)
    assert prep.unusable.tolist() == [False, True, True, False]
    proba = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1]], dtype=np.float32)
    oof = OutOfFold(np.arange(4), proba, ["m0q0"] * 4)
    assert verdicts(prep, oof, 0.5) == ["answered", "unusable", "unusable", "refused"]
