"""The judge's on-disk cache: one SQLite file, `judge-cache.sqlite3`, in the cache folder (config.cache_dir).

A verdict is keyed by the judge model, the prompt version, the question and the answer shown to the judge, so a
re-run, a re-scoring of the same generations, or a second run that shares questions and answers costs no request;
changing the model or the prompt (PROMPT_VERSION) asks again. Only readable verdicts are stored: a failed or
unreadable reply is asked again next time. The endpoint is not part of the key (the same model served elsewhere
gives the same verdicts at temperature 0, up to the server's numerics). SQLite makes concurrent runs that share the
folder safe. Delete the file to empty the cache."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

CACHE_FILE = "judge-cache.sqlite3"
_SCHEMA = """CREATE TABLE IF NOT EXISTS verdicts (
    key TEXT PRIMARY KEY, model TEXT NOT NULL, prompt_version TEXT NOT NULL, label TEXT NOT NULL,
    reply TEXT NOT NULL, created REAL NOT NULL)"""


def cache_key(model: str, prompt_version: str, question: str, answer: str) -> str:
    return hashlib.sha256(json.dumps([model, prompt_version, question, answer], ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


class JudgeCache:
    """Cached judge labels in `folder`/judge-cache.sqlite3 (created on first use)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / CACHE_FILE
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self._db.execute(_SCHEMA)
            self._db.commit()
        return self._db

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._connection().execute("SELECT label FROM verdicts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, model: str, prompt_version: str, label: str, reply: str) -> None:
        with self._lock:
            db = self._connection()
            db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?, ?, ?, ?)",
                       (key, model, prompt_version, label, reply, time.time()))
            db.commit()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class NoCache:
    """The cache switched off (DECCP_JUDGE_CACHE=off): nothing is found, nothing is kept."""

    path = None

    def get(self, key: str) -> None:
        return None

    def put(self, *args) -> None:
        pass

    def close(self) -> None:
        pass


def open_cache(folder: Path | None) -> JudgeCache | NoCache:
    return NoCache() if folder is None else JudgeCache(folder)
