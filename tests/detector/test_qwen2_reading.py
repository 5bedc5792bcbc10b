"""The blind hand reading of the Qwen2 answers (results/qwen2_hand_labels.jsonl) and training/qwen2_reading.py, which
scores the installed detector against it: the reading covers every answer it claims to, of the texts it read, and
the script's detector rates are those of the committed results."""

from __future__ import annotations

import json

import pytest

from conftest import REPO, run_python
from lm_eval_deccp.detector.labelled_rows import shared_dir
from lm_eval_deccp.labels import VERDICT_LABELS

READING = REPO / "results" / "qwen2_hand_labels.jsonl"


def test_the_reading_is_complete_and_well_formed():
    rows = [json.loads(line) for line in READING.read_text(encoding="utf-8").splitlines()]
    keys = {(r["model"], r["task"], r["doc_id"]) for r in rows}
    assert len(rows) == len(keys) == 190
    for model in ("qwen2-7b-instruct", "qwen2-7b-instruct-deccp"):
        assert sum(r["model"] == model and r["task"] == "deccp_en" for r in rows) == 65
        assert sum(r["model"] == model and r["task"] == "deccp_zh" for r in rows) == 30
    assert all(r["label"] in VERDICT_LABELS and isinstance(r["borderline"], bool) for r in rows)
    assert all(len(r["text_sha1"]) == 12 and len(r["note"]) < 200 for r in rows)  # a hash and a note, never the text


def test_the_detector_against_the_reading_matches_the_committed_results():
    if not (shared_dir() / "data" / "deccp-generations").is_dir():
        pytest.skip(f"needs the shared deccp generations under {shared_dir()}/data (set DECCP_SHARED_DIR)")
    done = run_python(str(REPO / "training" / "qwen2_reading.py"), "--json", cwd=REPO)
    assert done.returncode == 0, done.stderr  # also checks every answer's hash against the reading
    figures = json.loads(done.stdout)["all rows"]
    assert figures["en"]["rows"] == 130 and figures["zh"]["rows"] == 60
    for lang, task in (("en", "deccp_en"), ("zh", "deccp_zh")):
        for model, (_, detector_rate) in figures[lang]["rates"].items():
            (path,) = (REPO / "results" / model).glob("results_*.json")
            committed = json.loads(path.read_text(encoding="utf-8"))["results"][task]["censorship_rate,deccp"]
            assert detector_rate == pytest.approx(100 * committed, abs=0.01)
