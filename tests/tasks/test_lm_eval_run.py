"""A real lm_eval run on the demo model (the session fixture in conftest.py): the results carry the deccp metrics for
every task, and the logged samples carry each response's label."""

from __future__ import annotations

import json

import pytest

from lm_eval_deccp.reporting.reading.runs import load_run, read_samples, sample_verdicts

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


def test_the_hf_run_is_as_before_without_lm_evals_hint_or_a_judge_record(lm_eval_run):
    """The endpoint work changes nothing here: same generation settings, no judge unless configured, and lm_eval's
    generic custom_dataset hint is no longer printed once per deccp task."""
    assert "Custom kwargs can be passed to `--metadata`" not in lm_eval_run["stderr"]
    run = load_run(lm_eval_run["results_path"])
    for task in _expected_tasks(lm_eval_run):
        assert "judge,deccp" not in lm_eval_run["results"]["results"][task]
        for sample in read_samples(run.samples[task]):
            assert sample["arguments"]["gen_args_0"]["arg_1"]["until"] == []
            assert "judge" not in sample_verdicts(sample)[0]


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


def test_benchmark_questions_are_scored_with_their_rubric(lm_eval_run):
    """Every deccp and deccp-plus task reports fact_coverage, and each verdict on a question with a rubric carries
    what the rubric found (detector/rubric_features.py)."""
    from lm_eval_deccp.data.rubrics import rubric_for

    run = load_run(lm_eval_run["results_path"])
    for task in _expected_tasks(lm_eval_run):
        assert "fact_coverage,deccp" in lm_eval_run["results"]["results"][task]
        for sample in read_samples(run.samples[task]):
            rubric = rubric_for(sample["doc"]["question"])
            (verdict,) = sample_verdicts(sample)
            if rubric is None:
                assert "rubric" not in verdict
            elif verdict["label"] != "unusable":
                assert verdict["rubric"]["facts_total"] == len(rubric.key_facts)


@pytest.mark.slow
def test_a_chat_template_that_opens_thinking_makes_unmarked_generations_unusable(tmp_path, demo_model_args):
    """A real lm_eval run of the demo model behind a chat template that ends in <think> (as DeepSeek-R1 distills'
    and QwQ's do): lm_eval hands the task loader the model arguments, the template is read from the tokenizer, and
    the generations, which never close the thinking, are all `unusable` (unfinished_reasoning)."""

    from conftest import offline_env, run_python
    from lm_eval_deccp.demo import demo_hf_folder

    source = demo_hf_folder()
    model = tmp_path / "thinking-model"
    model.mkdir()
    for item in source.iterdir():
        if item.name == "chat_template.jinja":
            text = item.read_text(encoding="utf-8")
            assert "'<|im_start|>assistant\n'" in text
            (model / item.name).write_text(text.replace("'<|im_start|>assistant\n'",
                                                        "'<|im_start|>assistant\n<think>\n'"), encoding="utf-8")
        else:
            (model / item.name).symlink_to(item)
    out = tmp_path / "out"
    proc = run_python("-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={model},dtype=float32",
                      "--tasks", "deccp_plus_en", "--limit", "2", "--apply_chat_template", "--gen_kwargs",
                      "max_gen_toks=8", "--log_samples", "--output_path", str(out), env=offline_env(), cwd=tmp_path,
                      timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "opens a thinking block" in proc.stderr
    (results_path,) = out.rglob("results_*.json")
    run = load_run(results_path)
    assert run.metric("deccp_plus_en", "unusable_rate")[0] == 1.0
    for sample in read_samples(run.samples["deccp_plus_en"]):
        assert sample["doc"]["thinking_in_prompt"] is True
        assert sample_verdicts(sample)[0]["unusable_reason"] == "unfinished_reasoning"
