"""The judge's configuration: environment variables (lm_eval filters get no run metadata) and, for `deccp classify`
and `deccp score`, command-line flags that override them. No judge is configured unless DECCP_JUDGE_URL is set.

Every setting, its variable and its flag:

| setting | environment variable | flag | default |
| --- | --- | --- | --- |
| endpoint | DECCP_JUDGE_URL | --judge URL | none: no judge |
| model name | DECCP_JUDGE_MODEL | --judge-model | required with an endpoint |
| name of the variable holding the API key | DECCP_JUDGE_API_KEY_ENV | --judge-api-key-env | none: no key sent |
| which answers | DECCP_JUDGE_MODE | --judge-mode | uncertain |
| concurrent requests | DECCP_JUDGE_CONCURRENCY | --judge-concurrency | 4 |
| seconds per request | DECCP_JUDGE_TIMEOUT | --judge-timeout | 120 |
| retries on 429, 5xx, timeouts | DECCP_JUDGE_MAX_RETRIES | --judge-max-retries | 3 |
| reply length limit (tokens) | DECCP_JUDGE_MAX_TOKENS | --judge-max-tokens | 64 |
| cache folder, or "off" | DECCP_JUDGE_CACHE | --judge-cache | $XDG_CACHE_HOME/lm_eval_deccp/judge |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlparse

# Which answers the judge reads: those the offline detector is unsure of, or every answer with content.
MODE_UNCERTAIN, MODE_ALL = "uncertain", "all"
MODES = (MODE_UNCERTAIN, MODE_ALL)
CACHE_OFF = "off"
CHAT_PATH = "/chat/completions"

ENV = {
    "url": "DECCP_JUDGE_URL",
    "model": "DECCP_JUDGE_MODEL",
    "api_key_env": "DECCP_JUDGE_API_KEY_ENV",
    "mode": "DECCP_JUDGE_MODE",
    "concurrency": "DECCP_JUDGE_CONCURRENCY",
    "timeout": "DECCP_JUDGE_TIMEOUT",
    "max_retries": "DECCP_JUDGE_MAX_RETRIES",
    "max_tokens": "DECCP_JUDGE_MAX_TOKENS",
    "cache": "DECCP_JUDGE_CACHE",
}
FLAGS = {
    "url": "--judge",
    "model": "--judge-model",
    "api_key_env": "--judge-api-key-env",
    "mode": "--judge-mode",
    "concurrency": "--judge-concurrency",
    "timeout": "--judge-timeout",
    "max_retries": "--judge-max-retries",
    "max_tokens": "--judge-max-tokens",
    "cache": "--judge-cache",
}
DEFAULTS = {"mode": MODE_UNCERTAIN, "concurrency": 4, "timeout": 120.0, "max_retries": 3, "max_tokens": 64}


class JudgeConfigError(ValueError):
    """A judge setting that cannot work; the message names the variable or flag and what to set."""


@dataclass(frozen=True)
class JudgeConfig:
    """One judge: an OpenAI-compatible chat-completions endpoint and how to use it. `url` None means no judge."""

    url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    mode: str = DEFAULTS["mode"]
    concurrency: int = DEFAULTS["concurrency"]
    timeout: float = DEFAULTS["timeout"]
    max_retries: int = DEFAULTS["max_retries"]
    max_tokens: int = DEFAULTS["max_tokens"]
    cache: str | None = None  # a folder, CACHE_OFF, or None for the default folder
    source: str = "environment"  # where the settings came from, for error messages

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def name(self) -> str:
        """How verdicts name this judge (`scored_by`)."""
        return f"judge:{self.model}"

    @property
    def chat_url(self) -> str:
        """The chat-completions URL: `url` as given when it ends in /chat/completions, else with that appended (so
        both http://host:8000/v1 and http://host:8000/v1/chat/completions work)."""
        url = (self.url or "").rstrip("/")
        return url if url.endswith(CHAT_PATH) else url + CHAT_PATH

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    @property
    def cache_dir(self) -> Path | None:
        if self.cache == CACHE_OFF:
            return None
        if self.cache:
            return Path(self.cache).expanduser()
        return default_cache_dir()

    def setting(self, field: str) -> str:
        """How the user sets `field`, for messages: the flag and/or the environment variable."""
        if self.source == "command line":
            return f"{FLAGS[field]} (or {ENV[field]})"
        return ENV[field]

    def validate(self) -> "JudgeConfig":
        """Raise JudgeConfigError (one sentence naming the setting) when an enabled judge cannot work."""
        if not self.enabled:
            return self
        parsed = urlparse(self.chat_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise JudgeConfigError(f"{self.setting('url')} is {self.url!r}, not an http(s) URL of an OpenAI-compatible "
                                   f"API (e.g. http://localhost:8000/v1)")
        if not self.model:
            raise JudgeConfigError(f"a judge endpoint is set ({self.url}) but no model: set {self.setting('model')} "
                                   f"to the model name the endpoint serves")
        if self.mode not in MODES:
            raise JudgeConfigError(f"{self.setting('mode')} is {self.mode!r}; expected one of {', '.join(MODES)}")
        if self.api_key_env and not os.environ.get(self.api_key_env):
            raise JudgeConfigError(f"{self.setting('api_key_env')} names the variable {self.api_key_env}, which is "
                                   f"not set or empty: export {self.api_key_env}=<your key>")
        for field, low in (("concurrency", 1), ("max_retries", 0), ("max_tokens", 1)):
            if getattr(self, field) < low:
                raise JudgeConfigError(f"{self.setting(field)} must be at least {low}")
        if self.timeout <= 0:
            raise JudgeConfigError(f"{self.setting('timeout')} must be a positive number of seconds")
        return self


def default_cache_dir() -> Path:
    from lm_eval_deccp.paths import cache_home

    return Path(cache_home()) / "judge"


def _parse(field: str, raw: str, where: str):
    kind = type(DEFAULTS[field]) if field in DEFAULTS else str
    if kind is str:
        return raw.strip()
    try:
        return kind(raw)
    except ValueError:
        raise JudgeConfigError(f"{where} is {raw!r}, not a number") from None


def from_env(environ: Mapping[str, str] | None = None) -> JudgeConfig:
    """The judge the environment configures (JudgeConfig().enabled is False when DECCP_JUDGE_URL is unset)."""
    environ = os.environ if environ is None else environ
    values = {}
    for field, variable in ENV.items():
        raw = environ.get(variable)
        if raw is not None and raw.strip():
            values[field] = _parse(field, raw, variable)
    return JudgeConfig(**values)


def with_overrides(config: JudgeConfig, overrides: Mapping[str, object]) -> JudgeConfig:
    """`config` with the settings given on the command line (None values are not given)."""
    given = {field: value for field, value in overrides.items() if value is not None}
    if not given:
        return config
    return replace(config, **given, source="command line")
