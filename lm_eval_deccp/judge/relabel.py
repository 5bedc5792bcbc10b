"""Relabelling by the judge: after the offline detector has labelled every answer, select some of them, ask the
judge about those and relabel them.

- Mode `uncertain` (default) asks about the answers whose offline p(censored) lies in the detector cascade's band
  (detector.cascade.REFINE_BAND, 0.15–0.85: 6.6% of dev answers, about one in fifteen; docs/detector.md); mode
  `all` asks about every answer with content. An empty answer is never sent: there is nothing to judge, and it
  stays `unusable` by measurement.
- Cached verdicts are used first (cache.py); the rest are asked concurrently (config.concurrency) with a progress
  bar, each with its timeout and retries (client.py), and one retry on an unreadable reply (prompt.py).
- A reply that fails keeps the offline verdict, flagged (`judge.status` = failed, `judge.error`). After
  FAIL_STREAK requests in a row that failed because of the endpoint (unreachable, timeouts, 429 or 5xx after the
  retries; not a 400 for one over-long answer) the judge is taken to be down: the remaining answers keep their
  offline verdicts, flagged the same way, without more requests, and the run completes.

The fail-fast check the tasks run before any generation is check.py.
"""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any, Sequence

from lm_eval_deccp.judge import prompt
from lm_eval_deccp.judge.cache import cache_key, open_cache
from lm_eval_deccp.judge.client import JudgeClient, JudgeRequestError
from lm_eval_deccp.judge.config import MODE_ALL, JudgeConfig
from lm_eval_deccp.judge.record import STATUS_FAILED, STATUS_JUDGED, STATUS_NOT_SELECTED
from lm_eval_deccp.labels import CENSORED_LABELS, UNUSABLE

log = logging.getLogger(__name__)

# Requests in a row that failed because of the endpoint, after which the judge is taken to be down for the rest of
# the batch. What it costs is bounded by the settings: about a minute for refused connections at the default 3
# retries with backoff; with timeouts, up to FAIL_STREAK x (retries + 1) x timeout / concurrency (10 minutes at the
# defaults), not hours.
FAIL_STREAK = 5


@dataclass(frozen=True)
class Outcome:
    """The judge's answer about one answer: a label, or the reason there is none."""

    label: str | None
    error: str | None = None
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    endpoint_failed: bool = False  # the endpoint failed (counts towards FAIL_STREAK)
    reply: str = ""  # the judge's reply as given, kept in the cache beside the label


def select(verdicts: Sequence[dict[str, Any]], answers: Sequence[str], config: JudgeConfig) -> list[int]:
    """Indices of the answers the judge is asked about (see the module docstring)."""
    from lm_eval_deccp.detector.cascade import in_refine_band
    from lm_eval_deccp.detector.unusable import has_content

    chosen = []
    for index, (verdict, answer) in enumerate(zip(verdicts, answers)):
        if not has_content(answer):
            continue
        if config.mode == MODE_ALL:
            chosen.append(index)
            continue
        p_censored = verdict.get("p_censored")
        if p_censored is not None and bool(in_refine_band(p_censored)):
            chosen.append(index)
    return chosen


def apply_judge(verdicts: Sequence[dict[str, Any]], questions: Sequence[str], answers: Sequence[str],
                config: JudgeConfig, progress: bool = True) -> list[dict[str, Any]]:
    """The verdicts after the judge tier: judged ones relabelled, every one annotated (record.py). `answers` are
    the final answers the detector read (a reasoning model's thinking dropped)."""
    chosen = select(verdicts, answers, config)
    outcomes = _ask_all([(questions[i] or "", answers[i]) for i in chosen], config, progress)
    by_index = dict(zip(chosen, outcomes))
    return [_annotate(verdict, by_index.get(index), config) for index, verdict in enumerate(verdicts)]


def _annotate(verdict: dict[str, Any], outcome: Outcome | None, config: JudgeConfig) -> dict[str, Any]:
    result = dict(verdict)
    result["offline"] = {"label": verdict["label"], "scored_by": verdict.get("scored_by", "")}
    status = STATUS_NOT_SELECTED if outcome is None else STATUS_JUDGED if outcome.label else STATUS_FAILED
    result["judge"] = {
        "model": config.model,
        "prompt_version": prompt.PROMPT_VERSION,
        "mode": config.mode,
        "status": status,
        "label": outcome.label if outcome else None,
        "cached": bool(outcome and outcome.cached),
        "error": outcome.error if outcome else None,
        "prompt_tokens": outcome.prompt_tokens if outcome else 0,
        "completion_tokens": outcome.completion_tokens if outcome else 0,
    }
    if status == STATUS_JUDGED:
        result["label"] = outcome.label
        result["censored"] = outcome.label in CENSORED_LABELS
        result["scored_by"] = config.name
        # The measured reason stays only where the judge agrees the answer is unusable.
        if outcome.label != UNUSABLE:
            result["unusable_reason"] = None
    return result


def _ask_all(items: list[tuple[str, str]], config: JudgeConfig, progress: bool) -> list[Outcome]:
    """One outcome per (question, answer): from the cache, else asked once per distinct pair (re-rolls often repeat
    an answer word for word; the repeats share the verdict and cost nothing)."""
    if not items:
        return []
    cache = open_cache(config.cache_dir)
    try:
        keys = [cache_key(config.model, prompt.PROMPT_VERSION, question, answer) for question, answer in items]
        found: dict[str, Outcome] = {}
        to_ask: dict[str, tuple[str, str]] = {}
        for key, item in zip(keys, items):
            if key in found or key in to_ask:
                continue
            label = cache.get(key)
            if label:
                found[key] = Outcome(label, cached=True)
            else:
                to_ask[key] = item
        log.info("deccp judge (%s): %d answers, %d from the cache, %d to ask", config.name, len(items),
                 sum(key in found for key in keys), len(to_ask))
        if to_ask:
            found.update(_ask(to_ask, config, cache, progress))
        outcomes, seen = [], set()
        for key in keys:
            outcome = found[key]
            # A repeat shares the verdict; its tokens were spent once, on the first.
            outcomes.append(outcome if key not in seen else replace(outcome, prompt_tokens=0, completion_tokens=0))
            seen.add(key)
        return outcomes
    finally:
        cache.close()


def _ask(to_ask: dict[str, tuple[str, str]], config: JudgeConfig, cache, progress: bool) -> dict[str, Outcome]:
    asker = _Asker(config)
    outcomes: dict[str, Outcome] = {}
    bar = _progress_bar(len(to_ask), config) if progress else None
    pool = ThreadPoolExecutor(max_workers=config.concurrency)
    try:
        futures = {pool.submit(asker.ask, *item): key for key, item in to_ask.items()}
        for future in as_completed(futures):
            key = futures[future]
            outcome = outcomes[key] = future.result()
            if outcome.label:
                cache.put(key, config.model, prompt.PROMPT_VERSION, outcome.label, outcome.reply)
            if bar is not None:
                bar.update(1)
    except BaseException:
        # Ctrl-C (or an error here): drop the queued requests rather than send every one of them before stopping.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if bar is not None:
        bar.close()
    if asker.failures:
        log.warning("deccp judge: %d of %d answers kept their offline verdict (last failure: %s)",
                    asker.failures, len(to_ask), asker.last_error)
    return outcomes


def _progress_bar(total: int, config: JudgeConfig):
    from tqdm import tqdm

    return tqdm(total=total, unit="answer", desc="deccp judge", file=sys.stderr)


class _Asker:
    """Asks the judge about one answer at a time, from several threads; stops asking once the judge is down."""

    def __init__(self, config: JudgeConfig) -> None:
        self.client = JudgeClient(config)
        self.failures = 0
        self.last_error = ""
        self._streak = 0
        self._down: str | None = None
        self._lock = threading.Lock()

    def ask(self, question: str, answer: str) -> Outcome:
        if self._down is not None:
            return self._failed(f"not asked: {self._down}")
        messages = prompt.messages(question, answer)
        tokens = [0, 0]
        try:
            reply = self._complete(messages, tokens)
            label = prompt.parse_label(reply)
            if label is None:
                reply = self._complete(prompt.retry_messages(messages, reply), tokens)
                label = prompt.parse_label(reply)
        except JudgeRequestError as err:
            if not err.endpoint_failed:  # the endpoint answered: it is up
                with self._lock:
                    self._streak = 0
            return self._failed(str(err), endpoint_failed=err.endpoint_failed, tokens=tokens)
        except Exception as err:  # noqa: BLE001 - one odd reply keeps its offline verdict; the run goes on
            return self._failed(f"{type(err).__name__}: {err}", tokens=tokens)
        with self._lock:
            self._streak = 0
        if label is None:
            shown = " ".join(reply.split())[:80]
            return self._failed(f"unreadable reply after one retry: {shown!r}", tokens=tokens)
        return Outcome(label, prompt_tokens=tokens[0], completion_tokens=tokens[1], reply=reply)

    def _complete(self, messages, tokens: list[int]) -> str:
        reply = self.client.complete(messages)
        tokens[0] += reply.prompt_tokens
        tokens[1] += reply.completion_tokens
        return reply.text

    def _failed(self, error: str, endpoint_failed: bool = False, tokens: list[int] | None = None) -> Outcome:
        with self._lock:
            self.failures += 1
            self.last_error = error
            if endpoint_failed:
                self._streak += 1
                if self._streak >= FAIL_STREAK and self._down is None:
                    self._down = f"the judge failed {FAIL_STREAK} requests in a row (last: {error})"
                    log.warning("deccp judge: %s; the remaining answers keep their offline verdicts", self._down)
        tokens = tokens or [0, 0]
        return Outcome(None, error=error, prompt_tokens=tokens[0], completion_tokens=tokens[1],
                       endpoint_failed=endpoint_failed)
