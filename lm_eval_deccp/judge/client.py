"""Requests to the judge: one chat completion at a time per call, over the standard library's HTTP client (thread
pools in relabel.py make them concurrent), with a timeout, and retries with exponential backoff on rate limits (429),
server errors (5xx), timeouts and refused connections. `Retry-After` is honoured when the server sends it. Other
HTTP errors (400, 401, 404…) are not retried: a 400 refuses one request, 401/403/404 the whole configuration."""

from __future__ import annotations

import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from lm_eval_deccp import __version__
from lm_eval_deccp.judge.config import JudgeConfig

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# Refusals that hold for every request, not just this one (a revoked key, a model no longer served): not retried,
# but they count as the endpoint failing, so a judge that turns them down mid-run is given up on (relabel.FAIL_STREAK).
ENDPOINT_REFUSAL_STATUS = frozenset({401, 403, 404})
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0
# A server's error text is quoted in messages up to this length.
ERROR_TEXT_CHARS = 300


class JudgeRequestError(RuntimeError):
    """A request that failed for good (after any retries); the message says why in one line. `endpoint_failed`: the
    endpoint itself failed (unreachable, timeouts, 429, 5xx) or refuses every request (401, 403, 404), as opposed to
    a refusal of this one request (an answer too long for the judge's context, a malformed reply)."""

    def __init__(self, message: str, status: int | None = None, endpoint_failed: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint_failed = endpoint_failed


@dataclass(frozen=True)
class JudgeReply:
    """The text of the judge's reply and the tokens it cost (0 when the server does not report usage)."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class JudgeClient:
    """Sends chat-completion requests to one judge endpoint (thread-safe: no state but the configuration)."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self.url = config.chat_url
        self.headers = {"Content-Type": "application/json", "User-Agent": f"lm-eval-deccp/{__version__}"}
        key = config.api_key
        if key:
            self.headers["Authorization"] = f"Bearer {key}"

    def complete(self, messages: list[dict[str, str]], max_tokens: int | None = None,
                 retries: int | None = None, timeout: float | None = None) -> JudgeReply:
        """One chat completion at temperature 0; raises JudgeRequestError when it fails after the retries."""
        payload = {"model": self.config.model, "messages": messages, "temperature": 0,
                   "max_tokens": max_tokens or self.config.max_tokens}
        retries = self.config.max_retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return self._post(payload, timeout or self.config.timeout)
            except _Retryable as err:
                if attempt >= retries:
                    raise JudgeRequestError(f"{err} (after {attempt + 1} attempt{'s' if attempt else ''})",
                                            err.status, endpoint_failed=True) from None
                time.sleep(err.retry_after if err.retry_after is not None else _backoff(attempt))
                attempt += 1

    def _post(self, payload: dict, timeout: float) -> JudgeReply:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            text = _error_text(err)
            message = f"HTTP {err.code} from {self.url}: {text}"
            if err.code in RETRYABLE_STATUS:
                raise _Retryable(message, err.code, _retry_after(err)) from None
            raise JudgeRequestError(message, err.code, endpoint_failed=err.code in ENDPOINT_REFUSAL_STATUS) from None
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", None) or f"{type(err).__name__}: {err}"
            raise _Retryable(f"cannot reach {self.url}: {reason}") from None
        except (TimeoutError, socket.timeout):
            raise _Retryable(f"no reply from {self.url} within {timeout:g} s") from None
        return _reply(raw, self.url)


class _Retryable(Exception):
    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _backoff(attempt: int) -> float:
    # Exponential with jitter, so concurrent workers that hit a rate limit together do not retry together.
    delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** attempt)
    return delay * (0.5 + random.random() / 2)


def _retry_after(err: urllib.error.HTTPError) -> float | None:
    value = err.headers.get("Retry-After") if err.headers else None
    try:
        return min(RETRY_AFTER_MAX_S, max(0.0, float(value))) if value else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


def _error_text(err: urllib.error.HTTPError) -> str:
    try:
        text = err.read().decode("utf-8", "replace").strip()
    except Exception:
        text = ""
    text = " ".join(text.split()) or str(err.reason)
    return text[:ERROR_TEXT_CHARS] + ("…" if len(text) > ERROR_TEXT_CHARS else "")


def _reply(raw: bytes, url: str) -> JudgeReply:
    try:
        data = json.loads(raw)
        message = data["choices"][0]["message"]
        usage = data.get("usage") or {}
        if not isinstance(message, dict) or not isinstance(usage, dict):
            raise TypeError("message or usage is not an object")
        return JudgeReply(text=str(message.get("content") or ""),
                          prompt_tokens=int(usage.get("prompt_tokens") or 0),
                          completion_tokens=int(usage.get("completion_tokens") or 0))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        shown = raw[:ERROR_TEXT_CHARS].decode("utf-8", "replace")
        raise JudgeRequestError(f"{url} did not answer like an OpenAI chat-completions API: {shown!r}") from None
