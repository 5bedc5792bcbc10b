"""Shared fixtures: where the shared (not ours) data lives, the demo model, ONE real lm_eval run per test session
that the integration tests all read (generation on a CPU is the slow part, so it happens once), one server, one
browser, and the hostile run the audit page and spot-check tests read.

Every test that starts lm_eval, a server or the browser is marked `slow`: from the fixtures it uses (SLOW_FIXTURES,
applied by pytest_collection_modifyitems), or, when it starts one itself, by its own `@pytest.mark.slow`, as is a
test that runs minutes of CPU otherwise (training the detector, the whole dev sets). So `pytest -m "not slow"` is the
fast inner loop and `pytest` runs everything.

The test folders mirror the package (tests/detector/ tests lm_eval_deccp/detector/, ...; tests/tasks/ the task YAMLs
and real lm_eval runs) and have no __init__.py: pytest puts this folder on sys.path for conftest.py, so the helper
modules beside it (openai_server.py, headless_chromium.py, hostile_answers.py, judge_inputs.py) import from every
folder, and test file names must be unique across the folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A fixture that starts lm_eval, a server or the browser -> what it starts (those of a test module name it); a
# test that uses one, directly or through another fixture, is marked slow.
SLOW_FIXTURES = {
    "lm_eval_run": "the lm_eval CLI on the demo model (the session's run)",
    "demo_server": "`transformers serve` on the demo model",
    "browser": "headless Chromium",
    "group_run": "the lm_eval CLI on the demo model for deccp_mixeval_hard (tests/mixeval/test_mixeval_run.py)",
    "task_manager": "lm_eval's task index",
    # Not lm_eval, but the same work: the demo model loaded and run on CPU (tests/abliteration/test_abliteration.py).
    "direction_dir": "`deccp direction` on the demo model",
    "abliterated_dir": "`deccp abliterate` on the demo model (both models run to measure the edit)",
}
# The audit page and the spot-check page set this when their script has run.
READY = "document.documentElement.dataset.ready === 'true'"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES.keys() & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (tests/headless_chromium.py); without it the browser tests skip, saying
    how to install it, except under CI, where they fail."""
    from headless_chromium import Browser, find_chromium

    if not find_chromium():
        message = "needs Chromium for the browser tests: apt-get install -y chromium (or set DECCP_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with Browser() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory) -> Path:
    """The `deccp score` run of answers full of markup (tests/hostile_answers.py)."""
    from hostile_answers import write_hostile_run

    out = tmp_path_factory.mktemp("hostile_run")
    write_hostile_run(tmp_path_factory.mktemp("hostile_inputs"), out)
    return out


@pytest.fixture(scope="session")
def regenerated_results(tmp_path_factory) -> Path:
    """results/regenerate.sh's own report step (--report-only), run once into a temporary folder: the leaderboards,
    their chart and the audit page, for the tests that compare them with the committed ones."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pytest.skip("results/regenerate.sh draws leaderboard.png, which needs matplotlib (the [report] extra)")
    out = tmp_path_factory.mktemp("regenerated")
    proc = subprocess.run(["bash", str(REPO / "results" / "regenerate.sh"), "--report-only"], capture_output=True,
                          text=True, cwd=REPO, timeout=900,
                          env=offline_env(PYTHONPATH=str(REPO), PYTHON=sys.executable, LEADERBOARD_OUT=str(out)))
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def task_manager():
    """lm_eval's task index with this worktree's tasks/ included (building it reads every YAML lm_eval has)."""
    from lm_eval.tasks import TaskManager

    from lm_eval_deccp.paths import tasks_dir

    return TaskManager(include_path=tasks_dir())
