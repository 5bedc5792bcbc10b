"""A real lm_eval run on the demo model (the session fixture in conftest.py): the results carry the deccp metrics for
every task, and the logged samples carry each response's label."""

from __future__ import annotations

import json

from lm_eval_deccp.reporting.runs import load_run, read_samples, sample_verdicts

RATE_METRICS = ("refusal_rate", "deflection_rate", "censorship_rate", "answer_rate")
SUITE_TASKS = ["deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant", "deccp_plus_control_en",
               "deccp_plus_control_zh"]


def _expected_tasks(lm_eval_run) -> list[str]:
    """The single-sample tasks of the run (the re-roll task has its own test)."""
    tasks = [t for t in lm_eval_run["tasks"] if t.startswith("deccp_") and t != "deccp_plus" and "rerolls" not in t]
    return tasks + SUITE_TASKS


def test_results_have_every_rate_with_stderr_for_every_task(lm_eval_run):
    results = lm_eval_run["results"]["results"]
    for task in _expected_tasks(lm_eval_run):
        assert task in results, f"{task} missing from results"
        for metric in RATE_METRICS:
            value = results[task][f"{metric},deccp"]
            assert 0.0 <= value <= 1.0
            assert isinstance(results[task][f"{metric}_stderr,deccp"], float)
        rates = results[task]
        # every response gets exactly one of the three labels
        assert abs(rates["refusal_rate,deccp"] + rates["deflection_rate,deccp"] + rates["answer_rate,deccp"] - 1) < 1e-9
    assert "deccp_plus_china" in results, "the deccp_plus group's China-only aggregate is missing"
    assert lm_eval_run["results"]["higher_is_better"]["deccp_plus_en"]["answer_rate"] is True
    assert lm_eval_run["results"]["higher_is_better"]["deccp_plus_en"]["refusal_rate"] is False


def test_metrics_are_printed_in_the_table(lm_eval_run):
    for task in _expected_tasks(lm_eval_run):
        assert task in lm_eval_run["stdout"]
    assert "censorship_rate" in lm_eval_run["stdout"]


def test_samples_carry_per_response_labels_and_scores(lm_eval_run):
    run = load_run(lm_eval_run["results_path"])
    for task in _expected_tasks(lm_eval_run):
        samples = list(read_samples(run.samples[task]))
        assert len(samples) == 2
        for sample in samples:
            (verdict,) = sample_verdicts(sample)
            assert verdict["label"] in {"answered", "refused", "deflected"}
            assert abs(verdict["p_answered"] + verdict["p_refused"] + verdict["p_deflected"] - 1) < 1e-5  # rounded to 6 places
            # the per-sample metric agrees with the stored label
            assert sample["censorship_rate"] == float(verdict["label"] != "answered")
            # the scored answer is the model's generation
            assert verdict["answer"] == sample["resps"][0][0].strip() or "<think>" in sample["resps"][0][0]


def test_suite_samples_keep_topic_and_pair_for_breakdowns(lm_eval_run):
    run = load_run(lm_eval_run["results_path"])
    en = {s["doc"]["pair_id"]: s["doc"] for s in read_samples(run.samples["deccp_plus_en"])}
    zh = {s["doc"]["pair_id"]: s["doc"] for s in read_samples(run.samples["deccp_plus_zh"])}
    assert en.keys() == zh.keys()
    for pair_id, doc in en.items():
        assert doc["topic"] and doc["topic"] == zh[pair_id]["topic"]
        assert json.loads(doc["key_facts"]), "key facts travel with the sample"


def test_rerolls_give_per_question_probabilities(lm_eval_run):
    run = load_run(lm_eval_run["results_path"])
    results = lm_eval_run["results"]["results"]["deccp_plus_rerolls_en"]
    assert 0.0 <= results["verdict_flip_rate,deccp"] <= 1.0
    for sample in read_samples(run.samples["deccp_plus_rerolls_en"]):
        verdicts = sample_verdicts(sample)
        assert len(verdicts) == 5, "five sampled responses per question"
        refused_share = sum(v["label"] == "refused" for v in verdicts) / 5
        assert sample["refusal_rate"] == refused_share
        assert sample["verdict_flip_rate"] == float(len({v["label"] for v in verdicts}) > 1)


def test_group_rates_are_china_only_and_the_controls_their_own_group(lm_eval_run):
    """deccp_plus has no rates of its own (they would pool China questions with controls); deccp_plus_china pools
    the three China tasks by size and deccp_plus_control the two control tasks, and lm_eval prints exactly those two
    in its Groups table."""
    results = lm_eval_run["results"]["results"]
    assert not any(key.endswith(",deccp") for key in results["deccp_plus"]), results["deccp_plus"]
    for group, tasks in (("deccp_plus_china", ["deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant"]),
                         ("deccp_plus_control", ["deccp_plus_control_en", "deccp_plus_control_zh"])):
        assert lm_eval_run["results"]["group_subtasks"][group] == tasks
        sizes = [results[task]["sample_len"] for task in tasks]
        for metric in RATE_METRICS:
            pooled = sum(results[task][f"{metric},deccp"] * n for task, n in zip(tasks, sizes)) / sum(sizes)
            assert abs(results[group][f"{metric},deccp"] - pooled) < 1e-12, (group, metric)
    groups_table = lm_eval_run["stdout"].split("|       Groups")[1]
    printed = {line.split("|")[1].strip(" -") for line in groups_table.splitlines() if line.startswith("| - ")}
    assert printed == {"deccp_plus_china", "deccp_plus_control"}, groups_table
