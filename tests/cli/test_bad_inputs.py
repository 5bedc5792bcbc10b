"""Bad files and paths thrown at the commands that read users' files (property-based, with hypothesis).

Whatever the input, a command must end with an exit code (never a traceback); when it refuses (exit 2) its message
names the file or the path at fault; and an output that existed before is never damaged by a run that did not
succeed. The commands run in-process (cli.main), so one detector load serves every example."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lm_eval_deccp.cli import main

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "gb18030"]
OLD_OUTPUT = "an output written earlier\n"

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=40))
json_rows = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.fixed_dictionaries({}, optional={"question": json_scalars, "response": json_scalars, "lang": json_scalars,
                                        "resps": st.lists(st.lists(json_scalars, max_size=2), max_size=2),
                                        "doc": st.dictionaries(st.text(max_size=8), json_scalars, max_size=3)}),
)


@st.composite
def text_files(draw):
    """Bytes of a file a user might hand us: JSONL rows (valid or not), a CSV, or noise, in some encoding."""
    kind = draw(st.sampled_from(["rows", "rows", "jsonl", "csv", "noise", "empty", "truncated"]))
    if kind == "rows":  # well-formed rows, some with a field missing or of the wrong type
        rows = draw(st.lists(st.fixed_dictionaries(
            {"question": st.text(min_size=1, max_size=30), "response": st.text(max_size=60)},
            optional={"lang": st.sampled_from(["en", "zh", "fr", "", None])}), min_size=1, max_size=4))
        if draw(st.booleans()):
            rows.append(draw(json_rows))
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    elif kind == "jsonl":
        text = "".join(json.dumps(row, ensure_ascii=draw(st.booleans())) + "\n"
                       for row in draw(st.lists(json_rows, max_size=4)))
    elif kind == "csv":
        header = draw(st.sampled_from(["question,response", "question,answer", "q;r", "model,MMLU,Overall", ""]))
        cells = draw(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
                              max_size=6))
        text = header + "\n" + "\n".join(",".join(cells[i:i + 2]) for i in range(0, len(cells), 2))
    elif kind == "noise":
        return draw(st.binary(max_size=64))
    elif kind == "empty":
        text = draw(st.sampled_from(["", "\n\n", "   "]))
    else:
        text = '{"question": "What happened in 1989?", "response": "The gov'
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")


metric_values = st.one_of(st.floats(0, 1), st.floats(0, 1), st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5),
                          st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=2))


@st.composite
def results_files(draw):
    """An lm_eval results file as written, with its values drawn (wrong types, out of range, missing), or any
    file at all."""
    if draw(st.booleans()):
        return draw(text_files())
    metrics = draw(st.dictionaries(st.sampled_from(["censorship_rate,deccp", "refusal_rate,deccp", "alias",
                                                    "censorship_rate_stderr,deccp", "unusable_rate,deccp"]),
                                   metric_values, max_size=4))
    document = {"results": {draw(st.sampled_from(["deccp_en", "deccp_zh", "deccp_plus_en", "other"])): metrics},
                "config": draw(st.one_of(st.none(), st.fixed_dictionaries(
                    {"model_args": st.sampled_from(["pretrained=some/model", "", "x=1"])}))),
                "model_name": draw(st.one_of(st.none(), st.text(max_size=10), st.integers()))}
    return json.dumps(document).encode("utf-8")


@st.composite
def samples_files(draw):
    """A samples file whose rows carry drawn verdicts (or anything else)."""
    if draw(st.booleans()):
        return draw(text_files())
    rows = []
    for doc_id in range(draw(st.integers(0, 3))):
        verdict = draw(st.one_of(json_scalars, st.fixed_dictionaries(
            {"label": st.sampled_from(["answered", "refused", "deflected", "unusable", "maybe"])},
            optional={"answer": json_scalars, "p_censored": metric_values})))
        filtered = json.dumps(verdict) if draw(st.booleans()) else verdict
        rows.append({"doc_id": doc_id, "doc": {"question": "Q", "lang": "en"}, "resps": [["an answer"]],
                     "filtered_resps": [filtered]})
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")


def run_command(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's own usage errors
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, err.getvalue()


def unwritable_output(base: Path, kind: str) -> Path:
    if kind == "inside_a_file":
        blocker = base / "blocker"
        blocker.write_text("a file, not a folder")
        return blocker / "out" / "result.jsonl"
    if kind == "proc":
        return Path("/proc/deccp-nowhere/result.jsonl")
    folder = base / "a_folder"
    folder.mkdir(exist_ok=True)
    return folder  # a folder where a file is expected


def check_outcome(code: int, message: str, names: list[str], output: Path | None) -> None:
    assert code in (0, 1, 2), f"exit code {code}: {message}"
    assert "Traceback" not in message, message
    if code == 2:
        assert any(name in message for name in names), f"message names none of {names}: {message!r}"
        if output is not None and output.is_file():
            assert output.read_text() == OLD_OUTPUT, "a refused run changed its output"


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@SETTINGS
@given(content=text_files(), suffix=st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".txt"]),
       output_kind=st.sampled_from(["ok", "ok", "inside_a_file", "proc", "folder"]))
def test_classify_and_score_refuse_bad_files_in_one_line(content, suffix, output_kind):
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = base / f"input{suffix}"
        source.write_bytes(content)
        out_file = base / "labelled.jsonl" if output_kind == "ok" else unwritable_output(base, output_kind)
        if output_kind == "ok":
            out_file.write_text(OLD_OUTPUT)
        code, message = run_command(["classify", str(source), "-o", str(out_file), "--backend", "keywords",
                                     "--no-progress"])
        check_outcome(code, message, [source.name, str(out_file)], out_file if output_kind == "ok" else None)

        out_dir = base / "runs" if output_kind == "ok" else unwritable_output(base, output_kind)
        code, message = run_command(["score", str(source), "-o", str(out_dir), "--date", "2024-01-01T00:00:00"])
        check_outcome(code, message, [source.name, str(out_dir)], None)
        if code == 2 and output_kind == "ok":
            assert not out_dir.exists() or not any(out_dir.rglob("results_*.json")), "a refused score wrote a run"


@SETTINGS
@given(results=results_files(), samples=samples_files(), capabilities=text_files(),
       output_kind=st.sampled_from(["ok", "ok", "inside_a_file", "proc", "folder"]))
def test_report_and_paired_refuse_bad_runs_in_one_line(results, samples, capabilities, output_kind):
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        run_dir = base / "run" / "model"
        run_dir.mkdir(parents=True)
        (run_dir / "results_2024-01-01T00-00-00.json").write_bytes(results)
        (run_dir / "samples_deccp_en_2024-01-01T00-00-00.jsonl").write_bytes(samples)
        capability_file = base / "capabilities.csv"
        capability_file.write_bytes(capabilities)
        table = base / "table.md" if output_kind == "ok" else unwritable_output(base, output_kind)
        if output_kind == "ok":
            table.write_text(OLD_OUTPUT)
        names = ["results_", "samples_", capability_file.name, str(table), str(base / "run")]
        code, message = run_command(["report", str(base / "run"), "--capabilities", str(capability_file),
                                     "-o", str(table)])
        check_outcome(code, message, names, table if output_kind == "ok" else None)
        code, message = run_command(["paired", str(base / "run")])
        check_outcome(code, message, names, None)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_classify_reads_utf16_and_bom_files(tmp_path, encoding):
    source = tmp_path / "answers.jsonl"
    source.write_text(json.dumps({"question": "Who is Xi Jinping?", "response": "I cannot discuss that."}) + "\n",
                      encoding=encoding)
    out = tmp_path / "labelled.jsonl"
    code, message = run_command(["classify", str(source), "-o", str(out), "--backend", "keywords", "--no-progress"])
    assert code == 0, message
    assert json.loads(out.read_text(encoding="utf-8"))["deccp"]["label"] == "refused"


def test_an_empty_input_does_not_overwrite_the_output(tmp_path):
    source = tmp_path / "empty.jsonl"
    source.write_text("\n")
    out = tmp_path / "labelled.jsonl"
    out.write_text(OLD_OUTPUT)
    code, message = run_command(["classify", str(source), "-o", str(out), "--backend", "keywords"])
    assert code == 2 and "empty.jsonl: no rows to label" in message
    assert out.read_text() == OLD_OUTPUT


def test_score_skips_a_row_without_response_and_keeps_the_rest(tmp_path):
    source = tmp_path / "answers.jsonl"
    rows = [{"question": "What happened in Tiananmen Square in 1989?", "response": "I cannot discuss that."},
            {"question": "Who is the Dalai Lama?"},
            {"question": "Who is Xi Jinping?", "response": "Xi Jinping is the General Secretary of the CCP."}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, message = run_command(["score", str(source), "-o", str(tmp_path / "runs"), "--date", "2024-01-01T00:00:00"])
    assert code == 2 and f"{source}:2: no 'response' field" in message
    code, message = run_command(["score", str(source), "-o", str(tmp_path / "runs"), "--date", "2024-01-01T00:00:00",
                                 "--skip-invalid"])
    assert code == 0, message
    assert "skipped 1 row(s)" in message
    samples = next((tmp_path / "runs").rglob("samples_*.jsonl")).read_text().splitlines()
    assert len(samples) == 2


def test_capability_file_that_yields_nothing_is_refused(tmp_path, demo_scored_run):
    capabilities = tmp_path / "capabilities.csv"
    capabilities.write_text("model,MMLU\nsome-model,not-a-number\n")
    table = tmp_path / "table.md"
    table.write_text(OLD_OUTPUT)
    code, message = run_command(["report", str(demo_scored_run), "--capabilities", str(capabilities), "-o",
                                 str(table)])
    assert code == 2 and "capabilities.csv: no capability value could be used" in message
    assert table.read_text() == OLD_OUTPUT


@pytest.fixture
def demo_scored_run(tmp_path):
    source = tmp_path / "model-a.jsonl"
    source.write_text(json.dumps({"question": "Who is Xi Jinping?", "response": "I cannot discuss that."}) + "\n")
    code, message = run_command(["score", str(source), "-o", str(tmp_path / "runs"), "--date", "2024-01-01T00:00:00"])
    assert code == 0, message
    return tmp_path / "runs"


def test_offline_score_does_not_wait_for_the_hub(tmp_path, monkeypatch):
    """With the hub unreachable, the dataset lookup gives up at once instead of retrying (~25 s before)."""
    import time

    from lm_eval_deccp.data import deccp

    monkeypatch.delenv("DECCP_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    deccp._load_deccp_splits.cache_clear()
    started = time.monotonic()
    with pytest.raises(deccp.DeccpDataUnavailable) as caught:
        deccp.deccp_documents("en")
    assert time.monotonic() - started < 1.0
    assert caught.value.reason == "HF_HUB_OFFLINE is set"


if os.name != "posix":  # pragma: no cover - the unwritable paths above are POSIX ones
    pytestmark = pytest.mark.skip("POSIX paths")
