"""Shared fixtures: where the shared (not ours) data lives, the demo model, and ONE real lm_eval run per test
session that the integration tests all read (generation on a CPU is the slow part, so it happens once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def leaderboard_runs() -> list[str]:
    """The committed runs the leaderboard is made from, as results/regenerate.sh lists them: every results file under
    results/ but the abliteration study's (a model fine-tuned here to censor, not a leaderboard row)."""
    results = REPO / "results"
    return [str(path) for path in sorted(results.rglob("results_*.json"))
            if path.relative_to(results).parts[0] != "abliteration"]
SHARED_ENV = "DECCP_SHARED_DIR"

# Tasks of the session's lm_eval run; the deccp_* ones need the shared copy of augmxnt/deccp.
SUITE_TASKS = ["deccp_plus", "deccp_plus_rerolls_en"]
DECCP_TASKS = ["deccp_en", "deccp_zh"]
RUN_LIMIT = 2
RUN_MAX_GEN_TOKS = 16


def shared_dir() -> Path:
    return Path(os.environ.get(SHARED_ENV) or REPO.parent / "shared")


def shared_path(relative: str) -> Path:
    """A path inside ../shared (or $DECCP_SHARED_DIR); skips the test, saying why, when it is absent."""
    path = shared_dir() / relative
    if not path.exists():
        pytest.skip(f"needs the shared data at {path} (other people's data, not in this repository; "
                    f"set {SHARED_ENV} to the folder holding data/)")
    return path


def offline_env(**extra: str) -> dict[str, str]:
    """The environment for subprocesses: no hub access attempted, so failures are fast and honest."""
    env = {k: v for k, v in os.environ.items() if k not in {"DECCP_DATA_DIR", "DECCP_AUTOLOAD"}}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(extra)
    return env


def run_python(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env or offline_env(),
                          cwd=cwd, timeout=timeout)


@pytest.fixture(scope="session", autouse=True)
def _no_judge_from_the_outer_environment():
    """A judge exported in the developer's shell (DECCP_JUDGE_*) must not judge the tests' runs; the tests that want
    one configure it themselves."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("DECCP_JUDGE_")]:
            patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def demo_model_args() -> str:
    from lm_eval_deccp.demo import DemoModelMissing, demo_model_args as args

    try:
        return args()
    except DemoModelMissing as err:
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def lm_eval_run(tmp_path_factory, demo_model_args) -> dict:
    """Run the real `lm_eval` CLI once on the demo model WITHOUT --include_path (so it also proves the tasks are
    found by the installed start-up hook), with --log_samples. Returns the output folder and what was run."""
    out = tmp_path_factory.mktemp("lm_eval_run")
    tasks = list(SUITE_TASKS)
    env = offline_env()
    deccp_copy = shared_dir() / "data" / "augmxnt-deccp"
    if deccp_copy.is_dir():
        tasks = DECCP_TASKS + tasks
        env["DECCP_DATA_DIR"] = str(deccp_copy)
    cmd = ["-m", "lm_eval", "--model", "hf", "--model_args", demo_model_args, "--tasks", ",".join(tasks),
           "--limit", str(RUN_LIMIT), "--apply_chat_template", "--gen_kwargs", f"max_gen_toks={RUN_MAX_GEN_TOKS}",
           "--log_samples", "--output_path", str(out)]
    # Run from an empty folder: relative paths in the tasks must not depend on the working directory.
    proc = run_python(*cmd, env=env, cwd=out, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"lm_eval failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    results = sorted(out.rglob("results_*.json"))
    assert len(results) == 1, f"expected one results file in {out}, found {results}"
    return {"dir": out, "results_path": results[0], "results": json.loads(results[0].read_text()),
            "tasks": tasks, "stdout": proc.stdout, "stderr": proc.stderr}


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """A real OpenAI-compatible server (`transformers serve` on the demo model) for the whole session, stopped by
    its process id at the end (tests/openai_server.py)."""
    from openai_server import start_server

    server = start_server(tmp_path_factory.mktemp("server"))
    yield server
    server.stop()
