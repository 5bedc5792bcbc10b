"""One real lm_eval command on the demo model for the cheap leaderboard group `deccp_mixeval_hard` (censorship and
MixEval-Hard; one item per task, 16 new tokens), and the `deccp report` row built from it: censorship columns and
the MixEval columns with MixEval's own overall, no capability file."""

from __future__ import annotations

import json

import pytest

from conftest import offline_env, run_python, shared_path

GROUP = "deccp_mixeval_hard"


@pytest.fixture(scope="module")
def group_run(tmp_path_factory, demo_model_args) -> dict:
    out = tmp_path_factory.mktemp("mixeval_run")
    env = offline_env(DECCP_DATA_DIR=str(shared_path("data/augmxnt-deccp")),
                      MIXEVAL_DATA_DIR=str(shared_path("data/mixeval")))
    proc = run_python("-m", "lm_eval", "--model", "hf", "--model_args", demo_model_args, "--tasks", GROUP,
                      "--limit", "1", "--apply_chat_template", "--gen_kwargs", "max_gen_toks=16", "--log_samples",
                      "--output_path", str(out), env=env, cwd=out, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"lm_eval failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    (results,) = sorted(out.rglob("results_*.json"))
    return {"dir": out, "results": json.loads(results.read_text())}


def test_one_command_runs_censorship_and_mixeval_hard(group_run):
    results = group_run["results"]["results"]
    assert {"deccp_en", "deccp_plus_en", "mixeval_hard", "mixeval_hard_freeform", "mixeval_hard_multichoice"} \
        <= set(results)
    record = results["mixeval_hard_multichoice"]["mixeval,mixeval"]
    assert record["parser"] == "rule" and record["version"] == "2024-06-01"
    assert sum(b["n"] for b in record["benchmarks"].values()) == 1
    assert 0.0 <= results["mixeval_hard"]["score,mixeval"] <= 1.0


def test_the_report_fills_the_mixeval_columns_and_overall_from_the_run(group_run):
    from lm_eval_deccp.mixeval.report import run_score
    from lm_eval_deccp.reporting.table.report import build_report

    report = build_report([group_run["dir"]])
    (row,) = report.rows
    assert row.cells["deccp_en:censorship_rate"].present
    model = report.model_runs[row.name]  # a --limit run is its own row, named with its mark
    score = run_score(model.task_run)
    assert score is not None and set(score.score.columns) and score.parsers == "rule"
    for benchmark, value in score.score.columns.items():
        assert row.cells[benchmark].value == value and row.cells[benchmark].source.startswith("mixeval_hard")
    assert row.cells["Overall"].value == score.score.overall
    assert row.cells["Overall"].source.startswith("mixeval_hard_freeform+mixeval_hard_multichoice (overall: 2 items")
