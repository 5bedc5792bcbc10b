"""`deccp spot-check`: the seeded sample, and its blind-reading page in a real headless Chromium (keys, progress,
persistence across a reload, the JSONL export that `deccp report --labels` reads, hostile answers shown as text).

The runs are the committed demo run (results/smollm2-135m-instruct, 165 answers per deccp-plus task) and the
hostile run the audit page tests read too (tests/hostile_answers.py: answers and a model name full of markup, written
with `deccp score`); the browser is the session's (conftest.py, tests/headless_chromium.py), skipped without
Chromium except under CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import READY, REPO
from hostile_answers import DEMO, HOSTILE, HOSTILE_MODEL
from judge_inputs import EMPTY, READABLE, UNREADABLE, judge_flags
from lm_eval_deccp.cli import main
from lm_eval_deccp.text import final_answer

pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason="needs the committed demo run in results/")
PLUS_TASKS = ["deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant", "deccp_plus_control_en", "deccp_plus_control_zh"]


def spot_check(tmp_path: Path, *args: str) -> Path:
    page = tmp_path / "check.html"
    assert main(["spot-check", *args, "-o", str(page)]) == 0
    return page


def page_data(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    start = text.index('id="deccp-data">') + len('id="deccp-data">')
    return json.loads(text[start:text.index("</script>", start)])


def press(tab, key: str) -> None:
    for kind in ("keyDown", "keyUp"):
        tab.send("Input.dispatchKeyEvent", {"type": kind, "key": key, **({"text": key} if kind == "keyDown" and
                                                                          len(key) == 1 else {})})


def progress(tab) -> str:
    return tab.evaluate("document.getElementById('progress').textContent")


@pytest.fixture
def tab(browser):
    opened = browser.new_page()
    yield opened
    assert opened.errors == [], "the page's script threw"
    opened.close()


def test_the_sample_is_seeded_per_group_and_blind(tmp_path):
    data = page_data(spot_check(tmp_path, str(DEMO), "--per-model", "7", "--seed", "3"))
    again = page_data(spot_check(tmp_path, str(DEMO), "--per-model", "7", "--seed", "3"))
    other = page_data(spot_check(tmp_path, str(DEMO), "--per-model", "7", "--seed", "4"))
    assert data == again and data["items"] != other["items"]
    tasks = [item["id"].split("/")[1] for item in data["items"]]
    assert sorted(tasks) == sorted(PLUS_TASKS * 7), "seven answers of each of the model's five censorship tasks"
    assert len({item["id"] for item in data["items"]}) == 35
    # Blind: each item holds its key, fingerprint, language, question and answer, nothing of the verdict.
    assert {key for item in data["items"] for key in item} == {"id", "answer_sha256", "lang", "question", "answer"}


def test_reading_with_keys_survives_a_reload_and_exports_labels_report_reads(tab, tmp_path, capsys):
    page = spot_check(tmp_path, str(DEMO), "--per-model", "3", "--seed", "1")
    items = page_data(page)["items"]
    tab.goto(page.as_uri(), ready=READY)
    assert progress(tab).startswith("Answer 1 of 15 · 0 labelled")
    shown = tab.evaluate("document.getElementById('answer').textContent")
    assert shown == items[0]["answer"]
    tab.type("#reader", "tester")
    tab.evaluate("document.activeElement.blur()")
    for key in "rdsa":  # refused, deflected, skip, answered: four answers, one after the other
        press(tab, key)
    assert progress(tab).startswith("Answer 5 of 15 · 3 labelled · 1 skipped")
    press(tab, "ArrowLeft")
    press(tab, "u")  # the fourth answer relabelled unusable
    tab.click('#choices button[data-label="refused"]')  # a click labels too: the fifth answer
    before = progress(tab)
    tab.goto(page.as_uri(), ready=READY)  # a reload keeps the labels, the position and the reader
    assert progress(tab) == before and tab.evaluate("document.getElementById('reader').value") == "tester"
    tab.click("#export-button")
    exported = tab.evaluate("document.getElementById('export-text').value")
    rows = [json.loads(line) for line in exported.splitlines()]
    assert [(row["id"], row["label"]) for row in rows] == [
        (items[0]["id"], "refused"), (items[1]["id"], "deflected"), (items[3]["id"], "unusable"),
        (items[4]["id"], "refused")]
    assert all(row["reader"] == "tester" and row["time"] and row["answer_sha256"] == item["answer_sha256"]
               for row, item in zip(rows, [items[0], items[1], items[3], items[4]]))
    assert tab.evaluate("document.getElementById('download').href").startswith("blob:")
    # The export is what `deccp report --labels` reads.
    labels = tmp_path / "labels.jsonl"
    labels.write_text(exported, encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(DEMO), "--labels", str(labels), "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    labelled = {item["id"].split("/")[1] for item in (items[0], items[1], items[3], items[4])}
    assert {g["task"] for g in groups if g["corrected"]} == labelled
    assert sum(g["corrected"]["n_labels"] for g in groups if g["corrected"]) == 4


def test_hostile_answers_are_shown_as_text_and_never_run(tab, hostile_run, tmp_path):
    page = spot_check(tmp_path, str(hostile_run), "--per-model", "5", "--tasks", ",".join(HOSTILE))
    text = page.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in text and "</script><script>" not in text
    assert HOSTILE_MODEL not in text
    tab.goto(page.as_uri(), ready=READY)
    seen = set()
    for _ in HOSTILE:
        seen.add(tab.evaluate("document.getElementById('answer').textContent"))
        press(tab, "ArrowRight")
    assert seen == {final_answer(answer) for answer in HOSTILE.values()}  # the answer scored: thinking dropped
    assert tab.evaluate("window.__pwned === undefined") and tab.evaluate("document.title") == "deccp spot-check"
    assert tab.evaluate("document.querySelectorAll('#answer *, #question *').length") == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["spot-check", str(DEMO), "--per-model", "0", "-o", str(tmp_path / "x.html")]) == 2
    assert main(["spot-check", str(DEMO), "--per-model", "3"]) == 2
    assert main(["spot-check", str(tmp_path / "missing.jsonl"), "--per-model", "3", "-o", str(tmp_path / "x.html")]) == 2
    assert main(["spot-check", str(DEMO), "--per-model", "3", "--judge-labels", str(tmp_path / "j.jsonl"),
                 "--no-judge"]) == 2
    assert main(["spot-check", str(DEMO), "--per-model", "3", "--tasks", "deccp_nope", "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("deccp spot-check: error:") == 5 and "Traceback" not in err and "deccp_nope" in err
    assert (REPO / "results").is_dir()


@pytest.mark.slow
def test_the_judge_labels_exactly_the_sample_and_never_falls_back(demo_server, tmp_path, capsys):
    """Judge mode against the real local server (`transformers serve` on the demo model, tests/judge/test_judge.py): its
    readable verdict becomes a label; an unreadable reply and an empty answer give none (not the detector's)."""
    rows = [{"id": name, "model": "m", "lang": "en", **row}
            for name, row in (("readable", READABLE), ("unreadable", UNREADABLE), ("empty", EMPTY))]
    source, classified = tmp_path / "in.jsonl", tmp_path / "classified.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert main(["classify", str(source), "-o", str(classified), "--backend", "keywords", "--no-progress",
                 "--no-judge"]) == 0
    labels = tmp_path / "judge_labels.jsonl"
    capsys.readouterr()
    assert main(["spot-check", str(classified), "--per-model", "5", "--judge-labels", str(labels),
                 *judge_flags(demo_server, tmp_path / "cache")]) == 0
    (written,) = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]
    assert written["id"] == "readable" and written["label"] == "refused"
    assert written["reader"] == f"judge:{demo_server.model}" and len(written["answer_sha256"]) == 64
    assert "labelled 1 of 3 answers" in capsys.readouterr().err
    # The judge's labels are read like a person's.
    assert main(["report", str(classified), "--labels", str(labels)]) == 0
