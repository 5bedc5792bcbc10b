"""Loading augmxnt/deccp from a local copy in the hub layout, and the offline error when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import offline_env, run_python, shared_path
from lm_eval_deccp import data


@pytest.fixture(scope="module")
def deccp_copy() -> Path:
    return shared_path("data/augmxnt-deccp")


def test_local_copy_gives_the_published_row_counts(deccp_copy):
    counts = {subset: len(data.deccp_documents(subset, data_dir=deccp_copy)) for subset in data.DECCP_SUBSETS}
    assert counts == {"en": 65, "zh": 30, "control_en": 37}


def test_documents_are_clean_and_ids_stable(deccp_copy):
    docs = [d for s in data.DECCP_SUBSETS for d in data.deccp_documents(s, data_dir=deccp_copy)]
    assert len({d["id"] for d in docs}) == len(docs)
    for doc in docs:
        assert doc["question"] == doc["question"].strip()
        assert doc["id"] == data.question_id(f"deccp-{doc['split']}", doc["question"])
    zh = data.deccp_documents("zh", data_dir=deccp_copy)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d["question"]) for d in zh)


def test_env_var_names_the_local_copy(deccp_copy, monkeypatch):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(deccp_copy))
    assert len(data.deccp_documents("en")) == 65


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(data.DeccpDataUnavailable, match="does not exist"):
        data.deccp_documents("en", data_dir=tmp_path / "nope")


def test_offline_without_a_copy_names_the_environment_variable():
    proc = run_python("-c", "from lm_eval_deccp.data import deccp_documents; deccp_documents('en')")
    assert proc.returncode != 0
    assert "DECCP_DATA_DIR" in proc.stderr and "deccp_data_dir" in proc.stderr


@pytest.mark.slow
def test_lm_eval_offline_without_a_copy_prints_one_paragraph(tmp_path):
    # lm_eval's dummy model: the dataset error comes before any generation, so no real model needs loading.
    proc = run_python("-m", "lm_eval", "--model", "dummy", "--tasks", "deccp_en", "--limit", "1",
                      env=offline_env(), cwd=tmp_path)
    assert proc.returncode != 0
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("lm-eval-deccp: Could not load the deccp dataset")
    assert "DECCP_DATA_DIR" in message
    assert "Traceback" not in proc.stderr
