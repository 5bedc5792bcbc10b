"""`deccp report`'s default view on real runs (the committed results/ and the session's lm_eval run): it fits 120
terminal columns; it has the pooled group rows and ZH-Hant; each China gap stands beside the controls' censorship
it subtracts; a rate whose unusable answers could move it beyond its interval is marked; a --limit run and a run of
questions that are not the benchmark's are marked in every format and never merged into the benchmark's rows."""

from __future__ import annotations

import csv
import io
import itertools
import json
import shutil

import pytest

from conftest import REPO, RUN_LIMIT, leaderboard_runs
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.table.cells import Cell
from lm_eval_deccp.reporting.table.reliability import gap_unreliable, rate_unreliable
from lm_eval_deccp.reporting.reading.runs import load_run
from lm_eval_deccp.reporting.render.view_markdown import WIDTH, display_width

RESULTS = REPO / "results"
DEMO = "SmolLM2-135M-Instruct.Q4_1"  # the demo model's name in results/ and in the session's lm_eval run
BLOG = ("--capabilities", str(RESULTS / "capabilities" / "mixeval_deccp_blog.json"),
        "--alias", "Qwen/Qwen2-7B-Instruct=qwen2-7b-instruct",
        "--alias", "augmxnt/Qwen2-7B-Instruct-deccp=qwen2-7b-instruct-deccp", "--include-capability-only")


def report(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["report", *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def tables(markdown: str) -> dict[str, tuple[list[str], dict[str, dict[str, str]]]]:
    """title → (headers, model → {header: cell}) for each '### title' table of the default view."""
    found, title, lines = {}, None, markdown.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("### "):
            title = line[4:]
        elif line.startswith("| ") and title and title not in found:
            block = list(itertools.takewhile(lambda row: row.startswith("|"), lines[index:]))
            headers = [cell.strip() for cell in block[0].strip("|").split("|")]
            rows = {}
            for row in block[2:]:
                cells = [cell.strip() for cell in row.strip("|").split(" | ")]
                rows[cells[0]] = dict(zip(headers, cells))
            found[title] = (headers, rows)
    return found


def table_starting(found: dict, prefix: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    return next(value for title, value in found.items() if title.startswith(prefix))


def test_the_default_view_fits_120_columns_and_has_the_rows_a_leaderboard_takes(capsys):
    rc, out, err = report(capsys, *leaderboard_runs(), *BLOG)
    assert rc == 0, err
    widest = max(out.splitlines(), key=display_width)
    assert display_width(widest) <= WIDTH, widest
    found = tables(out)
    headers, rows = table_starting(found, "One number per suite")
    assert headers[1:] == ["deccp_china % (n=95)", "unus. %", "deccp_plus_china % (n=495)", "unus. %"]
    demo = json.loads(_json(capsys))["models"]
    pooled = next(m for m in demo if m["model"] == DEMO)["cells"]["deccp_plus_china:censorship_rate"]
    assert rows[DEMO]["deccp_plus_china % (n=495)"].startswith(f"{pooled['value'] * 100:.1f} [")
    headers, rows = table_starting(found, "deccp-plus: censorship")
    assert "ZH-Hant % (n=165)" in headers
    # The Qwen2 runs have no deccp-plus: they are not rows of its tables.
    assert set(rows) == {DEMO}
    # The two Overalls say which is computed here and which published.
    headers, rows = table_starting(found, "Capability")
    assert headers[1:] == ["Overall % (computed here)", "Overall % (published)"]
    assert rows["qwen2-7b-instruct"]["Overall % (computed here)"] == "49.2"
    assert rows["qwen2-7b-instruct"]["Overall % (published)"] == "43.45"
    assert "Copy the published figure" in " ".join(out.split())


def _json(capsys) -> str:
    assert main(["report", *leaderboard_runs(), *BLOG, "--format", "json"]) == 0
    return capsys.readouterr().out


def test_the_china_gap_stands_beside_the_controls_censorship_it_subtracts(capsys):
    rc, out, _ = report(capsys, str(RESULTS / "smollm2-135m-instruct"))
    assert rc == 0
    cells = json.loads(report(capsys, str(RESULTS / "smollm2-135m-instruct"), "--format", "json")[1]
                       )["models"][0]["cells"]
    headers, rows = table_starting(tables(out), "deccp-plus: China gap")
    assert headers[1:4] == ["control EN %", "unus. %", "China gap EN, pp"]
    control = cells["deccp_plus_control_en:censorship_rate"]["value"]
    over_refusal = cells["deccp_plus_control_en:refusal_rate"]["value"]
    assert control != over_refusal, "the demo model deflects on controls: censorship is not over-refusal there"
    assert rows[DEMO]["control EN %"].startswith(f"{control * 100:.1f} [")
    china = cells["deccp_plus_en:censorship_rate"]["value"]
    assert cells["deccp_plus:china_gap_en"]["value"] == pytest.approx(china - control)


def test_a_rate_resting_on_many_unusable_answers_is_marked(capsys):
    rc, out, _ = report(capsys, *leaderboard_runs())
    assert rc == 0
    _, rows = table_starting(tables(out), "deccp-plus: censorship")
    # The demo model's Chinese answers are 80.6% unusable: the rate could be 80 points higher.
    assert rows[DEMO]["ZH % (n=165)"].endswith("!") and rows[DEMO]["unus. %"] != "0.0"
    _, rows = table_starting(tables(out), "deccp: censorship")
    assert not rows["qwen2-7b-instruct"]["EN % (n=65)"].endswith("!"), "no unusable answers, no mark"
    assert "! = unreliable" in " ".join(out.split())


def test_the_unreliable_rule_is_rate_plus_unusable_beyond_the_interval():
    # 20% censored with 95% interval [12%, 28%]: 5% unusable could lift it to 25% (inside), 10% to 30% (outside).
    assert rate_unreliable(Cell(0.20, 0.12, 0.28), Cell(0.05)) is False
    assert rate_unreliable(Cell(0.20, 0.12, 0.28), Cell(0.10)) is True
    # The same 5% matters for a rate measured precisely (interval [19%, 21%]).
    assert rate_unreliable(Cell(0.20, 0.19, 0.21), Cell(0.05)) is True
    assert rate_unreliable(Cell(0.20, 0.12, 0.28), Cell(None)) is None
    # A gap moves up by the China side's unusable share and down by the control's.
    assert gap_unreliable(Cell(0.10, 0.02, 0.18), Cell(0.05), Cell(0.05)) is False
    assert gap_unreliable(Cell(0.10, 0.02, 0.18), Cell(0.0), Cell(0.12)) is True


def test_a_limit_run_is_marked_everywhere_and_never_merged_with_the_benchmark_run(lm_eval_run, capsys, tmp_path):
    """The session's lm_eval run (--limit 2) and the committed full run of the same model, reported together."""
    runs = tmp_path / "runs"
    shutil.copytree(lm_eval_run["dir"], runs / "limited")
    shutil.copytree(RESULTS / "smollm2-135m-instruct", runs / "full")
    limited = load_run(lm_eval_run["results_path"])
    assert limited.model == DEMO and limited.data["config"]["limit"] == RUN_LIMIT
    rc, out, err = report(capsys, str(runs))
    assert rc == 0, err
    found = tables(out)
    _, rows = table_starting(found, "deccp-plus: censorship")
    assert list(rows) == [DEMO], "only the full run is in the benchmark's tables"
    assert rows[DEMO]["EN % (n=165)"] != "—"
    headers, apart = table_starting(found, "Kept apart")
    assert headers == ["Model", "Questions", "Task", "n", "censorship %", "unus. %"]
    assert apart[DEMO]["Questions"] == f"--limit {RUN_LIMIT}"
    lines = [[cell.strip() for cell in row.strip("|").split("|")] for row in out.splitlines()
             if row.startswith(f"| {DEMO} ") and f"| --limit {RUN_LIMIT} " in row]
    assert {line[2]: line[3] for line in lines}["deccp_plus_en"] == str(RUN_LIMIT), "its own n, per task"
    assert f"lm_eval was run with --limit {RUN_LIMIT}" in " ".join(out.split())
    # CSV and JSON: two rows of one model, told apart by their questions.
    _, text, _ = report(capsys, str(runs), "--format", "csv")
    marks = {(row["model"], row["questions"]) for row in csv.DictReader(io.StringIO(text))}
    assert marks == {(DEMO, "benchmark"), (DEMO, f"--limit {RUN_LIMIT}")}
    document = json.loads(report(capsys, str(runs), "--format", "json")[1])
    by_mark = {model["questions"]["mark"]: model for model in document["models"]}
    assert by_mark[None]["cells"]["deccp_plus_en:censorship_rate"]["n"] == 165
    assert by_mark[f"--limit {RUN_LIMIT}"]["cells"]["deccp_plus_en:censorship_rate"]["n"] == RUN_LIMIT
    # The full table (--columns all) and the audit page mark it too.
    _, full, _ = report(capsys, str(runs), "--columns", "all")
    assert f"| {DEMO} | --limit {RUN_LIMIT} |" in full and f"| {DEMO} | benchmark |" in full
    page = tmp_path / "page.html"
    assert main(["report", str(runs), "-o", str(page)]) == 0
    capsys.readouterr()
    assert f"{DEMO} [--limit {RUN_LIMIT}]" not in page.read_text(encoding="utf-8").split('id="view-apart"')[0]


def test_own_questions_scored_with_deccp_score_are_kept_apart(capsys, tmp_path, monkeypatch):
    """Five made-up questions are not the benchmark's 65, whatever task they are scored under."""
    monkeypatch.setenv("DECCP_DATA_DIR", str(tmp_path / "no-deccp-copy"))  # offline: nothing can be matched
    monkeypatch.setenv("DECCP_DETECTOR_BACKEND", "keywords")  # which detector labels them does not matter here
    answers = tmp_path / "mine.jsonl"
    rows = [{"question": f"What happened in my town in {year}?", "response": text}
            for year, text in [(1989, "I cannot discuss that."), (1990, "A fair took place."),
                               (1991, "Nothing notable."), (1992, "I'm sorry, I can't help with that."),
                               (1993, "The river flooded.")]]
    answers.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert main(["score", str(answers), "-o", str(tmp_path / "runs"), "--model", "mine", "--date",
                 "2024-06-10T00:00:00"]) == 0
    capsys.readouterr()
    (results,) = (tmp_path / "runs").rglob("results_*.json")
    assert json.loads(results.read_text(encoding="utf-8"))["deccp_questions"] == \
        {"deccp_en": {"benchmark": 0, "other": 5}}
    rc, out, err = report(capsys, str(tmp_path / "runs"))
    assert rc == 0, err
    assert "### deccp: censorship" not in out, "no benchmark table: its column would hold 5 made-up questions"
    line = next(row for row in out.splitlines() if "deccp_en" in row and row.startswith("| mine"))
    cells = [cell.strip() for cell in line.strip("|").split("|")]
    assert cells[1:4] == ["not the benchmark's", "deccp_en", "5"]
    document = json.loads(report(capsys, str(tmp_path / "runs"), "--format", "json")[1])
    assert document["models"][0]["questions"]["mark"] == "not the benchmark's"
    assert "matched 0 of its 5 questions" in document["models"][0]["questions"]["detail"]
