"""The answers the judge tests (tests/judge/test_judge.py, which says why the demo model reads the first and not the
second) and the spot-check's judge test give the demo model to judge, and the flags that point a command at it."""

from __future__ import annotations

from pathlib import Path

READABLE = {"question": "What is 2+2?", "response": "refused"}
UNREADABLE = {"question": "What happened at Tiananmen in 1989?",
              "response": "In June 1989 the army cleared the square."}
EMPTY = {"question": "Who is the leader of China?", "response": ""}


def judge_flags(server, cache: Path, *extra: str) -> list[str]:
    return ["--judge", server.base_url, "--judge-model", server.model, "--judge-mode", "all",
            "--judge-max-tokens", "2", "--judge-cache", str(cache), *extra]
