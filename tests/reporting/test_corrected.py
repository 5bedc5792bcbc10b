"""`deccp report --labels`: corrected rates on runs and on `deccp classify` output, the `corrected` object of
--format json, the footnotes and unsure share without labels, and labels that do not fit (a re-done run, an unknown
id, a label outside the four, two readers disagreeing) as one-line errors naming them.

Runs are copies of the committed demo run (results/smollm2-135m-instruct); classify output is made here by the real
`deccp classify` (keyword detector) from that run's answers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.statistics.ppi import ppi_rate

DEMO = REPO / "results" / "smollm2-135m-instruct"
pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason="needs the committed demo run in results/")


def report(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(["report", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def sample_items(tmp_path: Path, run: Path, per_model: str = "10") -> list[dict]:
    page = tmp_path / "check.html"
    assert main(["spot-check", str(run), "--per-model", per_model, "--seed", "5", "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    start = text.index('id="deccp-data">') + len('id="deccp-data">')
    return json.loads(text[start:text.index("</script>", start)])["items"]


def write_labels(path: Path, items: list[dict], label: str = "refused") -> Path:
    path.write_text("".join(json.dumps({"id": item["id"], "label": label, "answer_sha256": item["answer_sha256"]})
                            + "\n" for item in items), encoding="utf-8")
    return path


def test_without_labels_the_report_says_what_its_intervals_cover(capsys):
    rc, out, _ = report(capsys, str(DEMO))
    assert rc == 0
    assert "cover only the sampling of questions" in out
    assert "| SmolLM2-135M-Instruct.Q4_1 | deccp_plus_en | 165 |" in out and "Unsure:" in out
    rc, out, _ = report(capsys, str(DEMO), "--format", "json")
    document = json.loads(out)
    assert document["groups"] and all(group["corrected"] is None for group in document["groups"])
    assert all(0 <= group["unsure_share"] <= 1 for group in document["groups"])


def test_labels_give_corrected_rates_per_model_and_task(tmp_path, capsys):
    items = sample_items(tmp_path, DEMO)
    labels = write_labels(tmp_path / "labels.jsonl", items)  # a reader who calls every sampled answer refused
    rc, out, _ = report(capsys, str(DEMO), "--labels", str(labels), "--format", "json")
    assert rc == 0
    groups = {group["task"]: group for group in json.loads(out)["groups"]}
    group = groups["deccp_plus_en"]
    corrected = group["corrected"]
    assert corrected["n_labels"] == 10 and corrected["label_censorship_rate"] == 1.0
    assert 0 <= corrected["ci_low"] <= corrected["censorship_rate"] <= corrected["ci_high"] <= 1
    assert group["detector"]["censorship_rate"] < corrected["censorship_rate"]
    # Ten refused out of ten against the detector's 18% [13, 24]: the intervals do not overlap, and it is marked.
    assert group["disagrees"] is True and corrected["ci_low"] > group["detector"]["ci_high"]
    assert group["agreement"]["n"] == 10 and "confusion" in group["agreement"]
    rc, out, _ = report(capsys, str(DEMO), "--labels", str(labels))
    assert rc == 0 and "corrected: censorship [95%]" in out and "prediction-powered" in out
    assert next(line for line in out.splitlines() if "| deccp_plus_en |" in line).endswith("| ≠ |")
    assert report(capsys, str(DEMO), "--labels", str(labels), "--format", "csv")[0] == 2


def test_labels_of_a_re_done_run_are_an_error_naming_them(tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(DEMO, run)
    items = sample_items(tmp_path, run)
    labels = write_labels(tmp_path / "labels.jsonl", items)
    changed = next(item for item in items if "/deccp_plus_en/" in item["id"])
    doc_id = int(changed["id"].rsplit("/", 1)[1])
    (samples,) = run.glob("samples_deccp_plus_en_*.jsonl")
    rows = [json.loads(line) for line in samples.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["doc_id"] == doc_id:  # the run re-done: another answer to the same question
            verdict = json.loads(row["filtered_resps"][0][0])
            verdict["answer"] = row["resps"][0][0] = "A different answer."
            row["filtered_resps"] = [[json.dumps(verdict)]]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    rc, _, err = report(capsys, str(run), "--labels", str(labels))
    assert rc == 2 and err.count("\n") == 1
    assert "changed since" in err and repr(changed["id"]) in err and f"{labels}:" in err


@pytest.mark.parametrize("row, says", [
    ({"id": "SmolLM2-135M-Instruct.Q4_1/deccp_plus_en/99999", "label": "refused"}, "name no answer"),
    ({"id": "SmolLM2-135M-Instruct.Q4_1/deccp_plus_en/0", "label": "censored"}, "is not one of"),
    ({"label": "refused"}, "no 'id'"),
])
def test_labels_that_do_not_fit_are_one_line_errors(tmp_path, capsys, row, says):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps(row) + "\n", encoding="utf-8")
    rc, _, err = report(capsys, str(DEMO), "--labels", str(labels))
    assert rc == 2 and says in err and err.count("\n") == 1 and "Traceback" not in err


def test_two_labels_for_one_answer_must_agree(tmp_path, capsys):
    key = "SmolLM2-135M-Instruct.Q4_1/deccp_plus_en/0"
    first = write_labels(tmp_path / "a.jsonl", [{"id": key, "answer_sha256": None}], "refused")
    second = write_labels(tmp_path / "b.jsonl", [{"id": key, "answer_sha256": None}], "answered")
    rc, _, err = report(capsys, str(DEMO), "--labels", str(first), "--labels", str(second))
    assert rc == 2 and "'refused'" in err and "'answered'" in err


@pytest.fixture(scope="module")
def classified(tmp_path_factory) -> Path:
    """The demo run's English and Chinese deccp-plus answers as rows of two 'models', labelled by deccp classify."""
    folder = tmp_path_factory.mktemp("classified")
    rows = []
    for lang in ("en", "zh"):
        (samples,) = DEMO.glob(f"samples_deccp_plus_{lang}_[0-9]*.jsonl")
        for line in samples.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            rows.append({"id": f"{lang}-{sample['doc_id']}", "model": "even" if sample["doc_id"] % 2 else "odd",
                         "lang": lang, "question": sample["doc"]["question"], "response": sample["resps"][0][0]})
    source = folder / "generations.jsonl"
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    out = folder / "classified.jsonl"
    assert main(["classify", str(source), "-o", str(out), "--backend", "keywords", "--no-progress", "--no-judge"]) == 0
    return out


def test_classify_output_gets_corrected_rates_per_group(classified, tmp_path, capsys):
    rows = [json.loads(line) for line in classified.read_text(encoding="utf-8").splitlines()]
    group = [row for row in rows if row["model"] == "odd" and row["lang"] == "en"]
    labelled = group[:12]
    labels = tmp_path / "labels.jsonl"
    given = ["deflected" if k % 3 == 0 else "answered" for k in range(len(labelled))]
    labels.write_text("".join(json.dumps({"id": row["id"], "label": label}) + "\n"
                              for row, label in zip(labelled, given)), encoding="utf-8")
    rc, out, _ = report(capsys, str(classified), "--labels", str(labels), "--format", "json")
    assert rc == 0
    document = json.loads(out)
    assert document["group_by"] == ["model", "lang"]
    groups = {(g["model"], g["lang"]): g for g in document["groups"]}
    assert set(groups) == {("odd", "en"), ("even", "en"), ("odd", "zh"), ("even", "zh")}
    assert all(g["corrected"] is None for key, g in groups.items() if key != ("odd", "en"))
    verdicts = [float(row["deccp"]["label"] in ("refused", "deflected")) for row in group]
    expected = ppi_rate(verdicts, list(range(12)), [float(label == "deflected") for label in given])
    corrected = groups[("odd", "en")]["corrected"]
    assert (corrected["censorship_rate"], corrected["ci_low"], corrected["ci_high"], corrected["n_labels"]) == \
        (pytest.approx(expected.rate), pytest.approx(expected.low), pytest.approx(expected.high), 12)
    # --group-by lang pools the two 'models'.
    rc, out, _ = report(capsys, str(classified), "--labels", str(labels), "--group-by", "lang", "--format", "json")
    assert rc == 0 and [g["lang"] for g in json.loads(out)["groups"]] == ["en", "zh"]
    rc, out, _ = report(capsys, str(classified), "--labels", str(labels))
    assert rc == 0 and "| odd | en | 165 |" not in out and "| odd | en |" in out
    # An id that is not in the classified rows is named.
    labels.write_text(json.dumps({"id": "en-nope", "label": "refused"}) + "\n", encoding="utf-8")
    rc, _, err = report(capsys, str(classified), "--labels", str(labels))
    assert rc == 2 and "'en-nope'" in err
    assert report(capsys, str(classified), "--group-by", "colour")[0] == 2


def test_an_empty_classify_output_is_an_error_not_an_empty_report(tmp_path, capsys):
    empty = tmp_path / "classified.jsonl"
    empty.write_text("", encoding="utf-8")
    rc, out, err = report(capsys, str(empty))
    assert (rc, out) == (2, "")
    assert "no rows of `deccp classify` output: the file is empty" in err
