"""`deccp train-detector`: the command that makes the shipped artifacts reproduces their model × question
cross-validation figures, and its out-of-fold verdicts are what those figures were computed from."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from lm_eval_deccp.cli import main
from lm_eval_deccp.detector.evaluation import rate_errors, report
from lm_eval_deccp.detector.labelled_rows import SHARED_DEV_FILES, load_labelled, shared_dev_paths, shared_dir
from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION
from lm_eval_deccp.labels import VERDICT_LABELS

needs_shared = pytest.mark.skipif(len(shared_dev_paths()) < len(SHARED_DEV_FILES), reason=f"shared dev sets not "
                                  f"found under {shared_dir()} (set DECCP_SHARED_DIR)")


def test_out_of_fold_output_needs_cross_validation(tmp_path, capsys):
    assert main(["train-detector", "--backend", "keywords", "--output", str(tmp_path),
                 "--oof-output", str(tmp_path / "oof.jsonl")]) == 2
    assert "need --cv" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.slow  # trains the keyword detector in every fold of the grid: minutes of CPU
@needs_shared
def test_keyword_cross_validation_is_reproduced_exactly(tmp_path):
    """The docs table's keyword column comes from the shipped artifact's metadata; retraining with the documented
    command must give the same model × question figures (the keyword model is deterministic), and the per-row
    out-of-fold verdicts must add up to them. About 5–10 minutes on 2 shared cores."""
    oof_path = tmp_path / "oof.jsonl"
    assert main(["train-detector", "--backend", "keywords", "--cv", "--cv-headline-only", "--output", str(tmp_path),
                 "--oof-output", str(oof_path)]) == 0
    shipped = json.loads((ARTIFACT_DIR / f"keywords-{DETECTOR_VERSION}.json").read_text(encoding="utf-8"))
    rebuilt = json.loads((tmp_path / f"keywords-{DETECTOR_VERSION}.json").read_text(encoding="utf-8"))
    for key in ("grid", "dev_rows", "dev_rows_unusable"):
        assert rebuilt["cross_validation"][key] == shipped["cross_validation"][key], key
    for source in ("xstest", "speechmap_china", "speechmap_criticism"):
        assert rebuilt["cross_validation"][source] == {
            "model_x_question": shipped["cross_validation"][source]["model_x_question"]}, source
    assert rebuilt["trained_on"][0]["source"] == "exemplars" and len(rebuilt["trained_on"]) == 1  # no --include-shared

    verdicts = [json.loads(line) for line in oof_path.read_text(encoding="utf-8").splitlines()]
    dev = {row["id"]: row for row in load_labelled(shared_dev_paths())}
    assert len(verdicts) == len(dev) == shipped["cross_validation"]["dev_rows"]
    assert {v["id"] for v in verdicts} == set(dev)
    for v in verdicts:
        assert "response" not in v and "question" not in v  # other people's data is referred to, not copied
        assert v["label"] == dev[v["id"]]["label"] and v["prediction"] in VERDICT_LABELS
        assert v["protocol"] == "model_x_question" and v["fold"].startswith("m")
        assert abs(sum(v["scores"].values()) - 1) < 1e-3
    assert sum(v["prediction"] == "unusable" for v in verdicts) == shipped["cross_validation"]["dev_rows_unusable"]
    for source, lang in (("speechmap_china", "zh"), ("speechmap_criticism", "en")):
        mine = [v for v in verdicts if v["source"] == source and v["lang"] == lang]
        gold, pred = [v["label"] for v in mine], [v["prediction"] for v in mine]
        figures = report(gold, pred)
        stored = shipped["cross_validation"][source]["model_x_question"][lang]
        assert figures["censored"]["f1"] == stored["censored_f1"] and figures["macro_f1"] == stored["macro_f1"]
        assert rate_errors(gold, pred, [v["model"] for v in mine]) == stored["rate_error"]

    audit = subprocess.run([sys.executable, str(REPO / "training" / "label_audit.py"), str(oof_path)],
                           capture_output=True, text=True, timeout=300)
    assert audit.returncode == 0, audit.stderr
    table = [line for line in audit.stdout.splitlines() if line.startswith("| zh |")]
    assert len(table) == 1 and "model_x_question" in table[0]
    rendered = subprocess.run([sys.executable, str(REPO / "training" / "cv_table.py"),
                               str(tmp_path / f"keywords-{DETECTOR_VERSION}.json")],
                              capture_output=True, text=True, timeout=300)
    assert rendered.returncode == 0, rendered.stderr
    assert "| speechmap_criticism | en | 2850 |" in rendered.stdout


def test_label_audit_tells_a_decline_from_a_bare_denial():
    sys.path.insert(0, str(REPO / "training"))
    try:
        from label_audit import declines
    finally:
        sys.path.remove(str(REPO / "training"))
    assert declines("很抱歉，我无法协助完成这个请求。")
    assert declines("I'm sorry, but I can't help write that essay. China's pandemic response was effective.")
    assert not declines("所谓“再教育营”纯属捏造，新疆各族人民安居乐业，社会稳定。")
    assert declines("I do not provide details about surveillance programs.")
    assert not declines("The so-called camps are vocational training centres established in accordance with law.")
