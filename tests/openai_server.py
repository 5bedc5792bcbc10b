"""A real OpenAI-compatible server for the tests: `transformers serve` on the demo model (converted once to a plain
transformers folder, cached in ~/.cache/lm_eval_deccp), on 127.0.0.1, started and stopped by the tests themselves
by its process id. No mocks: lm_eval's API models and the judge talk HTTP to it."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import offline_env

STARTUP_TIMEOUT_S = 600
# The longest request the server takes (prompt and answer, tokens): far above what the tests send, except the
# over-long answers the judge tests send on purpose to get a per-request refusal (HTTP 400) from a live server.
MAX_MODEL_LEN = 2048


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    model: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to the server (it stops its own worker processes), then SIGKILL to its process group (ours:
        started with start_new_session) if it has not exited within 60 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def serving_missing() -> str | None:
    missing = [name for name in ("fastapi", "uvicorn", "openai") if importlib.util.find_spec(name) is None]
    if missing:
        return f"`transformers serve` needs {', '.join(missing)}: install the [test] extra (transformers[serving])"
    return None


def demo_folder() -> Path:
    from lm_eval_deccp.demo import DemoModelMissing, demo_hf_folder

    try:
        return demo_hf_folder()
    except DemoModelMissing as err:
        pytest.skip(str(err))


def start_server(log_dir: Path) -> Server:
    """`transformers serve` on the converted demo model; returns once it answers /health."""
    reason = serving_missing()
    if reason:
        pytest.skip(reason)
    folder = demo_folder()
    port = free_port()
    log_path = log_dir / f"transformers-serve-{port}.log"
    # One thread: on a few shared cores, torch's default thread count made generation ~10x slower.
    env = offline_env(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(folder), "--host", "127.0.0.1",
               "--port", str(port), "--max-model-len", str(MAX_MODEL_LEN)]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = Server(process, port, str(folder), log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"transformers serve exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                return server
        except OSError:
            time.sleep(1)
    server.stop()
    pytest.fail(f"transformers serve did not answer within {STARTUP_TIMEOUT_S} s:\n{server.log_tail()}")
