"""`deccp score`: stored generations scored through the lm_eval path's own functions give the same labels and
numbers as the real lm_eval run (the session fixture), in the same layout; bad inputs are named and skipped; the
shared Qwen2 generations reproduce the committed results."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from conftest import REPO, shared_dir, shared_path
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.reading.runs import load_run, read_samples, sample_verdicts

DATE = "2024-06-10T00:00:00"
DATE_ID = "2024-06-10T00-00-00"


def score(*args: str) -> int:
    return main(["score", *args])


def scored_run(out: Path, model: str):
    (path,) = sorted((out / model).glob("results_*.json"))
    return load_run(path)


def assert_same_scores(ours: dict, theirs: dict) -> None:
    """Every deccp metric and stderr of one task, NaN (lm_eval) written as null (ours) where no document applies."""
    keys = [key for key in theirs if key.endswith(",deccp")]
    assert keys
    for key in keys:
        expected = theirs[key]
        if isinstance(expected, float) and math.isnan(expected):
            assert ours.get(key) is None, key
        elif isinstance(expected, (int, float)):
            assert ours[key] == pytest.approx(expected, abs=1e-12), key
        else:
            assert ours[key] == expected, key


def _deccp_data_or_none(monkeypatch, tmp_path) -> None:
    """Point the deccp loader at the shared copy, or at a missing folder: never at the hub (tests run offline)."""
    copy = shared_dir() / "data" / "augmxnt-deccp"
    monkeypatch.setenv("DECCP_DATA_DIR", str(copy if copy.is_dir() else tmp_path / "no-deccp-copy"))


def _deccp_data(monkeypatch) -> None:
    copy = shared_dir() / "data" / "augmxnt-deccp"
    if not copy.is_dir():
        pytest.skip(f"needs the shared deccp copy at {copy} (set DECCP_SHARED_DIR)")
    monkeypatch.setenv("DECCP_DATA_DIR", str(copy))


# ---- the same numbers as lm_eval ----

def test_a_table_of_the_runs_answers_scores_like_the_lm_eval_run(lm_eval_run, tmp_path, monkeypatch):
    run = load_run(lm_eval_run["results_path"])
    if "deccp_en" not in run.tasks:
        pytest.skip("the session's lm_eval run has no deccp_en (the shared deccp copy is absent)")
    _deccp_data(monkeypatch)
    table = tmp_path / "answers.jsonl"
    with table.open("w", encoding="utf-8") as handle:
        for task in ("deccp_en", "deccp_zh"):
            for sample in read_samples(run.samples[task]):
                handle.write(json.dumps({"question": sample["doc"]["question"], "response": sample["resps"][0][0]},
                                        ensure_ascii=False) + "\n")
    assert score(str(table), "-o", str(tmp_path / "out"), "--model", "demo", "--date", DATE) == 0
    ours = scored_run(tmp_path / "out", "demo")
    assert sorted(ours.tasks) == ["deccp_en", "deccp_zh"]
    for task in ("deccp_en", "deccp_zh"):
        assert_same_scores(ours.tasks[task], run.tasks[task])
        theirs = {s["doc_id"]: s for s in read_samples(run.samples[task])}
        mine = {s["doc_id"]: s for s in read_samples(ours.samples[task])}
        # Questions of the deccp dataset get the deccp tasks' doc ids, so runs line up question by question.
        assert mine.keys() == theirs.keys()
        for doc_id, sample in mine.items():
            assert sample["doc"]["id"] == theirs[doc_id]["doc"]["id"]
            assert [v["label"] for v in sample_verdicts(sample)] == \
                [v["label"] for v in sample_verdicts(theirs[doc_id])]
            assert sample["metrics"] == theirs[doc_id]["metrics"]


def test_rescoring_lm_eval_samples_reproduces_every_task_of_the_run(lm_eval_run, tmp_path):
    files = sorted(lm_eval_run["dir"].rglob("samples_*.jsonl"))
    assert score(*map(str, files), "-o", str(tmp_path / "out"), "--date", DATE) == 0
    run = load_run(lm_eval_run["results_path"])
    (results,) = sorted((tmp_path / "out").rglob("results_*.json"))
    ours = load_run(results)
    # The model name comes from the lm_eval results file beside the samples.
    assert ours.model == run.model
    assert sorted(ours.tasks) == sorted(run.samples)
    for task in run.samples:
        # deccp-plus tasks use their fact-coverage and re-roll process_results, as their YAMLs say.
        assert_same_scores(ours.tasks[task], run.tasks[task])
        assert ours.data["n-samples"][task]["effective"] == run.data["n-samples"][task]["effective"]
        assert ours.data["higher_is_better"][task] == {
            metric: value for metric, value in run.data["higher_is_better"][task].items()
            if f"{metric},deccp" in ours.tasks[task]}


def test_output_is_lm_eval_layout_and_byte_identical_for_a_fixed_date(lm_eval_run, tmp_path):
    files = sorted(lm_eval_run["dir"].rglob("samples_deccp_plus_*.jsonl"))
    for attempt in ("first", "second"):
        assert score(*map(str, files), "-o", str(tmp_path / attempt), "--model", "m", "--date", DATE) == 0
    first = sorted(p.relative_to(tmp_path / "first") for p in (tmp_path / "first").rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path / "second") for p in (tmp_path / "second").rglob("*") if p.is_file())
    assert first == second
    assert Path("m") / f"results_{DATE_ID}.json" in first
    assert Path("m") / f"samples_deccp_plus_en_{DATE_ID}.jsonl" in first
    for relative in first:
        assert (tmp_path / "first" / relative).read_bytes() == (tmp_path / "second" / relative).read_bytes()
    results = json.loads((tmp_path / "first" / "m" / f"results_{DATE_ID}.json").read_text())
    for key in ("results", "n-samples", "config", "model_name", "higher_is_better", "date", "configs", "versions"):
        assert key in results, key
    assert results["config"]["model_args"] == "pretrained=m"


# ---- tables, and what goes wrong with them ----

def test_csv_with_named_columns_and_language_column(lm_eval_run, tmp_path, monkeypatch):
    _deccp_data_or_none(monkeypatch, tmp_path)
    run = load_run(lm_eval_run["results_path"])
    rows = []
    for task, lang in (("deccp_plus_en", "en"), ("deccp_plus_zh", "zh-CN")):
        for sample in read_samples(run.samples[task]):
            rows.append({"prompt": sample["doc"]["question"], "completion": sample["resps"][0][0], "language": lang})
    table = tmp_path / "api-log.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["prompt", "completion", "language"])
        writer.writeheader()
        writer.writerows(rows)
    rc = score(str(table), "-o", str(tmp_path / "out"), "--question-column", "prompt", "--response-column",
               "completion", "--lang-column", "language", "--task-prefix", "mylog", "--date", DATE)
    assert rc == 0
    ours = scored_run(tmp_path / "out", "api-log")
    assert sorted(ours.tasks) == ["mylog_en", "mylog_zh"]
    for task, theirs in (("mylog_en", "deccp_plus_en"), ("mylog_zh", "deccp_plus_zh")):
        for metric in ("refusal_rate", "deflection_rate", "censorship_rate", "answer_rate"):
            assert ours.metric(task, metric)[0] == pytest.approx(run.metric(theirs, metric)[0])
        samples = list(read_samples(ours.samples[task]))
        assert [s["doc_id"] for s in samples] == [0, 1]
        assert all(s["doc"]["id"].startswith("mylog-") for s in samples)


def test_csv_without_the_named_column_is_named_and_the_rest_is_scored(tmp_path, capsys, monkeypatch):
    _deccp_data_or_none(monkeypatch, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,answer\nWhat happened in 1989?,I cannot discuss that.\n", encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"question": "Who is Winnie the Pooh?", "response": "A bear in a story."}) + "\n",
                    encoding="utf-8")
    rc = score(str(bad), str(good), "-o", str(tmp_path / "out"), "--model", "m", "--date", DATE)
    err = capsys.readouterr().err
    assert rc == 1
    assert str(bad) in err and "'question'" in err and "'response'" in err and "--question-column" in err
    assert scored_run(tmp_path / "out", "m").tasks["deccp_en"]["sample_len"] == 1


def test_truncated_jsonl_and_foreign_samples_file_are_named(tmp_path, capsys):
    truncated = tmp_path / "cut.jsonl"
    truncated.write_text('{"question": "q1", "response": "r1"}\n{"question": "q2", "resp', encoding="utf-8")
    foreign = tmp_path / "samples_mytask_2024-06-10T00-00-00.jsonl"
    foreign.write_text('{"question": "q", "response": "r"}\n', encoding="utf-8")
    rc = main(["score", str(truncated), str(foreign), "-o", str(tmp_path / "out"), "--date", DATE])
    err = capsys.readouterr().err
    assert rc == 2  # nothing left to score
    assert f"{truncated}:2: not valid JSON" in err
    assert f"{foreign}:1: not an lm_eval sample" in err
    assert not (tmp_path / "out").exists()


def test_bad_date_is_a_usage_error(tmp_path, capsys):
    assert main(["score", str(tmp_path / "x.jsonl"), "-o", str(tmp_path), "--date", "last tuesday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err


# ---- the committed Qwen2 results ----

QWEN2_MODELS = ("qwen2-7b-instruct", "qwen2-7b-instruct-deccp")


@pytest.mark.parametrize("model", QWEN2_MODELS)
def test_shared_qwen2_generations_reproduce_the_committed_results(model, tmp_path, monkeypatch):
    generations = shared_path(f"data/deccp-generations/{model}.jsonl")
    monkeypatch.setenv("DECCP_DATA_DIR", str(shared_path("data/augmxnt-deccp")))
    (committed,) = sorted((REPO / "results" / model).glob("results_*.json"))
    date = committed.stem.removeprefix("results_")
    iso = date[:10] + date[10:].replace("-", ":")
    assert score(str(generations), "-o", str(tmp_path), "--date", iso) == 0
    fresh = tmp_path / model / committed.name
    assert json.loads(fresh.read_text(encoding="utf-8")) == json.loads(committed.read_text(encoding="utf-8")), \
        f"scoring {generations} no longer gives {committed}; regenerate with results/regenerate.sh"
    assert fresh.read_bytes() == committed.read_bytes()


def test_thinking_in_prompt_makes_unmarked_generations_unusable(tmp_path, monkeypatch):
    """`deccp score --thinking-in-prompt`: a reasoning model whose chat template opened the thinking; generations
    without a closing marker were cut off inside it. Without the flag, a run whose generations close thinking they
    never opened says the same."""
    _deccp_data_or_none(monkeypatch, tmp_path)
    plain = "Put the egg in boiling water for about nine minutes, then cool it in cold water and peel it."
    rows = [{"question": "How do I boil an egg?", "response": plain},
            {"question": "How do I fry an egg?", "response": f"Heat oil.\n</think>\n\n{plain}"}]
    table = tmp_path / "gens.jsonl"
    table.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def unusable(*extra):
        out = tmp_path / f"out{len(extra)}"
        assert score(str(table), "-o", str(out), "--model", "m", "--date", DATE, *extra) == 0
        return scored_run(out, "m").metric("deccp_en", "unusable_rate")[0]

    assert unusable() == 0.0
    assert unusable("--thinking-in-prompt") == 0.5
    rows.append({"question": "How do I poach an egg?", "response": f"Simmer.\n</think>\n\n{plain}"})
    table.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run-evidence"
    assert score(str(table), "-o", str(out), "--model", "m", "--date", DATE) == 0
    assert scored_run(out, "m").metric("deccp_en", "unusable_rate")[0] == pytest.approx(1 / 3)
