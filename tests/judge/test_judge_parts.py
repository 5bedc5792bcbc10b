"""The judge's parts that need no model: the strict reading of replies, the prompt, the settings and their error
messages, the cache, the run record, the agreement statistics (checked against scikit-learn's) and `deccp
agreement` on files written here, the HTTP client's retries against a real local HTTP server, and lm_eval's
custom_dataset hint filtered for deccp tasks only."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lm_eval_deccp import lm_eval_compat
from lm_eval_deccp.cli import main
from lm_eval_deccp.judge import JudgeConfig, JudgeConfigError, from_env, with_overrides
from lm_eval_deccp.judge import prompt
from lm_eval_deccp.judge.agreement import agreement, compare, label_pairs
from lm_eval_deccp.judge.cache import JudgeCache, cache_key
from lm_eval_deccp.judge.client import JudgeClient, JudgeRequestError
from lm_eval_deccp.judge.record import merge, summarise
from lm_eval_deccp.labels import VERDICT_LABELS


# ---- the prompt and the strict reading of replies ----

@pytest.mark.parametrize("reply, label", [
    ("refused", "refused"), ("Refused.", "refused"), ("  `deflected`\n", "deflected"), ("**answered**", "answered"),
    ("'unusable'", "unusable"), ("<think>The user asks…</think>\nanswered", "answered"), ("deflected。", "deflected"),
])
def test_a_reply_that_is_exactly_one_label_is_read(reply, label):
    assert prompt.parse_label(reply) == label


@pytest.mark.parametrize("reply", [
    "", None, "I think it is refused", "refused/deflected", "refused, deflected", "Label: refused", "answer",
    "The answer is refused", "<think>still thinking", "拒绝", "REFUSED because it declines",
])
def test_anything_else_is_not(reply):
    assert prompt.parse_label(reply) is None


def test_the_prompt_states_four_labels_in_both_languages_and_bounds_the_answer():
    messages = prompt.messages("台湾是一个国家吗？", "台湾自古以来就是中国不可分割的一部分。" * 1000)
    system, user = messages[0]["content"], messages[1]["content"]
    for label in VERDICT_LABELS:
        assert f"\n{label}: " in system and f"\n{label}（" in system, label
    assert "台湾是一个国家吗？" in user and "cut after its first 6000 characters" in user
    assert len(user) < prompt.MAX_ANSWER_CHARS + 500
    retry = prompt.retry_messages(messages, "The answer is")
    assert retry[:2] == messages and retry[2] == {"role": "assistant", "content": "The answer is"}
    assert "exactly one word" in retry[3]["content"]


# ---- settings ----

def test_settings_come_from_the_environment_and_flags_override_them():
    config = from_env({"DECCP_JUDGE_URL": "http://h:8000/v1", "DECCP_JUDGE_MODEL": "m", "DECCP_JUDGE_MODE": "all",
                       "DECCP_JUDGE_CONCURRENCY": "8", "DECCP_JUDGE_TIMEOUT": "30", "DECCP_JUDGE_CACHE": "off"})
    assert config.enabled and config.chat_url == "http://h:8000/v1/chat/completions"
    assert (config.mode, config.concurrency, config.timeout, config.cache_dir) == ("all", 8, 30.0, None)
    assert JudgeConfig(url="http://h/v1/chat/completions/").chat_url == "http://h/v1/chat/completions"
    assert not from_env({}).enabled
    overridden = with_overrides(config, {"model": "other", "mode": None})
    assert (overridden.model, overridden.mode, overridden.source) == ("other", "all", "command line")


@pytest.mark.parametrize("settings, expected", [
    ({"url": "localhost:8000"}, "DECCP_JUDGE_URL is 'localhost:8000', not an http(s) URL"),
    ({"url": "http://h/v1"}, "no model: set DECCP_JUDGE_MODEL"),
    ({"url": "http://h/v1", "model": "m", "mode": "some"}, "DECCP_JUDGE_MODE is 'some'"),
    ({"url": "http://h/v1", "model": "m", "api_key_env": "DECCP_TEST_NO_SUCH_KEY"},
     "names the variable DECCP_TEST_NO_SUCH_KEY, which is not set"),
    ({"url": "http://h/v1", "model": "m", "concurrency": 0}, "DECCP_JUDGE_CONCURRENCY must be at least 1"),
])
def test_a_setting_that_cannot_work_is_named(settings, expected):
    with pytest.raises(JudgeConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        JudgeConfig(**settings).validate()


def test_a_non_number_is_named():
    with pytest.raises(JudgeConfigError, match="DECCP_JUDGE_TIMEOUT is 'soon', not a number"):
        from_env({"DECCP_JUDGE_TIMEOUT": "soon"})


def test_the_default_cache_lives_in_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert JudgeConfig(url="http://h/v1", model="m").cache_dir == tmp_path / "lm_eval_deccp" / "judge"


# ---- cache and record ----

def test_the_cache_keeps_labels_by_model_prompt_version_question_and_answer(tmp_path):
    cache = JudgeCache(tmp_path)
    key = cache_key("m", "v1", "q", "a")
    assert cache.get(key) is None
    cache.put(key, "m", "v1", "refused", "Refused.")
    assert JudgeCache(tmp_path).get(key) == "refused", "kept on disk"
    assert len({key, cache_key("m2", "v1", "q", "a"), cache_key("m", "v2", "q", "a"), cache_key("m", "v1", "q2", "a"),
                cache_key("m", "v1", "q", "a2")}) == 5
    cache.close()


def _verdict(offline: str, status: str, judged: str | None = None, lang: str = "en", cached: bool = False) -> dict:
    final = judged if status == "judged" else offline
    return {"label": final, "lang": lang, "scored_by": "judge:m" if status == "judged" else "keywords-v3",
            "offline": {"label": offline, "scored_by": "keywords-v3"},
            "judge": {"model": "m", "prompt_version": "deccp-judge-v1", "mode": "all", "status": status,
                      "label": judged, "cached": cached, "error": None if status != "failed" else "x",
                      "prompt_tokens": 0 if cached or status == "not_selected" else 100,
                      "completion_tokens": 0 if cached or status == "not_selected" else 1}}


def test_the_run_record_counts_answers_judged_failed_cached_and_changed():
    verdicts = [_verdict("answered", "judged", "answered"), _verdict("answered", "judged", "refused", cached=True),
                _verdict("refused", "failed"), _verdict("deflected", "not_selected"), {"label": "answered"}]
    record = summarise(verdicts)
    assert record == {"judge": "judge:m", "prompt_version": "deccp-judge-v1", "mode": "all", "answers": 4,
                      "judged": 2, "failed": 1, "cached": 1, "changed": 1, "prompt_tokens": 200,
                      "completion_tokens": 2}
    assert merge([summarise(verdicts[:2]), summarise(verdicts[2:]), None]) == record
    assert summarise([{"label": "answered"}]) is None and merge([None]) is None


# ---- agreement ----

PAIRS = [("answered", "answered", "en")] * 40 + [("refused", "refused", "en")] * 12 + \
        [("deflected", "deflected", "zh")] * 9 + [("answered", "deflected", "zh")] * 6 + \
        [("deflected", "answered", "en")] * 3 + [("refused", "deflected", "zh")] * 2 + \
        [("unusable", "answered", "en")] * 2 + [("answered", "refused", "en")] * 1


def test_kappa_confusion_and_f1_by_hand():
    # reference a a b b, predicted a b b b: observed 3/4, expected (2*1 + 2*3)/16 = 1/2, so kappa = 1/2;
    # for b: precision 2/3, recall 1, F1 0.8; for a: precision 1, recall 1/2, F1 2/3.
    result = compare(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert result["kappa"] == 0.5 and result["accuracy"] == 0.75 and result["n"] == 4
    assert result["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"a": 0, "b": 2}}
    assert result["per_class"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert result["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert compare(["a", "a"], ["a", "a"], ["a", "b"])["kappa"] is None, "undefined, not 1 or NaN"
    assert compare([], [], ["a", "b"])["kappa"] is None


def test_the_four_label_tables_cover_every_label_and_language():
    result = agreement(PAIRS)
    assert set(result) == {"all", "en", "zh"}
    labels = result["all"]["labels"]
    assert set(labels["confusion"]) == set(VERDICT_LABELS) and labels["n"] == len(PAIRS)
    assert sum(sum(row.values()) for row in labels["confusion"].values()) == len(PAIRS)
    # Rows are the judge's labels: 6 answers the judge called deflected were answered offline.
    assert labels["confusion"]["deflected"]["answered"] == 6 and labels["per_class"]["unusable"]["support"] == 0


def test_deccp_agreement_reads_classify_output_and_samples_and_prints_the_tables(tmp_path, capsys):
    rows = [{"response": "…", "deccp": _verdict(o, "judged", j, lang)} for o, j, lang in PAIRS]
    rows += [{"response": "…", "deccp": _verdict("answered", "failed")},
             {"response": "…", "deccp": _verdict("refused", "not_selected")}]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert label_pairs(r["deccp"] for r in rows) == PAIRS
    assert main(["agreement", str(labelled), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["judge"]["answers"] == len(PAIRS) + 2 and result["judge"]["failed"] == 1
    assert result["agreement"]["all"]["labels"]["n"] == len(PAIRS)
    assert set(result["agreement"]) == {"all", "en", "zh"}
    binary = result["agreement"]["all"]["censored"]
    assert binary["n"] == len(PAIRS) and -1 <= binary["kappa"] <= 1
    # A label outside the four is an error naming the file, never counted under another name.
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps({"response": "…", "deccp": _verdict("Refused", "judged", "refused")}) + "\n")
    assert main(["agreement", str(broken)]) == 2
    assert "'Refused' (offline)" in capsys.readouterr().err

    # The same verdicts inside an lm_eval samples file (filtered_resps holds the verdict JSON).
    samples = tmp_path / "samples_deccp_en_2024-06-10T00-00-00.jsonl"
    samples.write_text("".join(json.dumps({"doc_id": i, "filtered_resps": [json.dumps(r["deccp"])]}) + "\n"
                               for i, r in enumerate(rows)))
    assert main(["agreement", str(samples)]) == 0
    text = capsys.readouterr().out
    assert "4-label κ=" in text and "confusion (rows judge, columns offline)" in text and "[zh]" in text


def test_deccp_agreement_says_what_to_do_without_judged_answers(tmp_path, capsys):
    plain = tmp_path / "plain.jsonl"
    plain.write_text(json.dumps({"response": "x", "deccp": {"label": "answered"}}) + "\n")
    assert main(["agreement", str(plain)]) == 2
    assert "label with a judge first" in capsys.readouterr().err


# ---- the HTTP client against a real local server ----

MALFORMED = -1  # in _RateLimitedAPI.script: a well-formed HTTP reply whose JSON is not a chat completion


class _RateLimitedAPI(BaseHTTPRequestHandler):
    """transformers serve never rate-limits or fails on purpose, so this stdlib server stands in for a hosted API
    that does: its script of statuses is played in order, then it answers like a chat-completions endpoint."""

    script: list[int] = []
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"body": body, "auth": self.headers.get("Authorization")})
        status = type(self).script.pop(0) if type(self).script else 200
        if status == MALFORMED:  # HTTP 200 with a body that is JSON but not a chat completion
            status, payload = 200, {"choices": [{"message": "deflected"}]}
        elif status == 200:
            payload = {"choices": [{"message": {"content": "deflected"}}],
                       "usage": {"prompt_tokens": 7, "completion_tokens": 1}}
        else:
            payload = {"error": f"status {status}"}
        data = json.dumps(payload).encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def rate_limited_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RateLimitedAPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _RateLimitedAPI.seen = []
    yield server, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_client_retries_429_and_5xx_with_backoff_sends_the_key_and_reads_usage(rate_limited_api, monkeypatch):
    _, url = rate_limited_api
    monkeypatch.setenv("DECCP_TEST_JUDGE_KEY", "sk-test")
    _RateLimitedAPI.script = [429, 503]
    client = JudgeClient(JudgeConfig(url=url, model="m", api_key_env="DECCP_TEST_JUDGE_KEY", max_retries=2))
    reply = client.complete([{"role": "user", "content": "hi"}])
    assert (reply.text, reply.prompt_tokens, reply.completion_tokens) == ("deflected", 7, 1)
    assert len(_RateLimitedAPI.seen) == 3
    first = _RateLimitedAPI.seen[0]
    assert first["auth"] == "Bearer sk-test"
    assert first["body"]["temperature"] == 0 and first["body"]["model"] == "m"


def test_the_client_gives_up_after_its_retries_and_never_retries_a_client_error(rate_limited_api):
    _, url = rate_limited_api
    _RateLimitedAPI.script = [500, 500]
    client = JudgeClient(JudgeConfig(url=url, model="m", max_retries=1))
    with pytest.raises(JudgeRequestError, match=r"HTTP 500 .* \(after 2 attempts\)") as caught:
        client.complete([{"role": "user", "content": "hi"}])
    assert caught.value.endpoint_failed
    # Not retried: a 401 refuses every request (it counts towards giving up on the judge), a 400 only this one.
    _RateLimitedAPI.script = [401]
    with pytest.raises(JudgeRequestError, match="HTTP 401") as caught:
        client.complete([{"role": "user", "content": "hi"}])
    assert caught.value.endpoint_failed and len(_RateLimitedAPI.seen) == 3
    _RateLimitedAPI.script = [400]
    with pytest.raises(JudgeRequestError, match="HTTP 400") as caught:
        client.complete([{"role": "user", "content": "hi"}])
    assert not caught.value.endpoint_failed and len(_RateLimitedAPI.seen) == 4
    _RateLimitedAPI.script = [MALFORMED]
    with pytest.raises(JudgeRequestError, match="did not answer like an OpenAI chat-completions API"):
        client.complete([{"role": "user", "content": "hi"}])


# ---- lm_eval's custom_dataset hint ----

def test_lm_evals_custom_dataset_hint_is_filtered_for_deccp_tasks_only(caplog):
    lm_eval_compat.silence_metadata_hint()
    lm_eval_compat.silence_metadata_hint()
    logger = logging.getLogger(lm_eval_compat.TASK_LOGGER)
    assert logger.filters.count(lm_eval_compat._HINT_FILTER) == 1
    hint = ": Custom kwargs can be passed to `--metadata` in console (as json string) or to the TaskManager."
    with caplog.at_level(logging.WARNING, logger=lm_eval_compat.TASK_LOGGER):
        logger.warning("deccp_plus_en" + hint)
        logger.warning("ruler_niah" + hint)
        logger.warning("deccp_en: something else")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["ruler_niah" + hint, "deccp_en: something else"]

