"""Generation through an OpenAI-compatible endpoint: the bare `lm_eval --model local-chat-completions … --tasks
deccp_en,deccp_zh` runs against a real local server (`transformers serve` on the demo model) with no eos_string or
other workaround, because the deccp tasks keep lm_eval's API models from sending an empty stop list
(lm_eval_compat.py); lm_eval's own generic custom_dataset hint is no longer printed for deccp tasks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import offline_env, run_python, shared_dir
from lm_eval_deccp import lm_eval_compat
from lm_eval_deccp.reporting.reading.runs import load_run, read_samples, sample_verdicts

LIMIT = 2
MAX_GEN_TOKS = 16


def _tasks_and_env() -> tuple[list[str], dict[str, str]]:
    """deccp_en and deccp_zh when the shared copy of augmxnt/deccp is there, else the bundled suite's EN/ZH tasks."""
    env = offline_env()
    copy = shared_dir() / "data" / "augmxnt-deccp"
    if copy.is_dir():
        env["DECCP_DATA_DIR"] = str(copy)
        return ["deccp_en", "deccp_zh"], env
    return ["deccp_plus_en", "deccp_plus_zh"], env


def lm_eval_api_run(server, out, tasks, env, model_args: str = "", extra=()):
    args = f"base_url={server.chat_url},model={server.model},tokenizer_backend=None" + model_args
    return run_python("-m", "lm_eval", "--model", "local-chat-completions", "--model_args", args,
                      "--tasks", ",".join(tasks), "--apply_chat_template", "--limit", str(LIMIT),
                      "--gen_kwargs", f"max_gen_toks={MAX_GEN_TOKS}", "--log_samples", "--output_path", str(out),
                      *extra, env=env, cwd=out, timeout=1800)


def test_the_server_rejects_an_empty_stop_list(demo_server):
    """Why the fix exists: the request lm_eval builds from `until: []` without an EOS string fails here."""
    body = {"model": demo_server.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1,
            "stop": []}
    request = urllib.request.Request(demo_server.chat_url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=120)
    assert caught.value.code >= 400
    assert "stop string" in caught.value.read().decode().lower()


def test_lm_evals_api_models_leave_out_an_empty_stop_list_and_keep_a_real_one():
    from lm_eval.models.openai_completions import LocalChatCompletion, LocalCompletionsAPI

    chat = LocalChatCompletion(base_url="http://127.0.0.1:9/v1/chat/completions", model="m", tokenizer_backend=None)
    completions = LocalCompletionsAPI(base_url="http://127.0.0.1:9/v1/completions", model="m",
                                      tokenizer_backend=None)
    messages = [{"role": "user", "content": "Hi"}]
    # lm_eval's own request builder sends "stop": [] for `until: []` when it knows no EOS string.
    unpatched = getattr(LocalChatCompletion._create_payload, "__wrapped__", LocalChatCompletion._create_payload)
    assert unpatched(chat, messages, generate=True, gen_kwargs={"until": []}, eos=None)["stop"] == []
    assert lm_eval_compat.omit_empty_stop_lists()
    assert lm_eval_compat.omit_empty_stop_lists(), "idempotent"
    for model, prompt in ((chat, messages), (completions, "Hi")):
        payload = model._create_payload(prompt, generate=True, gen_kwargs={"until": [], "max_gen_toks": 8}, eos=None)
        assert "stop" not in payload and payload["max_tokens"] == 8
        payload = model._create_payload(prompt, generate=True, gen_kwargs={"until": ["\n\n"]}, eos="</s>")
        assert payload["stop"] == ["\n\n", "</s>"], "a real stop list is sent as lm_eval builds it"


@pytest.mark.slow
def test_bare_local_chat_completions_run_of_the_deccp_tasks(demo_server, tmp_path):
    tasks, env = _tasks_and_env()
    proc = lm_eval_api_run(demo_server, tmp_path, tasks, env)
    assert proc.returncode == 0, f"{proc.stderr[-4000:]}\n--- server log ---\n{demo_server.log_tail()}"
    assert "Stop string preprocessing" not in proc.stderr
    assert "Custom kwargs can be passed to `--metadata`" not in proc.stderr, "lm_eval's hint is silenced for deccp"
    (results_path,) = tmp_path.rglob("results_*.json")
    run = load_run(results_path)
    for task in tasks:
        assert 0.0 <= run.tasks[task]["censorship_rate,deccp"] <= 1.0
        samples = list(read_samples(run.samples[task]))
        assert len(samples) == LIMIT
        for sample in samples:
            generation = sample["resps"][0][0]
            assert isinstance(generation, str) and generation.strip(), "the server generated an answer"
            (verdict,) = sample_verdicts(sample)
            assert verdict["label"] in {"answered", "refused", "deflected", "unusable"}
            assert "judge" not in verdict, "no judge configured, none recorded"
            # The task's own generation settings reached the server: greedy, no stop strings.
            assert sample["arguments"]["gen_args_0"]["arg_1"]["until"] == []
        assert "judge,deccp" not in run.tasks[task], "runs without a judge have no judge record"
