"""The MixEval tasks' parts: rendering against MixEval's own stored prompts, both parsers on answers written here,
MixEval's two overall computations on hand-computed cases, clear errors for missing data. The lm_eval run and the
report are in test_mixeval_run.py."""

from __future__ import annotations

import json

import pytest

from conftest import offline_env, run_python, shared_path
from lm_eval_deccp.mixeval import items, prompts, rule_parser
from lm_eval_deccp.mixeval.items import Item
from lm_eval_deccp.mixeval.harness import parse_responses
from lm_eval_deccp.mixeval.model_parser import messages_for, read_reply
from lm_eval_deccp.mixeval.scoring import METHOD_2024_06, METHOD_ITEM_WEIGHTED, PartScores, combine

GEMMA = "data/mixeval/model_responses/gemma_11_7b_instruct/mixeval_hard/2024-06-01"


def free_form(target, benchmark="TriviaQA", item_id="1"):
    return Item(item_id, "freeform", benchmark, "Q?", None, (), tuple(target))


def multiple_choice(options=("red", "green", "blue", "yellow"), target=1, item_id="7"):
    return Item(item_id, "multichoice", "MMLU", "Which colour?", None, tuple(options), (target,))


# ---- rendering ----

def test_every_item_renders_exactly_as_mixevals_own_suite_rendered_it():
    folder = shared_path(GEMMA)
    root = shared_path("data/mixeval")
    for part in ("freeform", "multichoice"):
        by_id = {item.id: item for item in items.load("mixeval_hard", part, root, "2024-06-01").items}
        stored = [json.loads(line) for line in next(folder.glob(f"*_close_{part}_hard.jsonl")).open()]
        assert len(stored) == 500
        mismatched = [row["id"] for row in stored if prompts.render(by_id[row["id"]]) != row["formated_input"]]
        assert mismatched == [], f"{part}: {len(mismatched)} items render differently, e.g. {mismatched[:3]}"


def test_rendering_follows_mixevals_formats_by_hand():
    item = Item("x", "multichoice", "PIQA", "Which solution is correct?", "none", ("Do a", "Do b"), (0,))
    assert prompts.render(item) == ("Which solution is correct?\nA. Do a\nB. Do b\n"
                                    "Answer with the option letter from the given choices directly.")
    with_context = Item("y", "freeform", "GSM8k", "How many?", "Ann has 3 apples.", (), ("3",))
    assert prompts.render(with_context) == ("Question: Ann has 3 apples.\nHow many?\nAnswer the question. \n"
                                            "Let's think step by step.")


def test_the_data_versions_are_identified_by_fingerprint():
    root = shared_path("data/mixeval")
    loaded = items.load("mixeval_hard", "multichoice", root, "2024-08-11")
    assert items.KNOWN_FINGERPRINTS[items.fingerprint(list(loaded.items))] == ("mixeval_hard", "2024-08-11",
                                                                             "multichoice")


# ---- the rule parser ----

@pytest.mark.parametrize("answer, target, correct", [
    ("The answer is 42.", ["42"], True),
    ("So the final answer is: 1,250", ["1250"], True),
    ("Paris", ["Paris", "Paris, France"], True),
    ("Lyon", ["Paris"], False),
    # MixEval's rule reads only the tail after "is", "so", "answer"… on a line: "this year" hides the subject.
    ("Robert Plant appeared at Glastonbury this year.", ["Robert Plant"], False),
    ("It costs $19 a year, so 19.", ["19"], True),
])
def test_free_form_rule_parser(answer, target, correct):
    assert rule_parser.parse(free_form(target), answer).score == (1.0 if correct else 0.0)


@pytest.mark.parametrize("answer, letter", [
    ("B", "B"),
    ("The correct option is (C).", "C"),
    ("**D. yellow**", "D"),
    ("Among these, the colour of grass in summer is clearly green, as everyone knows.", "B"),
    ("A\n\nExplanation: B is wrong", "A"),
])
def test_multiple_choice_rule_parser(answer, letter):
    parsed = rule_parser.parse(multiple_choice(), answer)
    assert (parsed.reading, parsed.unparsed) == (letter, False)
    assert parsed.score == (1.0 if letter == "B" else 0.0)


def test_an_answer_naming_no_option_gets_a_reproducible_guess_and_is_counted():
    item = multiple_choice()
    first, again = rule_parser.parse(item, "I cannot say."), rule_parser.parse(item, "No idea at all.")
    assert first.unparsed and again.unparsed and first.reading == again.reading in "ABCD"


def test_a_reasoning_models_thinking_is_not_parsed():
    docs = [{**multiple_choice().as_doc(), "parser_choice": "rule"},
            {**free_form(["Paris"]).as_doc(), "parser_choice": "rule"}]
    resps = [["<think>A looks right, or maybe C</think>\n\nB"], ["<think>Lyon? so Lyon</think>The answer is Paris."]]
    parsed = [json.loads(out[0]) for out in parse_responses(resps, docs)]
    assert [p["score"] for p in parsed] == [1.0, 1.0]
    assert parsed[0]["reading"] == "B" and parsed[0]["parser"] == "rule"


# ---- the model parser's prompt and reply reading ----

def test_model_parser_replies_are_read_as_mixeval_reads_them():
    ff, mc = free_form(["8", "eight"]), multiple_choice()
    assert read_reply(ff, "Close but partial. Correctness: [[0.7]].").score == 0.7
    assert read_reply(ff, "score [0.5]").score == 0.5
    assert read_reply(ff, "Correctness: [[1.5]]") is None and read_reply(ff, "no score") is None
    assert read_reply(mc, "Chosen option: [[B]].").score == 1.0
    assert read_reply(mc, "Chosen option: [[C]].").score == 0.0
    assert read_reply(mc, "it chose b") is None
    text = messages_for(ff, "Eight legs")[1]["content"]
    assert "Golden Answer(s): <answer 1> 8; <answer 2> eight\nModel's Answer: Eight legs" in text


# ---- MixEval's overall ----

def test_item_weighted_and_2024_06_overalls_by_hand():
    ff, mc = PartScores(), PartScores()
    for score in (1, 1, 0, 0):  # TriviaQA 2/4
        ff.add("TriviaQA", score)
    ff.add("AGIEval", 1)  # AGIEval free-form 1/1
    for score in (1, 0, 0, 0, 0, 0):  # AGIEval multiple-choice 1/6
        mc.add("AGIEval", score)
    current = combine([ff, mc], METHOD_ITEM_WEIGHTED)
    assert current.overall == pytest.approx((0.6 * 5 + 0.167 * 6) / 11)  # parts rounded to 3 decimals, as MixEval
    assert current.columns["AGIEval"] == pytest.approx((1.0 * 1 + 0.167 * 6) / 7)
    assert current.items == {"TriviaQA": 4, "AGIEval": 7}
    legacy = combine([ff, mc], METHOD_2024_06)
    assert legacy.overall == pytest.approx((0.6 + 0.167) / 2)
    assert legacy.columns["AGIEval"] == 0.167  # the multiple-choice part overwrites the free-form one


def test_the_studys_overall_is_mixevals_2024_06_computation():
    """The deccp blog's Qwen2-7B-Instruct row: 0.4345 overall, while its sixteen columns weighted by MixEval-Hard
    2024-06-01's item counts give 0.4285. Its AGIEval (0.479) is the 71 multiple-choice items only; with the 12
    free-form AGIEval items at 11.84/12 (what 0.4345 implies) the June 2024 suite gives exactly 0.4345."""
    free = {"TriviaQA": (0.319, 267), "DROP": (0.546, 167), "GSM8k": (0.741, 22), "MATH": (0.756, 16),
            "BBH": (0.744, 16), "AGIEval": (11.84 / 12, 12)}
    multi = {"MMLU": (0.377, 231), "AGIEval": (0.479, 71), "HellaSwag": (0.443, 61), "CommonsenseQA": (0.58, 50),
             "BoolQ": (0.243, 37), "SIQA": (0.40, 20), "PIQA": (0.25, 8), "OpenBookQA": (0.75, 8),
             "GPQA": (0.25, 8), "ARC": (0.0, 4), "MBPP": (1.0, 2)}
    legacy = combine([PartScores.from_means(free), PartScores.from_means(multi)], METHOD_2024_06)
    assert round(legacy.overall, 4) == 0.4345
    assert legacy.columns["AGIEval"] == 0.479
    columns = {**{k: v for k, (v, _) in free.items()}, **{k: v for k, (v, _) in multi.items()}}
    counts = {k: n for part in (free, multi) for k, (_, n) in part.items()}
    counts["AGIEval"] = 83
    assert round(sum(columns[k] * counts[k] for k in columns) / 1000, 4) == 0.4285


# ---- missing data ----

def test_missing_data_offline_is_a_clear_error():
    code = ("from lm_eval_deccp.mixeval import items\n"
            "try:\n    items.load('mixeval_hard', 'freeform')\n"
            "except items.MixEvalDataUnavailable as err:\n    print('ERR', err)\n")
    proc = run_python("-c", code, env=offline_env(MIXEVAL_DATA_DIR=""), timeout=300)
    assert "ERR Could not load mixeval_hard from the Hugging Face hub dataset 'MixEval/MixEval'" in proc.stdout
    assert "MIXEVAL_DATA_DIR=DIR" in proc.stdout and "mixeval_data_dir" in proc.stdout


def test_a_data_folder_without_the_version_says_what_it_has(tmp_path):
    (tmp_path / "mixeval-2024-08-11" / "mixeval-hard").mkdir(parents=True)
    with pytest.raises(items.MixEvalDataUnavailable, match=r"mixeval-2024-06-01/mixeval-hard/free-form.json is "
                                                          r"missing.*it has mixeval-2024-08-11"):
        items.load("mixeval_hard", "freeform", tmp_path)


def test_lm_evals_index_resolves_the_mixeval_tasks_and_groups(task_manager):
    assert {"mixeval_hard", "mixeval", "deccp_mixeval_hard"} <= set(task_manager.all_groups)
    assert {"mixeval_hard_freeform", "mixeval_hard_multichoice", "mixeval_freeform", "mixeval_multichoice"} \
        <= set(task_manager.all_tasks)


def test_parser_settings_that_cannot_work_are_clear_errors(monkeypatch):
    from lm_eval_deccp.mixeval import harness

    with pytest.raises(harness.MixEvalConfigError, match="expected one of auto, rule, model"):
        harness.parser_choice({"mixeval_parser": "gpt"})
    monkeypatch.setenv("MIXEVAL_PARSER", "model")
    with pytest.raises(harness.MixEvalConfigError, match="no judge endpoint is configured"):
        harness._check_parser(harness.parser_choice({}))
    monkeypatch.setenv("DECCP_JUDGE_URL", "ftp://nowhere")
    with pytest.raises(harness.MixEvalConfigError, match="the MixEval model parser: .*not an http"):
        harness._check_parser("auto")
    harness._check_parser("rule")  # the rule parser needs no endpoint, even a broken one
