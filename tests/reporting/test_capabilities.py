"""`deccp report --capabilities`: capability scores from CSV, TSV and JSON tables and from MixEval's own score.json
files, beside the censorship columns of real runs (the committed `deccp score` runs of Qwen2-7B-Instruct and its
abliterated version, and the session's lm_eval run); aliases; which value a cell gets when sources overlap; the
published overall beside Overall; every bad input named by file, row and column while the table is still made;
the censorship-vs-capability chart; and the committed MixEval source file against the blog's anchors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS

COLUMNS = [column.header for column in CAPABILITY_COLUMNS]
QWEN = "qwen2-7b-instruct"
DECCP = "qwen2-7b-instruct-deccp"
# Sixteen scores per model in MixEval's column order, with the number of digits MixEval prints.
QWEN_SCORES = ["0.756", "0.744", "0.546", "0.741", "0.479", "0.319", "1.0", "0.377", "0.443", "0.243", "0.25",
               "0.25", "0.75", "0.0", "0.58", "0.40"]
DECCP_SCORES = ["0.844", "0.731", "0.587", "0.777", "0.465", "0.31", "0.0", "0.359", "0.459", "0.216", "0.25",
                "0.25", "0.625", "0.0", "0.5", "0.40"]
BLOG_SOURCE = REPO / "results" / "capabilities" / "mixeval_deccp_blog.json"


@pytest.fixture
def runs(tmp_path) -> Path:
    """The two committed Qwen2 runs (written by `deccp score`), copied so the tests are independent of results/."""
    folder = tmp_path / "runs"
    for model in (QWEN, DECCP):
        shutil.copytree(REPO / "results" / model, folder / model)
    return folder


def report(capsys, *args: str) -> tuple[int, str, str]:
    """The full table (--columns all), whose every capability column these tests read."""
    rc = main(["report", *args, "--columns", "all"])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def report_json(capsys, *args: str) -> tuple[int, dict, str]:
    rc, out, err = report(capsys, *args, "--format", "json")
    return rc, json.loads(out), err


def models(document: dict) -> dict[str, dict]:
    return {model["model"]: model for model in document["models"]}


def markdown_row(markdown: str, model: str) -> dict[str, str]:
    header, _, *rows = markdown.splitlines()
    names = [cell.strip() for cell in header.split("|")]
    row = next(line for line in rows if line.startswith(f"| {model} |"))
    return dict(zip(names, [cell.strip() for cell in row.split("|")]))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def table(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


ALIASES = ("--alias", f"Qwen/Qwen2-7B-Instruct={QWEN}", "--alias", f"augmxnt/Qwen2-7B-Instruct-deccp={DECCP}")


# ---- formats ----

def test_a_csv_table_fills_the_capability_columns_as_published(runs, tmp_path, capsys):
    source = write(tmp_path / "scores.csv", table([
        ["model", "Overall", *(name.lower() for name in COLUMNS)],  # column names match without regard to case
        ["Qwen/Qwen2-7B-Instruct", "0.4345", *QWEN_SCORES],
        ["augmxnt/Qwen2-7B-Instruct-deccp", "0.4285", *DECCP_SCORES],
    ]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source), *ALIASES)
    assert rc == 0, err
    qwen = markdown_row(out, QWEN)
    assert qwen["deccp EN censorship"] != "—", "censorship from the run, capability from the file: one row"
    assert [qwen[name] for name in COLUMNS[:3]] == ["75.6", "74.4", "54.6"]
    assert qwen["MBPP"] == "100.0" and qwen["SIQA"] == "40.0"
    # Overall keeps its definition (mean of the 16 columns shown); the published overall is its own column, with
    # the digits it was published with.
    assert qwen["Overall"] == "49.2" and qwen["Overall (published)"] == "43.45"
    assert markdown_row(out, DECCP)["Overall (published)"] == "42.85"
    assert f"Overall: unweighted mean of the 16 capability column(s) shown ({', '.join(COLUMNS)})" in out
    assert "Overall (published): the overall score a capability file gives, as published" in out
    # Every value says where it came from: the file and row, under the table.
    assert (f"- {QWEN}: `{runs / QWEN / 'results_2024-06-10T00-00-00.json'}`; the 16 capability columns and "
            f"Overall (published) from `{source}` row 2 (as 'Qwen/Qwen2-7B-Instruct')") in out
    assert f"- `{source}` (CSV table)" in out


def test_tsv_and_json_tables_read_alike_and_a_json_source_is_cited(runs, tmp_path, capsys):
    tsv = write(tmp_path / "scores.tsv", table([["model", *COLUMNS], ["Qwen/Qwen2-7B-Instruct", *QWEN_SCORES]],
                                               delimiter="\t"))
    listed = write(tmp_path / "list.json", f'[{{"model": "{DECCP}", ' + ", ".join(
        f'"{name}": {value}' for name, value in zip(COLUMNS, DECCP_SCORES)) + "}]")
    rc, document, err = report_json(capsys, str(runs), "--capabilities", str(tsv), "--capabilities", str(listed),
                                    *ALIASES[:2])
    assert rc == 0, err
    rows = models(document)
    assert rows[QWEN]["cells"]["MATH"]["value"] == 0.756
    assert rows[QWEN]["cells"]["MATH"]["origin"] == {"file": str(tsv), "row": 2, "model": "Qwen/Qwen2-7B-Instruct"}
    assert rows[DECCP]["cells"]["OpenBookQA"]["value"] == 0.625
    assert rows[DECCP]["cells"]["OpenBookQA"]["origin"]["row"] == 1, "JSON rows count entries, from 1"
    assert rows[QWEN]["Overall"] == pytest.approx(sum(map(float, QWEN_SCORES)) / 16)
    assert document["overall"]["columns"] == [column.key for column in CAPABILITY_COLUMNS]
    assert {entry["kind"] for entry in document["capability_files"]} == {"TSV table", "JSON table"}

    cited = write(tmp_path / "cited.json", json.dumps({
        "source": {"title": "A post", "author": "Someone", "year": 2024, "url": "https://example.org/post"},
        "scores": [{"model": QWEN, "MMLU": 0.377}]}))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(cited))
    assert rc == 0, err
    assert f"- `{cited}` (JSON table): \"A post\", Someone, 2024, https://example.org/post" in out


def _mixeval_score(scores: list[str], overall_key: str, overall: str) -> str:
    """A score.json as MixEval's compute_metrics.py writes it: json.dumps(..., indent=4), overall first."""
    entries = [f'    "{overall_key}": {overall}'] + [f'    "{name}": {value}' for name, value in zip(COLUMNS, scores)]
    return "{\n" + ",\n".join(entries + ['    "WinoGrande": 0.5']) + "\n}\n"


def test_mixeval_score_json_for_one_model_and_for_all_models(runs, tmp_path, capsys):
    # MixEval up to August 2024: <output_dir>/<model>/<benchmark>/<version>/score.json, "overall score (final score)".
    one = write(tmp_path / "mixeval" / QWEN / "mixeval_hard" / "2024-06-01" / "score.json",
                _mixeval_score(QWEN_SCORES, "overall score (final score)", "0.4345"))
    # Later releases: "overall", and <output_dir>/score.json holding every model under its name.
    every = write(tmp_path / "mixeval-new" / "score.json", json.dumps(
        {DECCP: json.loads(_mixeval_score(DECCP_SCORES, "overall", "0.4285"))}, indent=4))
    rc, document, err = report_json(capsys, str(runs), "--capabilities", str(one), "--capabilities", str(every))
    assert rc == 0, err
    rows = models(document)
    assert rows[QWEN]["cells"]["Overall (published)"]["value"] == 0.4345
    assert rows[QWEN]["cells"]["Overall (published)"]["source"] == "MixEval-Hard 2024-06-01 score.json"
    assert rows[DECCP]["cells"]["MATH"]["value"] == 0.844
    assert rows[DECCP]["cells"]["MATH"]["source"] == "MixEval score.json"
    # MixEval benchmarks without a column (WinoGrande, MMLU-Pro) are read past with a note, not an error.
    assert "column 'WinoGrande': a MixEval benchmark the table has no column for; ignored" in err


def test_a_mixeval_score_json_outside_mixevals_layout_is_named(runs, tmp_path, capsys):
    loose = write(tmp_path / "score.json", _mixeval_score(QWEN_SCORES, "overall", "0.4345"))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(loose))
    assert f"{loose}: a MixEval score for one model, but its path does not say which model" in err
    # A capability file that yields nothing is refused: a table without the columns asked for is not a result.
    assert rc == 2 and out == ""
    assert f"{loose}: no capability value could be used" in err


def test_capability_only_models_need_asking_for(runs, capsys):
    rc, out, err = report(capsys, str(runs), "--capabilities", str(BLOG_SOURCE), *ALIASES, "--include-capability-only")
    assert rc == 0, err
    llama = markdown_row(out, "meta-llama/Meta-Llama-3-8B-Instruct")
    assert llama["deccp EN censorship"] == "—" and llama["MMLU"] == "40.3" and llama["Overall (published)"] == "41.05"
    assert "- meta-llama/Meta-Llama-3-8B-Instruct: no run; the 16 capability columns" in out
    assert "capability scores only, no run (--include-capability-only)" in err


# ---- bad input: one line each naming file, row and column; the rest is used; exit status 1 ----

def test_bad_values_are_named_by_file_row_and_column_and_the_rest_is_used(runs, tmp_path, capsys):
    source = write(tmp_path / "bad.csv", table([
        ["model", "MMLU", "GSM8k", "BBH", "ARC", "SIQA", "Vibes"],
        [QWEN, "0.377", "n/a", "75.6", "nan", "", "0.9"],
        [DECCP, "0.359", "0.777", "0.731", "-0.1", "0.40", "0.8"],
        [QWEN, "0.5", "0.5", "0.5", "0.5", "0.5", "0.5"],
        ["", "0.1", "", "", "", "", ""],
    ]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert rc == 1
    lines = err.splitlines()

    def one_line(*parts: str) -> None:
        found = [line for line in lines if all(part in line for part in parts)]
        assert len(found) == 1, (parts, err)

    one_line(f"{source}: row 1 (header), column 'Vibes': not a capability column")
    one_line(f"{source}: row 2 (model '{QWEN}'), column 'GSM8k': 'n/a' is not a number; skipped")
    one_line(f"{source}: row 2 (model '{QWEN}'), column 'BBH': 75.6 is outside [0, 1]", "75.6% is 0.756")
    one_line(f"{source}: row 2 (model '{QWEN}'), column 'ARC': 'nan' is not a finite number")
    one_line(f"{source}: row 3 (model '{DECCP}'), column 'ARC': -0.1 is outside [0, 1]")
    one_line(f"{source}: row 4 (model '{QWEN}'), column 'model': the model is also in row 2; this row is skipped")
    one_line(f"{source}: row 5, column 'model': empty is not a model name; row skipped")
    assert len(lines) == 7 + 2, "one line per bad value, row and column (and the runs' two notes)"
    qwen, deccp = markdown_row(out, QWEN), markdown_row(out, DECCP)
    assert qwen["MMLU"] == "37.7" and qwen["GSM8k"] == "—" and qwen["BBH"] == "—"
    assert deccp["MMLU"] == "35.9" and deccp["GSM8k"] == "77.7" and deccp["BBH"] == "73.1"
    # An empty cell is a missing value, not an error.
    assert qwen["SIQA"] == "—" and deccp["SIQA"] == "40.0"
    header = out.splitlines()[0]
    assert " ARC |" not in header and "Vibes" not in header, "no valid value: no column"


def test_json_values_of_the_wrong_type_are_named_not_a_crash(runs, tmp_path, capsys):
    source = write(tmp_path / "types.json", json.dumps([{"model": 7, "MMLU": 0.5}, {"model": QWEN, "MMLU": [0.5]}]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert f"{source}: row 1, column 'model': \"7\" is not a model name; row skipped" in err
    assert f"{source}: row 2 (model '{QWEN}'), column 'MMLU': [\"0.5\"] is not a number; skipped" in err
    # Nothing of the file is usable: refused, not a table without the columns asked for.
    assert rc == 2 and out == "" and f"{source}: no capability value could be used" in err


def test_a_column_given_twice_is_named_and_its_second_copy_skipped(runs, tmp_path, capsys):
    source = write(tmp_path / "twice.json", json.dumps([{"model": QWEN, "MMLU": 0.377, "mmlu": 0.5},
                                                        {"model": DECCP, "MMLU": 0.359, "mmlu": 0.5}]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert rc == 1
    assert [line for line in err.splitlines() if "'mmlu'" in line] == [
        f"deccp report: {source}: row 1 (model '{QWEN}'), column 'mmlu': the same column as 'MMLU'; its values are "
        f"skipped"]
    assert markdown_row(out, QWEN)["MMLU"] == "37.7" and markdown_row(out, DECCP)["MMLU"] == "35.9"

    source = write(tmp_path / "twice.csv", table([["model", "MMLU", "MMLU"], [QWEN, "0.377", "0.5"]]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert rc == 1
    assert f"{source}: row 1 (header), column 'MMLU': the same column as 'MMLU'; its values are skipped" in err
    assert markdown_row(out, QWEN)["MMLU"] == "37.7"


def test_a_model_that_matches_no_run_is_named_and_skipped(runs, tmp_path, capsys):
    source = write(tmp_path / "scores.csv", table([["model", "MMLU"], ["Qwen/Qwen2-7B-Instruct", "0.377"],
                                                   [DECCP, "0.359"]]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert rc == 1
    assert (f"{source}: row 2 (model 'Qwen/Qwen2-7B-Instruct'), column 'model': no run has a model named "
            f"'Qwen/Qwen2-7B-Instruct'; row skipped (match it to a run's model with --alias NAME=MODEL") in err
    assert markdown_row(out, DECCP)["MMLU"] == "35.9" and markdown_row(out, QWEN)["MMLU"] == "—"
    assert "| Qwen/Qwen2-7B-Instruct |" not in out


def test_two_names_that_alias_to_one_model_in_one_file_keep_the_first(runs, tmp_path, capsys):
    source = write(tmp_path / "scores.csv", table([["model", "MMLU"], ["Qwen/Qwen2-7B-Instruct", "0.377"],
                                                   [QWEN, "0.5"]]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source), *ALIASES[:2])
    assert rc == 1
    assert (f"{source}: row 3 (model '{QWEN}'), column 'model': the same model as row 2 ('Qwen/Qwen2-7B-Instruct') "
            f"once --alias is applied; this row is skipped (the first is used)") in err
    assert markdown_row(out, QWEN)["MMLU"] == "37.7"


@pytest.mark.parametrize("name, text, message", [
    ("broken.json", '{"scores": [{"model": "x", "MMLU": 0.3}', "not valid JSON"),
    ("other.json", '{"hello": 1}', "neither a capability table"),
    ("scores.xlsx", "binary", "not a capability file this command reads (.csv, .tsv or .json)"),
    ("nomodel.csv", "name,MMLU\nx,0.3\n", "row 1 (header): no 'model' column"),
    ("empty.csv", "\n", "empty"),
])
def test_an_unreadable_file_is_named_and_refused(runs, tmp_path, capsys, name, text, message):
    source = write(tmp_path / name, text)
    rc, out, err = report(capsys, str(runs), "--capabilities", str(source))
    assert f"deccp report: {source}: {message}" in err
    assert rc == 2 and out == "" and f"{source}: no capability value could be used" in err


def test_a_missing_file_and_an_unused_alias_are_named(runs, tmp_path, capsys):
    rc, out, err = report(capsys, str(runs), "--capabilities", str(tmp_path / "nope.csv"), "--alias", "ghost=x")
    assert rc == 2
    assert f"{tmp_path / 'nope.csv'}: no such file; nothing of it can be used" in err
    assert "--alias ghost=x: no run or capability file has a model named 'ghost'" in err


@pytest.mark.parametrize("alias", ["no-equals-sign", "=x", "x="])
def test_a_malformed_alias_is_a_usage_error(runs, capsys, alias):
    rc, out, err = report(capsys, str(runs), "--alias", alias)
    assert rc == 2 and "expected NAME=MODEL" in err and out == ""


# ---- overlapping sources ----

def test_sources_that_disagree_leave_the_cell_empty_and_say_so(runs, tmp_path, capsys):
    first = write(tmp_path / "a.csv", table([["model", "MMLU", "GSM8k"], [QWEN, "0.377", "0.741"],
                                             [DECCP, "0.359", "0.777"]]))
    second = write(tmp_path / "b.json", json.dumps([{"model": QWEN, "MMLU": 0.377, "GSM8k": 0.5}]))
    rc, out, err = report(capsys, str(runs), "--capabilities", str(first), "--capabilities", str(second))
    assert rc == 1
    assert (f"model '{QWEN}', column 'GSM8k': the sources disagree ({first} row 2 (model '{QWEN}') gives 0.741; "
            f"{second} row 1 (model '{QWEN}') gives 0.5); the cell is left empty") in err
    qwen = markdown_row(out, QWEN)
    assert qwen["GSM8k"] == "—" and qwen["MMLU"] == "37.7", "equal values from two sources agree"
    assert qwen["Overall"] == "—", "no Overall over a column left empty"


def test_a_capability_file_that_disagrees_with_an_lm_eval_run_is_refused(runs, tmp_path, capsys):
    base = json.loads((runs / QWEN / "results_2024-06-10T00-00-00.json").read_text(encoding="utf-8"))
    # An lm_eval capability run of the same model, as lm_eval writes it (the capability tasks need the hub).
    write(runs / "mmlu" / "results_2024-06-11T00-00-00.json",
          json.dumps(dict(base, results={"mmlu": {"alias": "mmlu", "acc,none": 0.70, "acc_stderr,none": 0.004},
                                         "hellaswag": {"alias": "hellaswag", "acc_norm,none": 0.61}}, date=2.0)))
    source = write(tmp_path / "scores.csv", table([["model", "MMLU", "BBH"], [QWEN, "0.377", "0.744"],
                                                   [DECCP, "0.359", "0.731"]]))
    rc, document, err = report_json(capsys, str(runs), "--capabilities", str(source))
    assert rc == 1
    assert (f"column 'MMLU': the sources disagree (lm_eval mmlu: acc,none gives 0.7; {source} row 2 "
            f"(model '{QWEN}') gives 0.377)") in err
    cells = models(document)[QWEN]["cells"]
    assert cells["MMLU"]["value"] is None and cells["BBH"]["value"] == 0.744 and cells["HellaSwag"]["value"] == 0.61
    assert cells["HellaSwag"]["source"] == "hellaswag: acc_norm,none" and "origin" not in cells["HellaSwag"]
    assert any("come from 2 sources" in note for note in document["notes"]), "Overall over mixed sources is noted"


# ---- the chart ----

def test_the_plot_adds_censorship_against_capability(runs, capsys, tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the [report] extra (matplotlib)")
    from PIL import Image

    plain, with_capability = tmp_path / "plain.png", tmp_path / "capability.png"
    assert report(capsys, str(runs), "--plot", str(plain))[0] == 0
    for attempt in ("a", "b"):
        rc, _, err = report(capsys, str(runs), "--capabilities", str(BLOG_SOURCE), *ALIASES,
                            "--include-capability-only", "--plot", str(tmp_path / f"{attempt}.png"),
                            "--plot-capability", "overall (published)")
        assert rc == 0, err
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    shutil.copy(tmp_path / "a.png", with_capability)
    # The bar chart is kept; the trade-off panels (one per language) are added below it.
    assert Image.open(with_capability).width == Image.open(plain).width
    assert Image.open(with_capability).height > Image.open(plain).height + 300
    rc, _, err = report(capsys, str(runs), "--capabilities", str(BLOG_SOURCE), *ALIASES, "--plot",
                        str(tmp_path / "mmlu.png"), "--plot-capability", "MMLU")
    assert rc == 1 and (tmp_path / "mmlu.png").is_file()  # 1: the blog's other two models match no run


def test_an_unknown_plot_axis_is_a_usage_error(runs, capsys, tmp_path):
    rc, out, err = report(capsys, str(runs), "--plot", str(tmp_path / "x.png"), "--plot-capability", "IQ")
    assert rc == 2 and "--plot-capability 'IQ': not a capability column" in err


# ---- the committed source: the blog's table ----

def test_the_committed_blog_table_matches_its_anchors():
    document = json.loads(BLOG_SOURCE.read_text(encoding="utf-8"))
    assert document["source"]["title"] == "An Analysis of Chinese LLM Censorship and Bias with Qwen 2 Instruct"
    assert document["source"]["url"] == "https://huggingface.co/blog/leonardlin/chinese-llm-censorship-analysis"
    rows = {row["model"]: row for row in document["scores"]}
    assert len(rows) == 4 and all(set(row) == {"model", "Overall", *COLUMNS} for row in rows.values())
    assert rows["Qwen/Qwen2-7B-Instruct"]["Overall"] == 0.4345
    assert rows["augmxnt/Qwen2-7B-Instruct-deccp"]["Overall"] == 0.4285
    # The blog's point: MixEval's Overall is its own score, not the plain mean of the columns (0.492 here).
    assert round(sum(rows["Qwen/Qwen2-7B-Instruct"][name] for name in COLUMNS) / 16, 3) == 0.492


def test_the_committed_leaderboard_shows_the_blogs_models():
    leaderboard = (REPO / "results" / "leaderboard_all.md").read_text(encoding="utf-8")  # every column
    for model in (QWEN, DECCP):
        row = markdown_row(leaderboard, model)
        assert row["deccp EN censorship"] != "—" and row["MMLU"] != "—" and row["Overall (published)"] != "—"
    assert markdown_row(leaderboard, QWEN)["Overall (published)"] == "43.45"
    for model in ("meta-llama/Meta-Llama-3-8B-Instruct", "cognitivecomputations/dolphin-2.9.2-qwen2-7b"):
        row = markdown_row(leaderboard, model)
        assert row["deccp EN censorship"] == "—" and row["MMLU"] != "—"
    assert "An Analysis of Chinese LLM Censorship and Bias with Qwen 2 Instruct" in leaderboard
