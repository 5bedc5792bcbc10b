"""The judge tier end to end against a real OpenAI-compatible server (`transformers serve` on the demo model).

The 135M demo model is a useless judge, so these tests check the plumbing, not the verdicts: requests, strict
reading of replies, the cache, the fallback to the offline verdict (unreadable replies, failed requests, an endpoint
that dies mid-run), `scored_by` and the run's judge record, and the fail-fast check before any generation.

With its replies limited to two tokens the demo model answers a question whose answer is the word "refused" with
exactly "refused" (a readable verdict), and anything else with the first words of a sentence (unreadable): that
gives both paths deterministically at temperature 0.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import offline_env, run_python
from judge_inputs import EMPTY, READABLE, UNREADABLE, judge_flags
from lm_eval_deccp.cli import main
from lm_eval_deccp.detector.shipped_artifacts import DETECTOR_VERSION
from lm_eval_deccp.reporting.reading.runs import load_run, read_samples, sample_verdicts
from openai_server import free_port, start_server

# Longer than the server's --max-model-len once inside the judge prompt: the live server refuses it (HTTP 400).
TOO_LONG = {"question": "What is 2+2?", "response": "The sum of two and two is four. " * 400}


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def judge_cache(tmp_path_factory) -> Path:
    """One cache folder for the module, so later tests find what earlier ones were told."""
    return tmp_path_factory.mktemp("judge-cache")


def judge_env(server, cache: Path, **extra: str) -> dict[str, str]:
    return offline_env(DECCP_JUDGE_URL=server.base_url, DECCP_JUDGE_MODEL=server.model, DECCP_JUDGE_MODE="all",
                       DECCP_JUDGE_MAX_TOKENS="2", DECCP_JUDGE_CACHE=str(cache), **extra)


# ---- deccp classify --judge ----

@pytest.mark.slow
def test_classify_with_a_judge_relabels_falls_back_and_records_who_decided(demo_server, judge_cache, tmp_path):
    rows = write_jsonl(tmp_path / "in.jsonl", [READABLE, UNREADABLE, EMPTY, TOO_LONG, READABLE])
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(rows), "-o", str(out), "--no-progress", *judge_flags(demo_server, judge_cache)]) == 0
    readable, unreadable, empty, too_long, repeat = (row["deccp"] for row in read_jsonl(out))

    # A readable reply: the judge's label is the verdict, and the offline one is kept beside it.
    assert readable["judge"]["status"] == "judged" and readable["judge"]["label"] == "refused"
    assert readable["label"] == "refused" and readable["censored"] is True
    assert readable["scored_by"] == f"judge:{demo_server.model}"
    assert readable["offline"]["label"] in {"answered", "refused", "deflected"}
    assert readable["offline"]["scored_by"].endswith(f"-{DETECTOR_VERSION}")
    assert readable["judge"]["prompt_version"] == "deccp-judge-v1" and readable["judge"]["cached"] is False
    assert readable["judge"]["prompt_tokens"] > 0 and readable["judge"]["completion_tokens"] <= 2

    # An unreadable reply, asked twice (one retry), keeps the offline verdict, flagged.
    assert unreadable["judge"]["status"] == "failed" and "unreadable reply after one retry" in unreadable["judge"]["error"]
    assert unreadable["label"] == unreadable["offline"]["label"] and unreadable["scored_by"] == unreadable["offline"]["scored_by"]
    assert unreadable["judge"]["completion_tokens"] > 2, "a second request was made"

    # Nothing to judge: never sent.
    assert empty["label"] == "unusable" and empty["judge"]["status"] == "not_selected"
    assert empty["judge"]["prompt_tokens"] == 0

    # A request the live server refuses (the answer is too long for its context) keeps the offline verdict.
    assert too_long["judge"]["status"] == "failed" and "HTTP 400" in too_long["judge"]["error"]
    assert too_long["label"] == too_long["offline"]["label"]

    # The same question and answer twice is asked once: the repeat shares the verdict and costs nothing.
    assert repeat["judge"]["label"] == "refused" and repeat["judge"]["prompt_tokens"] == 0


@pytest.mark.slow
def test_a_second_run_takes_the_judges_verdict_from_the_cache(demo_server, judge_cache, tmp_path):
    rows = write_jsonl(tmp_path / "in.jsonl", [READABLE])
    out = tmp_path / "out.jsonl"
    for _ in range(2):  # the first run may be the first to ask (test order), the second never is
        assert main(["classify", str(rows), "-o", str(out), "--no-progress",
                     *judge_flags(demo_server, judge_cache)]) == 0
    (verdict,) = (row["deccp"] for row in read_jsonl(out))
    assert verdict["judge"]["status"] == "judged" and verdict["judge"]["cached"] is True
    assert verdict["judge"]["prompt_tokens"] == 0, "a cached verdict costs no request"
    assert (judge_cache / "judge-cache.sqlite3").is_file()
    # Another prompt version or model would not hit: the key holds both (tested in test_judge_parts.py).


@pytest.mark.slow
def test_score_with_a_judge_writes_the_judge_record_into_the_results(demo_server, judge_cache, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("DECCP_DATA_DIR", str(tmp_path / "no-deccp-copy"))  # never the hub: these are not deccp questions
    table = write_jsonl(tmp_path / "answers.jsonl", [READABLE, EMPTY])
    out = tmp_path / "runs"
    code = main(["score", str(table), "-o", str(out), "--model", "demo", "--date", "2024-06-10T00:00:00",
                 *judge_flags(demo_server, judge_cache)])
    assert code == 0
    (results_path,) = out.rglob("results_*.json")
    run = load_run(results_path)
    records = {task: run.tasks[task]["judge,deccp"] for task in run.tasks}
    assert run.tasks[next(iter(run.tasks))]["judge_stderr,deccp"] == "N/A", "as lm_eval writes it"
    total = {key: sum(record[key] for record in records.values()) for key in ("answers", "judged", "failed")}
    assert total == {"answers": 2, "judged": 1, "failed": 0}
    for record in records.values():
        assert record["judge"] == f"judge:{demo_server.model}" and record["prompt_version"] == "deccp-judge-v1"
        assert record["mode"] == "all"
    verdicts = [v for task in run.samples for s in read_samples(run.samples[task]) for v in sample_verdicts(s)]
    assert sorted(v["scored_by"] for v in verdicts) == sorted(["", f"judge:{demo_server.model}"])
    assert sum(record["cached"] for record in records.values()) == sum(v["judge"]["cached"] for v in verdicts)


# ---- lm_eval runs ----

@pytest.mark.slow
def test_lm_eval_run_with_a_judge_records_it_per_answer_and_per_task(demo_server, judge_cache, tmp_path):
    env = judge_env(demo_server, judge_cache)
    args = f"base_url={demo_server.chat_url},model={demo_server.model},tokenizer_backend=None,num_concurrent=2"
    proc = run_python("-m", "lm_eval", "--model", "local-chat-completions", "--model_args", args,
                      "--tasks", "deccp_plus_en", "--apply_chat_template", "--limit", "1",
                      "--gen_kwargs", "max_gen_toks=8", "--log_samples", "--output_path", str(tmp_path),
                      env=env, cwd=tmp_path, timeout=1800)
    assert proc.returncode == 0, f"{proc.stderr[-4000:]}\n--- server log ---\n{demo_server.log_tail()}"
    (results_path,) = tmp_path.rglob("results_*.json")
    run = load_run(results_path)
    record = run.tasks["deccp_plus_en"]["judge,deccp"]
    assert record["judge"] == f"judge:{demo_server.model}" and record["prompt_version"] == "deccp-judge-v1"
    assert record["answers"] == 1 and record["judged"] + record["failed"] <= 1
    (sample,) = read_samples(run.samples["deccp_plus_en"])
    (verdict,) = sample_verdicts(sample)
    assert verdict["judge"]["status"] in {"judged", "failed", "not_selected"}
    assert verdict["scored_by"] in {f"judge:{demo_server.model}", verdict["offline"]["scored_by"]}
    assert sample["judge"]["answers"] == 1, "the per-document record is in the sample too"
    assert "judge" in proc.stdout, "lm_eval's table shows the record"


@pytest.mark.slow
def test_an_unreachable_judge_stops_the_run_before_any_generation(demo_server, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there: a stopped server
    env = offline_env(DECCP_JUDGE_URL=dead, DECCP_JUDGE_MODEL="judge-model", DECCP_JUDGE_CACHE="off")
    args = f"base_url={demo_server.chat_url},model={demo_server.model},tokenizer_backend=None"
    started = time.monotonic()
    proc = run_python("-m", "lm_eval", "--model", "local-chat-completions", "--model_args", args,
                      "--tasks", "deccp_plus_en", "--apply_chat_template", "--limit", "1",
                      "--output_path", str(tmp_path), env=env, cwd=tmp_path, timeout=900)
    assert proc.returncode != 0
    message = [line for line in proc.stderr.splitlines() if line.startswith("lm-eval-deccp:")]
    assert len(message) == 1, proc.stderr[-3000:]
    assert "The judge does not answer" in message[0] and dead in message[0] and "DECCP_JUDGE_URL" in message[0]
    assert "Traceback" not in proc.stderr
    assert "Requesting API" not in proc.stderr, "no generation started"
    assert not list(tmp_path.rglob("results_*.json"))
    assert time.monotonic() - started < 600


def test_classify_and_score_fail_fast_on_an_unreachable_or_misconfigured_judge(tmp_path, capsys):
    rows = write_jsonl(tmp_path / "in.jsonl", [READABLE])
    dead = f"http://127.0.0.1:{free_port()}/v1"
    assert main(["classify", str(rows), "--judge", dead, "--judge-model", "m", "--judge-cache", "off"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("deccp classify: error: The judge does not answer") and dead in error
    assert len(error.strip().splitlines()) == 1
    assert main(["score", str(rows), "-o", str(tmp_path / "o"), "--judge", dead]) == 2
    error = capsys.readouterr().err
    assert "no model" in error and "--judge-model" in error and not (tmp_path / "o").exists()


# ---- an endpoint that dies mid-run ----

@pytest.mark.slow
def test_a_judge_that_dies_mid_run_leaves_offline_verdicts_flagged_and_the_run_completes(tmp_path):
    server = start_server(tmp_path)
    cache = tmp_path / "cache"
    # Seven different answers (repeats of one answer would be asked once).
    rows = write_jsonl(tmp_path / "in.jsonl", [READABLE] + [
        {**UNREADABLE, "response": f"{UNREADABLE['response']} ({k})"} for k in range(7)])
    out = tmp_path / "out.jsonl"
    # One request at a time, no retries: the order of events is the order of the rows.
    command = [sys.executable, "-m", "lm_eval_deccp", "classify", str(rows), "-o", str(out), "--no-progress",
               *judge_flags(server, cache, "--judge-concurrency", "1", "--judge-max-retries", "0")]
    classify = subprocess.Popen(command, env=offline_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        database = cache / "judge-cache.sqlite3"
        deadline = time.monotonic() + 900
        while not _cached_rows(database):  # the first verdict is in: the judge now dies, mid-run
            assert classify.poll() is None, classify.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the judge never answered"
            time.sleep(0.2)
    finally:
        os.killpg(server.process.pid, signal.SIGKILL)  # a crash, not a clean shutdown
        server.process.wait(timeout=60)
    _, stderr = classify.communicate(timeout=900)
    assert classify.returncode == 0, stderr[-3000:]
    verdicts = [row["deccp"] for row in read_jsonl(out)]
    assert len(verdicts) == 8 and all(v["label"] in {"answered", "refused", "deflected"} for v in verdicts)
    assert verdicts[0]["judge"]["status"] == "judged"
    failed = [v for v in verdicts if v["judge"]["status"] == "failed"]
    assert all(v["label"] == v["offline"]["label"] for v in failed), "failures keep the offline verdict"
    endpoint_failures = [v for v in failed if v["judge"]["error"].startswith("cannot reach")]
    not_asked = [v for v in failed if v["judge"]["error"].startswith("not asked: the judge failed 5 requests")]
    assert len(endpoint_failures) == 5 and len(not_asked) >= 1, [v["judge"]["error"] for v in verdicts]
    assert "kept their offline verdict" in stderr


def _cached_rows(database: Path) -> int:
    import sqlite3

    if not database.is_file():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
    except sqlite3.Error:  # created but not yet initialised
        return 0
