"""The fail-fast check the tasks run when they are loaded, before any generation: the judge's settings are valid and
its endpoint answers a one-token request for the model named (`check_judge`); otherwise JudgeUnavailable says why
in one paragraph and what to do."""

from __future__ import annotations

import threading

from lm_eval_deccp.judge.client import JudgeClient, JudgeRequestError
from lm_eval_deccp.judge.config import ENV, JudgeConfig, JudgeConfigError

PROBE_MESSAGES = [{"role": "user", "content": "Reply with the single word: answered"}]


class JudgeUnavailable(RuntimeError):
    """The configured judge cannot be used; the message is one paragraph saying why and what to do."""


_CHECKED: dict[JudgeConfig, str | None] = {}
_CHECK_LOCK = threading.Lock()


def check_judge(config: JudgeConfig) -> None:
    """Raise JudgeUnavailable when an enabled judge is misconfigured or does not answer; once per configuration per
    process (every deccp task runs it when it is loaded)."""
    if not config.enabled:
        return
    with _CHECK_LOCK:
        if config not in _CHECKED:
            _CHECKED[config] = _problem(config)
        problem = _CHECKED[config]
    if problem is not None:
        raise JudgeUnavailable(problem)


def _problem(config: JudgeConfig) -> str | None:
    where = (f"The judge is configured by {'command-line flags' if config.source == 'command line' else 'environment variables'}"
             f" ({ENV['url']}={config.url}, {ENV['model']}={config.model})")
    undo = (f"fix the setting, or unset {ENV['url']} (and drop --judge) to label with the offline detector alone"
            if config.source == "command line" else
            f"fix the setting, or unset {ENV['url']} to label with the offline detector alone")
    try:
        config.validate()
    except JudgeConfigError as err:
        return f"The judge is misconfigured: {err}. {where}; {undo}."
    try:
        JudgeClient(config).complete(PROBE_MESSAGES, max_tokens=1, retries=1)
    except JudgeRequestError as err:
        hint = ""
        if err.status in (401, 403):
            hint = f" The endpoint refused the API key (set {ENV['api_key_env']} to the name of the variable that holds it)."
        elif err.status == 404:
            hint = " Check the URL (an OpenAI-compatible base such as http://host:8000/v1) and the model name."
        return f"The judge does not answer: {err}.{hint} {where}; {undo}."
    return None
