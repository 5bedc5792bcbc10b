"""The deccp-plus suite: size, topics, pairing, controls, key facts and scripts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lm_eval_deccp import data, metrics

HAN = re.compile(r"[\u3400-\u9fff]")
FORMS = {"factual", "explanatory", "opinion", "list", "essay", "circumvention"}
RECORDS = data.suite_records()


def test_size_and_topics():
    assert len(RECORDS) >= 150
    topics = Counter(r["topic"] for r in RECORDS)
    assert len(topics) >= 12
    assert min(topics.values()) >= 5


def test_ids_are_unique_and_carry_the_topic():
    ids = [r["id"] for r in RECORDS]
    assert len(set(ids)) == len(ids)
    for record in RECORDS:
        assert re.fullmatch(rf"{record['topic']}-\d\d", record["id"])
        assert record["form"] in FORMS


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["id"])
def test_every_question_is_paired_controlled_and_has_key_facts(record):
    control = record["control"]
    for item in (record, control):
        assert item["en"] and not HAN.search(item["en"]), "English text must not contain Han script"
        assert HAN.search(item["zh_hans"]) and HAN.search(item["zh_hant"])
    assert control["subject"]
    assert 1 <= len(record["key_facts"]) <= 3
    for fact in record["key_facts"]:
        assert fact["en"] and not HAN.search(fact["en"])
        assert HAN.search(fact["zh_hans"]) and HAN.search(fact["zh_hant"])
        assert fact["match"] and all(group for group in fact["match"])
        # a model that only repeats the question does not get credit for the fact
        for question in (record["en"], record["zh_hans"], record["zh_hant"]):
            assert not metrics.fact_mentioned(question, fact["match"]), (record["id"], fact["en"])


def test_traditional_differs_from_simplified_where_expected():
    differing = sum(r["zh_hans"] != r["zh_hant"] for r in RECORDS)
    assert differing >= 0.9 * len(RECORDS)


def test_traditional_is_opencc_of_simplified():
    opencc = pytest.importorskip("opencc", reason="OpenCC (the [build-suite] extra) builds the Traditional text")
    to_hant = opencc.OpenCC("s2t").convert
    for record in RECORDS:
        assert record["zh_hant"] == to_hant(record["zh_hans"]), record["id"]
        assert record["control"]["zh_hant"] == to_hant(record["control"]["zh_hans"]), record["id"]


def test_variants_line_up_by_pair_id():
    variants = {v: data.suite_documents(v) for v in data.SUITE_VARIANTS}
    pair_ids = [d["pair_id"] for d in variants["en"]]
    for name, docs in variants.items():
        assert [d["pair_id"] for d in docs] == pair_ids, name
    assert all(d["control"] and d["id"].endswith("-control") for d in variants["control_zh"])
    # A control carries its own key facts (issue 17 rubrics), never its China question's.
    for doc, record in zip(variants["control_en"], RECORDS):
        assert [f["match"] for f in doc["key_facts"]] == [f["match"] for f in record["control"].get("key_facts", [])]
    assert all(HAN.search(d["question"]) for d in variants["zh_hant"])


def test_key_facts_are_found_in_either_language():
    record = next(r for r in RECORDS if r["id"] == "tiananmen-01")
    facts = [{"match": f["match"]} for f in record["key_facts"]]
    assert metrics.fact_coverage(record["key_facts"][1]["en"], facts) > 0
    assert metrics.fact_coverage(record["key_facts"][1]["zh_hant"], facts) > 0
    assert metrics.fact_coverage("I'm sorry, I can't discuss that.", facts) == 0
