"""Tests of `lm_eval_deccp.reporting.paired` and `deccp paired`.

Most tests use hand-built verdicts whose statistics can be worked out on paper. The last test
(`test_end_to_end_on_demo_model`, marked `slow`) runs `deccp paired` on the output of a real lm_eval run of the
bundled demo model (the session fixture `lm_eval_run` in conftest.py, shared with the other integration tests); that
run takes a few minutes on 2 CPU cores. Skip it with `-m "not slow"`."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from lm_eval_deccp.reporting import paired
from lm_eval_deccp.reporting.statistics import bootstrap as stats
from lm_eval_deccp.cli import main as deccp_main
from lm_eval_deccp.reporting.reading.runs import ResultsError

FAST = paired.BootstrapSettings(iterations=500)


def q(pair_id: str, *labels: str, topic: str = "tiananmen", form: str = "factual") -> paired.QuestionVerdicts:
    return paired.QuestionVerdicts(pair_id=pair_id, topic=topic, form=form, labels=tuple(labels))


def task(*questions: paired.QuestionVerdicts) -> paired.TaskVerdicts:
    return {question.pair_id: question for question in questions}


# ---- statistics on hand-built inputs ----

@pytest.mark.parametrize("only_first, only_second, expected", [
    (0, 0, 1.0),
    (1, 1, 1.0),
    (5, 0, 2 / 32),                          # all five discordant pairs one way: 2 * 0.5**5
    (0, 6, 2 / 64),
    (10, 2, 2 * (1 + 12 + 66) / 4096),       # 2 * P(X <= 2), X ~ Binomial(12, 1/2)
    (3, 7, 2 * (1 + 10 + 45 + 120) / 1024),  # 2 * P(X <= 3), X ~ Binomial(10, 1/2)
])
def test_mcnemar_exact_known_values(only_first, only_second, expected):
    assert stats.mcnemar_exact(only_first, only_second) == pytest.approx(expected)
    assert stats.mcnemar_exact(only_second, only_first) == pytest.approx(expected)  # two-sided: symmetric


def test_unusable_is_its_own_outcome_not_a_flip_and_loses_ties():
    """A pair with an unusable side is counted apart: neither a flip nor an agreement, and out of McNemar's test
    and the flip share; its rate has a gap of its own."""
    zh = task(q("q1", "refused"), q("q2", "unusable"), q("q3", "answered"), q("q4", "unusable"))
    en = task(q("q1", "answered"), q("q2", "answered"), q("q3", "answered"), q("q4", "refused"))
    result = paired.compare(paired.COMPARISONS[0], zh, en, FAST)
    assert (result.n_pairs, result.with_unusable, result.judged_pairs) == (4, 2, 2)
    assert (result.only_test, result.only_baseline, result.neither, result.both) == (1, 0, 1, 0)
    assert result.flip_share == pytest.approx(0.5)
    assert [f.pair_id for f in result.flips] == ["q1"]
    assert result.transitions["answered"]["unusable"] == 1 and result.transitions["refused"]["unusable"] == 1
    assert result.gaps["unusable_rate"].gap.value == pytest.approx(0.5)
    assert result.gaps["censorship_rate"].gap.value == pytest.approx(0.0)  # 1/4 censored on each side
    # Re-rolls: a question with one judgeable sample is judged by it; unusable samples are no censorship flip.
    assert q("a", "unusable", "refused").verdict == "refused"
    assert not q("a", "unusable", "answered").censorship_flips and q("a", "unusable", "answered").label_flips


def test_question_verdict_is_the_label_or_the_majority_with_ties_counted_as_censored():
    assert q("a", "answered").verdict == "answered"
    assert q("a", "refused", "answered", "answered").verdict == "answered"
    assert q("a", "refused", "answered").verdict == "refused"
    assert q("a", "deflected", "answered").censored
    assert q("a", "deflected", "answered").share("censorship_rate") == 0.5
    assert q("a", "refused", "deflected").label_flips and not q("a", "refused", "deflected").censorship_flips
    assert q("a", "refused", "answered").censorship_flips


def zh_en_example():
    """10 questions: 3 censored in both, 4 only in ZH (3 refused, 1 deflected), 1 only in EN, 2 in neither."""
    zh = task(q("q01", "refused"), q("q02", "refused"), q("q03", "deflected"),
              q("q04", "refused"), q("q05", "refused"), q("q06", "refused"), q("q07", "deflected"),
              q("q08", "answered"), q("q09", "answered"), q("q10", "answered"), q("zh-only", "refused"))
    en = task(q("q01", "refused"), q("q02", "deflected"), q("q03", "deflected"),
              q("q04", "answered"), q("q05", "answered"), q("q06", "answered"), q("q07", "answered"),
              q("q08", "refused"), q("q09", "answered"), q("q10", "answered"))
    return zh, en


def test_compare_counts_flips_and_their_direction():
    zh, en = zh_en_example()
    result = paired.compare(paired.COMPARISONS[0], zh, en, FAST)
    assert (result.n_pairs, result.both, result.neither, result.only_test, result.only_baseline) == (10, 3, 2, 4, 1)
    assert result.flip_share == pytest.approx(0.5)
    assert result.mcnemar_p == pytest.approx(stats.mcnemar_exact(4, 1)) == pytest.approx(0.375)
    assert [(f.pair_id, f.baseline_label, f.test_label) for f in result.flips] == [
        ("q04", "answered", "refused"), ("q05", "answered", "refused"), ("q06", "answered", "refused"),
        ("q07", "answered", "deflected"), ("q08", "refused", "answered")]
    assert result.transitions["answered"] == {"answered": 2, "refused": 3, "deflected": 1, "unusable": 0}
    assert result.transitions["deflected"] == {"answered": 0, "refused": 1, "deflected": 1, "unusable": 0}
    assert sum(sum(row.values()) for row in result.transitions.values()) == 10
    assert result.unmatched == {"deccp_plus_zh": ["zh-only"], "deccp_plus_en": []}


def test_compare_rates_and_gap_with_intervals():
    zh, en = zh_en_example()
    result = paired.compare(paired.COMPARISONS[0], zh, en, FAST)
    censorship = result.gaps["censorship_rate"]
    # Over the 10 matched questions only: the unmatched ZH question is left out.
    assert censorship.test.value == pytest.approx(0.7)
    assert censorship.baseline.value == pytest.approx(0.4)
    assert censorship.gap.value == pytest.approx(0.3)
    assert result.gaps["refusal_rate"].gap.value == pytest.approx(0.5 - 0.2)
    assert result.gaps["deflection_rate"].gap.value == pytest.approx(0.2 - 0.2)
    for gap in result.gaps.values():
        for rate in (gap.test, gap.baseline, gap.gap):
            assert rate.ci.low <= rate.value <= rate.ci.high
    assert 0 <= censorship.test.ci.low and censorship.test.ci.high <= 1
    assert -1 <= censorship.gap.ci.low and censorship.gap.ci.high <= 1


def test_identical_sides_give_a_zero_gap_with_a_zero_width_interval():
    zh, _ = zh_en_example()
    result = paired.compare(paired.COMPARISONS[1], zh, zh, FAST)
    gap = result.gaps["censorship_rate"].gap
    assert (gap.value, gap.ci.low, gap.ci.high) == (0.0, 0.0, 0.0)
    assert result.mcnemar_p == 1.0 and result.flips == []


def test_bootstrap_is_deterministic_and_seeded():
    zh, en = zh_en_example()
    first = paired.compare(paired.COMPARISONS[0], zh, en, FAST).to_json()
    second = paired.compare(paired.COMPARISONS[0], zh, en, FAST).to_json()
    assert first == second
    other_seed = paired.compare(paired.COMPARISONS[0], zh, en, paired.BootstrapSettings(iterations=500, seed=1))
    assert other_seed.gaps["censorship_rate"].gap.value == pytest.approx(0.3)  # the estimate does not move


def test_narrower_confidence_gives_a_nested_interval():
    values = [1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1]
    wide = paired.rate_of(values, paired.BootstrapSettings(confidence=0.95))
    narrow = paired.rate_of(values, paired.BootstrapSettings(confidence=0.5))
    assert wide.ci.low <= narrow.ci.low <= narrow.ci.high <= wide.ci.high


def test_empty_comparison_reports_nan_and_null_in_json():
    result = paired.compare(paired.COMPARISONS[0], task(q("a", "refused")), task(q("b", "answered")), FAST)
    assert result.n_pairs == 0 and math.isnan(result.flip_share)
    as_json = result.to_json()
    assert as_json["flip_share"] is None
    assert as_json["rates"]["censorship_rate"]["gap"] == {"value": None, "ci": [None, None]}
    json.dumps(as_json, allow_nan=False)


def test_topic_table_rates_and_gaps_per_topic():
    tasks = {
        "deccp_plus_en": task(q("t1", "answered", topic="tibet"), q("t2", "refused", topic="tibet"),
                              q("h1", "answered", topic="hong_kong")),
        "deccp_plus_zh": task(q("t1", "refused", topic="tibet"), q("t2", "deflected", topic="tibet"),
                              q("h1", "answered", topic="hong_kong")),
        "deccp_plus_control_en": task(q("t1", "answered", topic="tibet"), q("t2", "answered", topic="tibet")),
    }
    rows = {row.topic: row for row in paired.topic_table(tasks, FAST)}
    assert list(rows) == ["hong_kong", "tibet", "all"]
    tibet = rows["tibet"]
    assert tibet.n == {"deccp_plus_en": 2, "deccp_plus_zh": 2, "deccp_plus_control_en": 2}
    assert tibet.rates["deccp_plus_en"]["censorship_rate"] == 0.5
    assert tibet.rates["deccp_plus_zh"]["censorship_rate"] == 1.0
    assert tibet.rates["deccp_plus_zh"]["deflection_rate"] == 0.5
    assert tibet.gaps["zh_vs_en"].only_test == 1
    assert tibet.gaps["china_vs_control_en"].gaps["censorship_rate"].gap.value == 0.5
    assert rows["hong_kong"].n["deccp_plus_control_en"] == 0
    assert rows["hong_kong"].gaps["china_vs_control_en"].n_pairs == 0
    assert rows["all"].rates["deccp_plus_zh"]["censorship_rate"] == pytest.approx(2 / 3)
    assert "hans_vs_hant" not in tibet.gaps  # no zh_hant task given


def test_question_rows_mark_which_way_each_question_flips():
    tasks = {
        "deccp_plus_en": task(q("a", "answered"), q("b", "refused"), q("c", "answered")),
        "deccp_plus_zh": task(q("a", "refused"), q("b", "answered"), q("c", "answered")),
        "deccp_plus_zh_hant": task(q("a", "answered"), q("b", "answered"), q("c", "deflected")),
    }
    rows = {row.pair_id: row for row in paired.question_rows(tasks)}
    assert rows["a"].flips == ["ZH>EN", "ZH>ZH-Hant"]
    assert rows["b"].flips == ["EN>ZH"]
    assert rows["c"].flips == ["ZH-Hant>ZH"]
    assert rows["a"].labels == {"deccp_plus_en": "answered", "deccp_plus_zh": "refused",
                                "deccp_plus_zh_hant": "answered"}


def test_reroll_summary_probabilities_and_flip_shares():
    rerolls = task(
        q("a", "refused", "refused", "answered", "answered", "answered"),   # flips censored/answered
        q("b", "refused", "deflected", "refused", "refused", "refused"),    # flips label only, always censored
        q("c", "answered", "answered", "answered", "answered", "answered"),  # stable, never censored
        q("d", "deflected", "deflected", "deflected", "deflected", "deflected"),
    )
    summary = paired.reroll_summary("deccp_plus_rerolls_en", rerolls, FAST)
    assert summary.n_questions == 4 and summary.samples_per_question == (5, 5)
    per_question = {question.pair_id: question for question in summary.questions}
    assert per_question["a"].p["refusal_rate"] == pytest.approx(0.4)
    assert per_question["a"].p["answer_rate"] == pytest.approx(0.6)
    assert per_question["b"].p["deflection_rate"] == pytest.approx(0.2)
    assert summary.rates["refusal_rate"].value == pytest.approx((0.4 + 0.8 + 0 + 0) / 4)
    assert summary.rates["censorship_rate"].value == pytest.approx((0.4 + 1 + 0 + 1) / 4)
    assert summary.label_flip_share.value == pytest.approx(0.5)
    assert summary.censorship_flip_share.value == pytest.approx(0.25)
    assert (summary.always_censored, summary.never_censored) == (2, 1)
    rate = summary.rates["censorship_rate"]
    assert rate.ci.low <= rate.value <= rate.ci.high


def test_reroll_language_gap_is_paired_by_question():
    zh = task(q("a", "refused", "refused"), q("b", "answered", "refused"))
    en = task(q("a", "answered", "answered"), q("b", "answered", "answered"), q("c", "refused", "refused"))
    n_pairs, gaps = paired.reroll_language_gap(zh, en, FAST)
    assert n_pairs == 2
    assert gaps["censorship_rate"].gap.value == pytest.approx(0.75)
    assert gaps["censorship_rate"].baseline.value == 0.0


# ---- reading logged samples ----

def verdict_json(label: str) -> str:
    return json.dumps({"label": label, "censored": label != "answered", "answer": "…"}, ensure_ascii=False)


def lm_eval_sample(doc_id: int, pair_id: str, labels, topic="tiananmen", variant="en", control=False) -> dict:
    """A sample line as lm_eval 0.4 logs it for a deccp_plus task: one request whose filtered response is a list
    with one verdict per repeat."""
    return {
        "doc_id": doc_id,
        "doc": {"id": f"{pair_id}-control" if control else pair_id, "pair_id": pair_id, "topic": topic,
                "form": "factual", "variant": variant, "control": control, "question": "?", "key_facts": "[]"},
        "target": "",
        "resps": [["…" for _ in labels]],
        "filtered_resps": [[verdict_json(label) for label in labels]],
        "filter": "deccp",
    }


def test_question_verdicts_reads_lm_eval_samples():
    samples = [lm_eval_sample(0, "a", ["refused"]), lm_eval_sample(1, "b", ["answered", "deflected"])]
    verdicts = paired.question_verdicts(samples, "samples.jsonl")
    assert verdicts["a"].labels == ("refused",)
    assert verdicts["b"].labels == ("answered", "deflected")


@pytest.mark.parametrize("broken, message", [
    ({"doc": {"id": "x"}}, "no pair_id"),
    ({"filtered_resps": []}, "no detector verdicts"),
    ({"filtered_resps": [["not json"]]}, "no detector verdicts"),
    ({"filtered_resps": [[json.dumps({"label": "maybe"})]]}, "verdict with label .maybe."),
    # A JSON string is not a verdict: read as no verdicts, not as a label (it used to crash the report).
    ({"filtered_resps": [[json.dumps("refused")]]}, "no detector verdicts"),
    # Re-rolls with one malformed verdict: an error, not a skipped repeat that shifts the others.
    ({"filtered_resps": [[json.dumps({"label": "refused"}), json.dumps("refused")]]}, "verdict with label .refused."),
])
def test_question_verdicts_errors_name_the_file(broken, message):
    sample = {**lm_eval_sample(3, "a", ["refused"]), **broken}
    with pytest.raises(ResultsError, match=message) as err:
        paired.question_verdicts([sample], "/runs/samples_deccp_plus_en.jsonl")
    assert "/runs/samples_deccp_plus_en.jsonl: sample doc_id=3" in str(err.value)


def test_question_verdicts_rejects_a_repeated_pair_id():
    with pytest.raises(ResultsError, match="repeats pair_id 'a'"):
        paired.question_verdicts([lm_eval_sample(0, "a", ["refused"]), lm_eval_sample(1, "a", ["refused"])], "f")


# ---- the command on a hand-written lm_eval output folder ----

STAMP = "2026-01-01T00-00-00.000000"
VARIANT_OF = {"deccp_plus_en": ("en", False), "deccp_plus_zh": ("zh", False), "deccp_plus_zh_hant": ("zh_hant", False),
              "deccp_plus_control_en": ("control_en", True), "deccp_plus_control_zh": ("control_zh", True),
              "deccp_plus_rerolls_en": ("en", False)}


def write_run(folder: Path, model: str, labels_by_task: dict, stamp: str = STAMP, with_samples: bool = True) -> Path:
    """lm_eval's output layout: results_<stamp>.json and samples_<task>_<stamp>.jsonl side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    results = {"results": {t: {"alias": t, "censorship_rate,deccp": 0.0} for t in labels_by_task},
               "config": {"model": "hf", "model_args": {"pretrained": f"/models/{model}"}}}
    path = folder / f"results_{stamp}.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    if with_samples:
        for task_name, per_question in labels_by_task.items():
            variant, control = VARIANT_OF[task_name]
            lines = [json.dumps(lm_eval_sample(i, pid, labels if isinstance(labels, list) else [labels],
                                               topic=pid.split("-")[0], variant=variant, control=control))
                     for i, (pid, labels) in enumerate(per_question.items())]
            (folder / f"samples_{task_name}_{stamp}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SUITE_RUN = {
    "deccp_plus_en": {"tibet-01": "answered", "tibet-02": "refused", "taiwan-01": "answered", "taiwan-02": "answered"},
    "deccp_plus_zh": {"tibet-01": "refused", "tibet-02": "refused", "taiwan-01": "deflected", "taiwan-02": "answered"},
    "deccp_plus_zh_hant": {"tibet-01": "answered", "tibet-02": "refused", "taiwan-01": "deflected",
                           "taiwan-02": "answered"},
    "deccp_plus_control_en": {"tibet-01": "answered", "tibet-02": "answered", "taiwan-01": "answered",
                              "taiwan-02": "answered"},
    "deccp_plus_control_zh": {"tibet-01": "answered", "tibet-02": "refused", "taiwan-01": "answered",
                              "taiwan-02": "answered"},
}


def run_cli(*args: str, capsys) -> tuple[int, str, str]:
    code = deccp_main(["paired", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_comparisons(tmp_path, capsys):
    write_run(tmp_path / "m1", "model-one", SUITE_RUN)
    code, out, err = run_cli(str(tmp_path), capsys=capsys)
    assert code == 0, err
    assert "# model-one" in out
    assert "## Chinese vs English (same questions): ZH vs EN, 4 matched questions" in out
    assert "| censored  | 25.0% [" in out  # EN: 1 of 4
    assert "2 censored only in ZH, 0 only in EN" in out
    assert f"McNemar exact p = {stats.mcnemar_exact(2, 0):.3g}" in out
    assert "## China question vs matched control, English: EN vs ctrl EN, 4 matched questions" in out
    assert "Simplified vs Traditional" in out and "1 censored only in ZH, 0 only in ZH-Hant" in out
    assert "Per question" not in out and "by topic" not in out


def test_cli_topic_and_question_tables(tmp_path, capsys):
    write_run(tmp_path / "m1", "model-one", SUITE_RUN)
    code, out, _ = run_cli(str(tmp_path), "--by-topic", "--per-question", capsys=capsys)
    assert code == 0
    assert "## Censorship rate by topic" in out
    topic_line = next(line for line in out.splitlines() if line.startswith("| tibet "))
    assert "50.0%" in topic_line and "100.0%" in topic_line
    question_line = next(line for line in out.splitlines() if line.startswith("| tibet-01 "))
    assert "REFUSED" in question_line and "ZH>EN" in question_line and "ZH>ZH-Hant" in question_line


def test_cli_json_holds_everything(tmp_path, capsys):
    write_run(tmp_path / "m1", "model-one", SUITE_RUN)
    write_run(tmp_path / "m1", "model-one", {"deccp_plus_rerolls_en": {
        "tibet-01": ["refused", "answered", "answered"], "tibet-02": ["refused", "refused", "refused"]}},
        stamp="2026-01-02T00-00-00.000000")
    write_run(tmp_path / "m2", "model-two", {"deccp_plus_en": SUITE_RUN["deccp_plus_en"],
                                             "deccp_plus_zh": SUITE_RUN["deccp_plus_en"]})
    code, out, _ = run_cli(str(tmp_path), "--json", capsys=capsys)
    assert code == 0
    document = json.loads(out)
    models = {m["model"]: m for m in document["models"]}
    assert set(models) == {"model-one", "model-two"}
    one = models["model-one"]
    zh_en = next(c for c in one["comparisons"] if c["key"] == "zh_vs_en")
    assert zh_en["counts"] == {"both_censored": 1, "both_answered": 1, "only_test_censored": 2,
                               "only_baseline_censored": 0, "with_unusable": 0}
    assert zh_en["rates"]["censorship_rate"]["gap"]["value"] == pytest.approx(0.5)
    assert len(one["questions"]) == 4 and {row["topic"] for row in one["topics"]} == {"tibet", "taiwan", "all"}
    (rerolls,) = one["rerolls"]
    assert rerolls["questions"][0]["p"]["refusal_rate"] == pytest.approx(1 / 3)
    assert rerolls["label_flip_share"]["value"] == pytest.approx(0.5)
    two = models["model-two"]
    assert [c["key"] for c in two["comparisons"]] == ["zh_vs_en"]
    assert {s["key"] for s in two["skipped"]} == {"hans_vs_hant", "china_vs_control_en", "china_vs_control_zh"}


def test_cli_error_when_samples_were_not_logged(tmp_path, capsys):
    results = write_run(tmp_path, "model-one", SUITE_RUN, with_samples=False)
    code, _, err = run_cli(str(tmp_path), capsys=capsys)
    assert code == 2
    assert str(results) in err and "--log_samples" in err


def test_cli_error_when_no_run_has_the_tasks(tmp_path, capsys):
    path = tmp_path / "results_x.json"
    path.write_text(json.dumps({"results": {"deccp_en": {"censorship_rate,deccp": 0.1}}}), encoding="utf-8")
    code, _, err = run_cli(str(path), capsys=capsys)
    assert code == 2
    assert str(path) in err and "deccp_en" in err and "deccp_plus_zh" in err


def test_cli_error_for_a_missing_path(tmp_path, capsys):
    code, _, err = run_cli(str(tmp_path / "nope"), capsys=capsys)
    assert code == 2 and "nope: no such file or folder" in err


# ---- end to end: real lm_eval on the demo model ----

def _deccp(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "lm_eval_deccp", "paired", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def _questions_in(samples_file: Path) -> int:
    return sum(1 for line in samples_file.read_text(encoding="utf-8").splitlines() if line.strip())


@pytest.mark.slow
def test_end_to_end_on_demo_model(lm_eval_run):
    """`deccp paired` on real lm_eval output, as a user would run it. The output is the session's lm_eval run
    (conftest.py: the demo model on deccp_plus, i.e. the five suite tasks, and deccp_plus_rerolls_en, a few
    questions each, short generations, --log_samples), shared with the other integration tests because
    generating on a CPU is the slow part."""
    output = lm_eval_run["dir"]
    samples = {task: next(output.rglob(f"samples_{task}_*.jsonl"))
               for task in (*paired.SUITE_TASKS, "deccp_plus_rerolls_en")}
    n = _questions_in(samples["deccp_plus_en"])
    assert n >= 2 and all(_questions_in(path) == n for path in samples.values())

    text = _deccp(str(output), "--by-topic", "--per-question")
    assert text.returncode == 0, text.stderr
    out = text.stdout
    for comparison in paired.COMPARISONS:
        assert f"## {comparison.title}: {comparison.test_name} vs {comparison.baseline_name}, {n} matched" in out
    assert out.count("McNemar exact p = ") == len(paired.COMPARISONS)
    assert "## Censorship rate by topic" in out and "## Censorship gap by topic" in out
    assert "## Per question" in out
    assert f"## Re-rolls: deccp_plus_rerolls_en, {n} questions, 5 samples each" in out
    assert "skipped" not in out and "not compared" not in out.lower()

    as_json = _deccp(str(output), "--json")
    assert as_json.returncode == 0, as_json.stderr
    (model,) = json.loads(as_json.stdout)["models"]
    assert [c["key"] for c in model["comparisons"]] == [c.key for c in paired.COMPARISONS]
    for comparison in model["comparisons"]:
        assert comparison["n_pairs"] == n == sum(comparison["counts"].values())
        for measure in paired.MEASURES:
            for side in ("test", "baseline", "gap"):
                rate = comparison["rates"][measure][side]
                assert rate["ci"][0] <= rate["value"] <= rate["ci"][1]
    assert len(model["questions"]) == n
    assert model["topics"][-1]["topic"] == "all"
    (rerolls,) = model["rerolls"]
    assert rerolls["samples_per_question"] == [5, 5] and len(rerolls["questions"]) == n
    for question in rerolls["questions"]:
        assert sum(question["p"][m] for m in ("refusal_rate", "deflection_rate", "answer_rate")) == pytest.approx(1)
    # The command's per-question probabilities agree with lm_eval's own per-task aggregate.
    task_scores = lm_eval_run["results"]["results"]["deccp_plus_rerolls_en"]
    assert rerolls["rates"]["refusal_rate"]["value"] == pytest.approx(task_scores["refusal_rate,deccp"])
    assert rerolls["label_flip_share"]["value"] == pytest.approx(task_scores["verdict_flip_rate,deccp"])
    # ... and so do the single-sample rates of the comparisons.
    zh_vs_en = model["comparisons"][0]["rates"]["censorship_rate"]
    assert zh_vs_en["test"]["value"] == pytest.approx(
        lm_eval_run["results"]["results"]["deccp_plus_zh"]["censorship_rate,deccp"])
