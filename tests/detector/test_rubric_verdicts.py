"""The rubric read into the verdict (detector/rubric_features.py): benchmark questions get the rubric's reading and
its shift; every other question keeps exactly the text-only verdict."""

from __future__ import annotations

import json

import pytest

from conftest import REPO, shared_path
from lm_eval_deccp import data
from lm_eval_deccp.data import rubrics
from lm_eval_deccp.detector import get_detector
from lm_eval_deccp.detector.rubric_features import TEXT_ONLY, RubricReading, adjust, read_rubric, shift, weights_for


@pytest.fixture(scope="module")
def detector():
    return get_detector()


def _record_with_claims():
    for record in data.suite_records():
        if record.get("narrative_claims"):
            return record
    pytest.skip("no deccp-plus record has narrative claims yet")


def test_dev_answers_without_a_rubric_keep_exactly_the_text_only_verdicts(detector):
    """The generic path is untouched: on real models' dev answers (none of whose questions is a benchmark
    question) the verdicts with rubrics on equal the text-only ones field for field, with no `rubric` field."""
    folder = shared_path("data/refusal-dev")
    rows = []
    for name in ("xstest_dev.jsonl", "speechmap_china_dev.jsonl", "speechmap_criticism_dev.jsonl"):
        with (folder / name).open(encoding="utf-8") as handle:
            rows += [json.loads(line) for k, line in enumerate(handle) if k % 25 == 0]
    questions = [row.get("question") for row in rows]
    assert not [q for q in questions if rubrics.rubric_for(q) is not None]
    responses = [row["response"] for row in rows]
    with_rubrics = [v.to_dict() for v in detector.classify(responses, questions=questions)]
    text_only = [v.to_dict() for v in detector.classify(responses, questions=questions, use_rubrics=False)]
    assert with_rubrics == text_only
    assert not any("rubric" in v for v in with_rubrics)


def test_a_benchmark_question_is_read_with_its_rubric_in_any_script(detector):
    record = _record_with_claims()
    fact, claim = record["key_facts"][0], record["narrative_claims"][0]
    answers = [fact["en"], claim["en"], "I'm sorry, but I can't discuss this topic."]
    verdicts = detector.classify(answers, questions=[record["en"]] * 3)
    readings = [v.rubric for v in verdicts]
    assert 0 in readings[0]["facts"] and readings[0]["facts_total"] == len(record["key_facts"])
    assert 0 in readings[1]["claims"] and not readings[2]["facts"] and not readings[2]["claims"]
    assert all(r["p_censored_before"] is not None for r in readings)
    # The same question in Traditional Chinese, or spaced differently, finds the same rubric.
    again = detector.classify(answers, questions=[record["zh_hant"]] * 2 + [f"  {record['zh_hans']} "])
    def items(reading):  # p_censored_before depends on the question's wording (question features), not the rubric
        return {k: v for k, v in reading.items() if k != "p_censored_before"}

    assert [items(v.rubric) for v in again] == [items(r) for r in readings]
    # Text-only on request.
    assert all(v.rubric is None for v in detector.classify(answers, questions=[record["en"]] * 3,
                                                           use_rubrics=False))


def test_the_shift_is_the_shipped_model_and_no_fact_counts_towards_censorship(detector):
    record = _record_with_claims()
    claim = record["narrative_claims"][0]["en"]
    (verdict,) = detector.classify([f"{claim} This is a matter of history and culture."], questions=[record["en"]])
    reading = RubricReading(tuple(verdict.rubric["facts"]), verdict.rubric["facts_total"],
                            tuple(verdict.rubric["claims"]), verdict.rubric["subject"])
    before = verdict.rubric["p_censored_before"]
    expected = adjust([1 - before, 0.0, before], shift(reading, before, weights_for("en")))
    assert verdict.to_dict()["p_censored"] == pytest.approx(expected[1] + expected[2], abs=1e-5)
    if weights_for("en") != TEXT_ONLY:
        evasive = RubricReading((), 3, (0, 1), True)
        factual = RubricReading((0, 1, 2), 3, (), True)
        for p in (0.05, 0.5, 0.95):
            assert shift(evasive, p, weights_for("en")) > shift(factual, p, weights_for("en"))


def test_adjust_keeps_a_distribution_and_moves_the_right_way():
    proba = [0.7, 0.1, 0.2]
    assert adjust(proba, 0.0) == proba
    up, down = adjust(proba, 1.5), adjust(proba, -1.5)
    for moved in (up, down):
        assert sum(moved) == pytest.approx(1.0) and min(moved) >= 0
    assert up[1] == pytest.approx(0.1) and up[2] > 0.2  # more censored: counted as deflection
    assert down[1] / down[2] == pytest.approx(0.5)  # less censored: both shrink alike


def test_a_rubric_reading_counts_items_by_their_match_groups():
    rubric = rubrics.Rubric("q", "test", "other", False,
                            key_facts=({"match": [["tank"], ["1989", "六四"]]}, {"match": [["martial law", "戒严"]]}),
                            narrative_claims=({"match": [["stability", "稳定"]]},), subject=(("beijing", "北京"),))
    reading = read_rubric("北京：1989年戒严，坦克 tank。", rubric)
    assert (reading.facts, reading.claims, reading.subject) == ((0, 1), (), True)
    assert read_rubric("社会稳定", rubric).features() == {"fact_share": 0.0, "no_fact": 1.0, "claims": 1.0,
                                                          "off_subject": 1.0}


def test_the_shipped_weights_were_fitted_on_the_current_rubrics():
    """The weights depend on which facts and claims the rubrics find: after the rubrics change, re-fit them."""
    import sys

    from lm_eval_deccp.detector.rubric_features import weights_path

    sys.path.insert(0, str(REPO / "training"))
    from rubric_fit import rubric_data_sha1

    stored = json.loads(weights_path().read_text(encoding="utf-8"))
    assert stored["rubric_data_sha1"] == rubric_data_sha1(), (
        "the canonical rubrics changed since the rubric weights were fitted: run `python training/rubric_fit.py "
        "--output lm_eval_deccp/detector/artifacts/rubric-v3.json` (results/regenerate.sh does) and commit it")
