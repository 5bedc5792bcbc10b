"""The audit page (`deccp report --format html`), tested in a real headless Chromium: the leaderboard sorts, a rate
opens the answers behind it, filters and search hide rows, an answer opens, one question is shown in every
language, and model output full of markup is shown as text and never runs.

The page is made from the committed results/ (the demo model's real lm_eval run with its 825 deccp-plus samples,
and the Qwen2 results files, which have no samples) and from the hostile run (tests/hostile_answers.py, written with
`deccp score`): answers full of HTML and script, some deccp-plus (so they reach the side-by-side view), under a model
name that is itself markup. One browser serves the whole session (conftest.py; tests/headless_chromium.py: the
system's Chromium over the DevTools protocol on a pipe). Without Chromium these tests skip, saying how to install it, except under CI, where they fail."""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
from collections import Counter
from pathlib import Path

import pytest

from conftest import READY, REPO, leaderboard_runs
from hostile_answers import DEMO, HOSTILE, HOSTILE_OWN, HOSTILE_PART, HOSTILE_QUESTION
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.reading.runs import find_results_files, load_run, read_samples, sample_verdicts

RESULTS = REPO / "results"
pytestmark = pytest.mark.skipif(not DEMO.is_dir(), reason="needs the committed demo run in results/")


# ---- fixtures: the page and a tab (the hostile run and the browser are conftest.py's) ----

@pytest.fixture(scope="module")
def page(hostile_run, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("page") / "audit.html"
    rc = main(["report", *leaderboard_runs(), str(hostile_run), "-o", str(target), "--columns", "all"])
    assert rc == 0
    return target


@pytest.fixture
def tab(browser, page):
    """A fresh tab with the page loaded from disk and its script done."""
    opened = browser.new_page()
    opened.goto(page.as_uri(), ready=READY)
    yield opened
    assert opened.errors == [], "the page's script threw"
    opened.close()


# ---- reading the page in the browser ----

ROWS = """Array.from(document.querySelectorAll('#answers-table tbody tr.answer')).map(r => ({
    index: Number(r.dataset.index), label: r.dataset.label, model: r.cells[0].textContent,
    task: r.cells[1].firstChild.textContent, answer: r.cells[3].textContent}))"""


def answer_count(tab) -> int:
    text = tab.evaluate("document.getElementById('answer-count').textContent")
    match = re.match(r"(?:All )?(\d+)", text)
    assert match, text
    return int(match[1])


def all_rows(tab) -> list[dict]:
    while tab.evaluate("!document.getElementById('show-more').hidden"):
        tab.click("#show-more")
    return tab.evaluate(ROWS)


def leaderboard(tab) -> dict:
    return tab.evaluate("""(() => {
        const t = document.getElementById('leaderboard-table');
        const headers = Array.from(t.tHead.rows[0].cells).map(c => c.textContent);
        const rows = Array.from(t.tBodies[0].rows).map(r => Array.from(r.cells).map(c =>
            ({text: c.textContent, value: 'value' in c.dataset ? c.dataset.value : null})));
        return {headers, rows};
    })()""")


def demo_model() -> str:
    (results,) = find_results_files([DEMO])
    return load_run(results).model


def demo_samples(task: str) -> list[dict]:
    (path,) = DEMO.glob(f"samples_{task}_[0-9]*.jsonl")
    return list(read_samples(path))


def choose_model(tab, model: str) -> None:
    tab.choose("#filter-model", tab.evaluate(
        "Array.from(document.querySelectorAll('#filter-model option')).find(o => o.textContent === "
        f"{json.dumps(model)}).value"))


def embedded(tab, rows: list[dict], field: str) -> list:
    """A field of the answers behind table rows, from the page's embedded data."""
    return tab.evaluate("(() => { const d = JSON.parse(document.getElementById('deccp-data').textContent);"
                        f" return {json.dumps([r['index'] for r in rows])}.map(i => d.answers[i][{json.dumps(field)}]);"
                        " })()")


def cell_selector(tab, model: str, header: str) -> str:
    table = leaderboard(tab)
    column = table["headers"].index(header) + 1
    row = [r[0]["text"] for r in table["rows"]].index(model) + 1
    return f"#leaderboard-table tbody tr:nth-child({row}) > :nth-child({column}) button.drill"


# ---- in the browser ----

def test_the_page_works_from_disk_without_network(tab, page):
    assert tab.evaluate("document.title") == "deccp audit"
    assert tab.evaluate("location.protocol") == "file:"
    assert tab.evaluate("performance.getEntriesByType('resource').filter(e => !e.name.startsWith('data:')).length") == 0
    # Every answer of the committed demo run is there, with those of the hostile run.
    expected = sum(len(demo_samples(t)) for t in HOSTILE) + len(HOSTILE) + 1
    assert answer_count(tab) == expected


def test_the_chart_is_the_plot_of_the_same_runs_shown_at_its_size(tab, hostile_run, tmp_path):
    """The page's chart is the PNG `deccp report --plot` writes for the same runs, decoded at the size its header
    states."""
    chart = tab.evaluate("(() => { const image = document.querySelector('#charts img');"
                         " return {src: image.src, width: image.naturalWidth, height: image.naturalHeight}; })()")
    png = base64.b64decode(chart["src"].removeprefix("data:image/png;base64,"))
    plotted = tmp_path / "plot.png"
    assert main(["report", *leaderboard_runs(), str(hostile_run), "--columns", "all", "--plot", str(plotted)]) == 0
    assert png == plotted.read_bytes()
    assert (chart["width"], chart["height"]) == struct.unpack(">II", png[16:24])  # the PNG's IHDR width and height


def test_the_leaderboard_sorts_by_any_column(tab):
    header = "deccp ZH censorship"
    column = leaderboard(tab)["headers"].index(header)
    selector = f"#leaderboard-table thead th:nth-child({column + 1}) button.sort"

    def values() -> list[float | None]:
        return [None if row[column]["value"] is None else float(row[column]["value"])
                for row in leaderboard(tab)["rows"]]

    assert len([v for v in values() if v is not None]) >= 2, "needs two models with this column to sort"
    tab.click(selector)
    present = [v for v in values() if v is not None]
    assert present == sorted(present) and values()[len(present):] == [None] * (len(values()) - len(present))
    assert tab.evaluate(f"document.querySelector({json.dumps(selector)}).parentNode.getAttribute('aria-sort')") \
        == "ascending"
    tab.click(selector)
    present = [v for v in values() if v is not None]
    assert present == sorted(present, reverse=True), "a second click sorts descending, missing values still last"
    # The model column sorts by name, as the browser collates them.
    tab.click("#leaderboard-table thead th:nth-child(1) button.sort")
    names = [row[0]["text"] for row in leaderboard(tab)["rows"]]
    assert names == tab.evaluate(f"{json.dumps(names)}.slice().sort((a, b) => a.localeCompare(b))")


def test_a_rate_opens_the_answers_that_produced_it(tab):
    model = demo_model()
    samples = demo_samples("deccp_plus_zh")
    deflected = [s for s in samples if sample_verdicts(s)[0]["label"] == "deflected"]
    cell = cell_selector(tab, model, "deccp-plus ZH deflection")
    shown_rate = float(tab.evaluate(f"document.querySelector({json.dumps(cell)}).textContent").split()[0])
    assert shown_rate == pytest.approx(100 * len(deflected) / len(samples), abs=0.05)

    tab.click(cell)
    assert not tab.evaluate("document.getElementById('preset').hidden")
    rows = all_rows(tab)
    assert len(rows) == answer_count(tab) == len(deflected)
    assert {(r["model"], r["task"], r["label"]) for r in rows} == {(model, "deccp_plus_zh", "deflected")}
    assert sorted(embedded(tab, rows, "doc_id")) == sorted(s["doc_id"] for s in deflected)


def test_a_gap_and_the_flip_share_open_their_answers(tab):
    model = demo_model()
    tab.click(cell_selector(tab, model, "deccp-plus China gap EN"))
    rows = all_rows(tab)
    assert {r["task"] for r in rows} == {"deccp_plus_en", "deccp_plus_control_en"}
    assert {r["label"] for r in rows} <= {"refused", "deflected"}

    tab.click(cell_selector(tab, model, "deccp-plus EN↔ZH flip"))
    rows = all_rows(tab)
    assert rows, "the demo run has flipping pairs"
    by_pair: dict[str, dict[str, str]] = {}
    for row, pair in zip(rows, embedded(tab, rows, "pair_id")):
        by_pair.setdefault(pair, {})[row["task"]] = row["label"]
    censored = {"refused", "deflected"}
    for pair, labels in by_pair.items():
        assert set(labels) == {"deccp_plus_en", "deccp_plus_zh"}, pair
        assert (labels["deccp_plus_en"] in censored) != (labels["deccp_plus_zh"] in censored), (pair, labels)


def test_filters_and_search_hide_rows(tab):
    total = answer_count(tab)
    tab.choose("#filter-lang", "zh-Hant")
    rows = all_rows(tab)
    assert rows and {r["task"] for r in rows} == {"deccp_plus_zh_hant"} and len(rows) == answer_count(tab) < total

    tab.click("#filter-labels input[value='deflected']")  # untick
    rows = all_rows(tab)
    assert rows and "deflected" not in {r["label"] for r in rows}

    tab.click("#filter-reset")
    tab.choose("#filter-topic", "tibet")
    rows = all_rows(tab)
    assert rows and set(embedded(tab, rows, "topic")) == {"tibet"}

    tab.click("#filter-reset")
    tab.type("#filter-search", "Peng Shuai")
    rows = all_rows(tab)
    assert rows and len(rows) < total
    assert answer_count(tab) == len(rows)
    assert tab.evaluate("document.getElementById('answer-count').textContent").endswith("answers match.")


def test_an_answer_opens_with_its_verdict_and_source(tab):
    model = demo_model()
    choose_model(tab, model)
    tab.choose("#filter-task", "deccp_plus_en")
    (first, *_) = all_rows(tab)
    sample = demo_samples("deccp_plus_en")[0]
    verdict = sample_verdicts(sample)[0]
    tab.click("#answers-table tbody tr.answer")
    detail = tab.evaluate("""(() => { const d = document.querySelector('#answers-table tr.detail');
        return d && {answer: d.querySelector('.answer-full').textContent,
                     facts: Array.from(d.querySelectorAll('dl.kv dt')).map(dt => [dt.textContent,
                                                                                  dt.nextSibling.textContent])}; })()""")
    assert detail, "clicking a row opens it"
    facts = dict(detail["facts"])
    assert first["model"] == model
    assert detail["answer"] == (verdict["answer"] or "(empty)")
    assert facts["verdict"] == verdict["label"]
    if verdict["unusable_reason"]:  # measured, not scored: no probabilities, and the reason instead
        assert "p(refused)" not in facts
        assert facts["why unusable"] == verdict["unusable_reason"]
        assert facts["scored by"] == "the unusable rule (measured, no model)"
    else:
        assert float(facts["p(refused)"]) == pytest.approx(verdict["p_refused"], abs=1e-4)
        assert facts["scored by"] == verdict["scored_by"]
    assert facts["id"] == sample["doc"]["id"] and facts["topic"] == sample["doc"]["topic"]
    (path,) = DEMO.glob("samples_deccp_plus_en_[0-9]*.jsonl")
    assert facts["source"] == f"{path}:1"
    tab.click("#answers-table tbody tr.answer")
    assert tab.evaluate("document.querySelector('#answers-table tr.detail')") is None, "a second click closes it"


def test_one_question_in_every_language_side_by_side(tab):
    choose_model(tab, demo_model())
    tab.choose("#filter-task", "deccp_plus_zh")
    tab.click("#answers-table tbody tr.answer")
    tab.click("#answers-table tr.detail button.compare")
    cards = tab.evaluate("Array.from(document.querySelectorAll('#pair-grid .card')).map(c => ({task: c.dataset.task,"
                         " answer: c.querySelector('.answer-full').textContent}))")
    assert [c["task"] for c in cards] == ["deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant",
                                          "deccp_plus_control_en", "deccp_plus_control_zh"]
    first_zh = demo_samples("deccp_plus_zh")[0]
    for card in cards:
        sample = next(s for s in demo_samples(card["task"]) if s["doc"]["pair_id"] == first_zh["doc"]["pair_id"])
        assert card["answer"] == (sample_verdicts(sample)[0]["answer"] or "(empty)")


def test_model_output_is_shown_as_text_and_never_runs(tab):
    assert tab.evaluate("document.title") == "deccp audit"
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    # Only the page's own elements: its two script elements, the chart, no frame, no svg, no link to a script.
    assert tab.evaluate("document.scripts.length") == 2
    assert tab.evaluate("document.images.length") == 1
    assert tab.evaluate("document.querySelectorAll('iframe, svg, object, embed').length") == 0
    assert tab.evaluate("Array.from(document.querySelectorAll('a[href]')).every(a => a.getAttribute('href')"
                        ".startsWith('#'))")
    # The model name is markup, shown as text in the leaderboard and the filters.
    assert {HOSTILE_PART, HOSTILE_OWN} <= {row[0]["text"] for row in leaderboard(tab)["rows"]}
    assert {HOSTILE_PART, HOSTILE_OWN} <= set(tab.evaluate(
        "Array.from(document.querySelectorAll('#filter-model option')).map(o => o.textContent)"))

    # The made-up question, its markup shown as text, and its empty answer.
    choose_model(tab, HOSTILE_OWN)
    assert len(all_rows(tab)) == 1
    tab.click("#answers-table tbody tr.answer")
    assert tab.evaluate("document.querySelector('#answers-table .answer-full').textContent") == "(empty)"
    questions = tab.evaluate("Array.from(document.querySelectorAll('#answers-table tr.detail .text-block'))"
                             ".map(e => e.textContent)")
    assert HOSTILE_QUESTION in questions

    choose_model(tab, HOSTILE_PART)
    rows = all_rows(tab)
    assert len(rows) == len(HOSTILE)
    # Open every answer: the full texts go into the page too.
    for position in range(len(rows)):
        tab.click(f"#answers-table tbody tr.answer:nth-of-type({2 * position + 1})")
    shown = tab.evaluate("Array.from(document.querySelectorAll('#answers-table .answer-full')).map(e => e.textContent)")
    assert set(shown) == {HOSTILE[task].split("</think>")[-1] for task in HOSTILE}
    # The thinking a reasoning answer dropped is shown too, as text.
    raw = tab.evaluate("Array.from(document.querySelectorAll('#answers-table tr.detail details .text-block'))"
                       ".map(e => e.textContent)")
    assert raw == [HOSTILE["deccp_plus_control_zh"]]
    # And side by side.
    tab.click("#answers-table tr.detail button.compare")
    cards = tab.evaluate("Array.from(document.querySelectorAll('#pair-grid .answer-full')).map(e => e.textContent)")
    assert set(cards) == {HOSTILE[task].split("</think>")[-1] for task in HOSTILE}
    assert tab.evaluate("document.title") == "deccp audit"
    assert tab.evaluate("typeof window.__pwned") == "undefined"


def test_a_page_without_samples_has_the_leaderboard_and_no_answers(browser, tmp_path):
    target = tmp_path / "numbers-only.html"
    assert main(["report", str(RESULTS / "qwen2-7b-instruct"), "-o", str(target), "--columns", "all"]) == 0
    opened = browser.new_page()
    opened.goto(target.as_uri(), ready=READY)
    assert len(leaderboard(opened)["rows"]) == 1
    assert opened.evaluate("document.getElementById('answers-table')") is None
    assert "No run on this page has samples" in opened.evaluate("document.getElementById('answers').textContent")
    opened.click("#leaderboard-table thead th:nth-child(2) button.sort")
    assert opened.errors == []
    opened.close()


@pytest.mark.slow
def test_every_verdict_of_a_fresh_lm_eval_run_is_on_its_page(lm_eval_run, browser, tmp_path):
    """The session's real lm_eval run (current verdict format, re-rolls with 5 samples per question)."""
    target = tmp_path / "run.html"
    assert main(["report", str(lm_eval_run["dir"]), "-o", str(target)]) == 0
    data = page_data(target.read_text(encoding="utf-8"))
    expected = Counter()
    for path in lm_eval_run["dir"].rglob("samples_*.jsonl"):
        task = path.name[len("samples_"):].rsplit("_", 1)[0]
        for sample in read_samples(path):
            expected[task] += len(sample_verdicts(sample))
    assert Counter(a["task"] for a in data["answers"]) == expected
    rerolls = [a for a in data["answers"] if a["task"] == "deccp_plus_rerolls_en"]
    assert rerolls and {a["repeat"] for a in rerolls} == set(range(5))
    opened = browser.new_page()
    opened.goto(target.as_uri(), ready=READY)
    assert answer_count(opened) == sum(expected.values())
    opened.choose("#filter-task", "deccp_plus_en")
    opened.click("#answers-table tbody tr.answer")
    opened.click("#answers-table tr.detail button.compare")
    cards = opened.evaluate("Array.from(document.querySelectorAll('#pair-grid .card')).map(c => c.dataset.task)")
    assert {"deccp_plus_en", "deccp_plus_zh"} <= set(cards)
    assert opened.errors == []
    opened.close()


def test_the_default_view_fits_a_1400_px_window_and_links_its_rates(browser, tmp_path):
    """The default view (several small tables) in a 1,400 px window: no table wider than its box, no sideways
    scroll of the page; a pooled rate lists the answers of its member tasks."""
    target = tmp_path / "default.html"
    assert main(["report", *leaderboard_runs(), "-o", str(target)]) == 0
    opened = browser.new_page()
    opened.goto(target.as_uri(), ready=READY)
    assert opened.evaluate("innerWidth") == 1400
    sizes = opened.evaluate("""Array.from(document.querySelectorAll('table.leaderboard')).map(t => ({id: t.id,
        width: t.getBoundingClientRect().width, box: t.parentElement.clientWidth}))""")
    assert {size["id"] for size in sizes} >= {"view-pooled", "view-deccp", "view-deccp-plus", "view-deccp-plus-gap"}
    assert all(size["width"] <= size["box"] for size in sizes), sizes
    assert opened.evaluate("document.documentElement.scrollWidth") <= 1400
    # The demo model's pooled deccp-plus rate opens the answers of its three China tasks, censored ones only.
    model = demo_model()
    row = opened.evaluate("Array.from(document.querySelectorAll('#view-pooled tbody tr')).map(r => r.cells[0]"
                          f".textContent).indexOf({json.dumps(model)})") + 1
    opened.click(f"#view-pooled tbody tr:nth-child({row}) > :nth-child(4) button.drill")
    tasks = {r["task"] for r in all_rows(opened)}
    assert tasks == {"deccp_plus_en", "deccp_plus_zh", "deccp_plus_zh_hant"}
    censored = sum(1 for task in tasks for s in demo_samples(task)
                   if sample_verdicts(s)[0]["label"] in ("refused", "deflected"))
    assert answer_count(opened) == censored
    opened.screenshot(tmp_path / "default.png", full_page=False)
    assert opened.errors == []
    opened.close()


def test_a_screenshot_of_the_page_can_be_taken(tab, tmp_path):
    """Not an image comparison (fonts differ between machines): that the page renders to a non-trivial PNG."""
    tab.click(cell_selector(tab, demo_model(), "deccp-plus EN refusal"))
    tab.click("#answers-table tbody tr.answer")
    target = tmp_path / "page.png"
    tab.screenshot(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 50_000


# ---- the file itself ----

def page_data(text: str) -> dict:
    match = re.search(r'<script type="application/json" id="deccp-data">(.*?)</script>', text, re.S)
    assert match
    return json.loads(match[1])


def test_the_data_is_embedded_as_escaped_json_and_the_page_is_self_contained(page):
    text = page.read_text(encoding="utf-8")
    raw = re.search(r'<script type="application/json" id="deccp-data">(.*?)</script>', text, re.S)[1]
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029"}
    data = page_data(text)
    hostile = [a for a in data["answers"] if data["models"][a["model"]] == HOSTILE_PART]
    assert {a["answer"] for a in hostile} >= {HOSTILE["deccp_plus_en"], HOSTILE["deccp_plus_zh_hant"]}
    # No address outside the file: no src or href but data: images and in-page anchors, and a policy that forbids
    # any other load.
    assert not re.search(r'(?:src|href)="(?!data:|#)', text)
    assert "default-src 'none'" in text and "script-src 'sha256-" in text
    assert not re.search(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write|\bon\w+\s*=\s*['\"]", text)
    # The footer's figures come from the detector's metadata, not from this code.
    assert "Published held-out figures" in text


def test_the_answers_are_those_of_the_samples(page):
    data = page_data(page.read_text(encoding="utf-8"))
    demo = data["models"].index(demo_model())
    for task in HOSTILE:
        samples = demo_samples(task)
        shown = [a for a in data["answers"] if a["model"] == demo and a["task"] == task]
        assert [a["answer"] for a in shown] == [sample_verdicts(s)[0]["answer"] for s in samples]
        assert Counter(a["label"] for a in shown) == Counter(sample_verdicts(s)[0]["label"] for s in samples)
        verdicts = [sample_verdicts(s)[0] for s in samples]
        # Unusable answers have no probabilities (no model ran); the others carry them rounded to 4 places.
        assert [a.get("p") for a in shown] == [
            None if v["p_answered"] is None else [round(v[f"p_{k}"], 4) for k in ("answered", "refused", "deflected")]
            for v in verdicts]


def test_the_footer_reads_the_detector_figures_at_render_time(hostile_run, tmp_path, capsys, monkeypatch):
    from lm_eval_deccp.detector.embeddings import DEFAULT_BACKEND, backend_slug
    from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION

    name = f"{backend_slug(DEFAULT_BACKEND)}-{DETECTOR_VERSION}.json"
    metadata = json.loads((ARTIFACT_DIR / name).read_text(encoding="utf-8"))
    # A retrained detector: the same metadata with other figures, where the detector looks first.
    metadata["name"] = "deccp-detector-retrained"
    metadata["cross_validation"] = {"speechmap_china": {"held_out_by_model": {"zh": {
        "censored_f1": 0.123456, "macro_f1": 0.654321, "rows": 475}}}}
    (tmp_path / name).write_text(json.dumps(metadata), encoding="utf-8")
    monkeypatch.setenv("DECCP_DETECTOR_DIR", str(tmp_path))
    target = tmp_path / "page.html"
    assert main(["report", str(hostile_run), "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "deccp-detector-retrained" in text and "0.123" in text and "0.654" in text
    footer = text[text.index('<footer id="detector">'):]
    assert "<td>speechmap china</td><td>held out by model</td><td>zh</td>" in footer


def test_a_bad_label_in_the_samples_is_named_and_left_out(hostile_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(hostile_run, run)
    (path,) = run.rglob("samples_deccp_plus_en_[0-9]*.jsonl")
    sample = json.loads(path.read_text(encoding="utf-8"))
    (verdict,) = sample_verdicts(sample)
    verdict["label"] = "maybe"
    sample["filtered_resps"] = [[json.dumps(verdict)]]
    path.write_text(json.dumps(sample) + "\n", encoding="utf-8")
    target = tmp_path / "page.html"
    rc = main(["report", str(run), "-o", str(target)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{path}:1: field 'filtered_resps' holds a deccp verdict with label 'maybe'" in err
    data = page_data(target.read_text(encoding="utf-8"))
    assert "deccp_plus_en" not in {a["task"] for a in data["answers"]}
    assert "verdict with label &#x27;maybe&#x27;" in target.read_text(encoding="utf-8"), "the page lists the problem"


# ---- the committed page ----

def test_committed_audit_page_is_current(regenerated_results):
    """results/regenerate.sh's own report step (--report-only), run into a temporary folder (conftest.py)."""
    committed = REPO / "results" / "audit.html"
    assert committed.is_file(), "results/audit.html is missing: run results/regenerate.sh --report-only"
    fresh = (regenerated_results / "audit.html").read_text(encoding="utf-8")
    old = committed.read_text(encoding="utf-8")
    chart = re.compile(r'<section id="charts">.*?</section>', re.S)
    if chart.sub("", fresh) == chart.sub("", old) and fresh != old:
        pytest.skip("results/audit.html differs only in its chart, which another matplotlib version (or none) draws "
                    "with other bytes")
    assert fresh == old, "results/audit.html is stale: run results/regenerate.sh --report-only"
    # Only our own generations: the Qwen2 runs are in the leaderboard as numbers, never as answers.
    data = page_data(old)
    assert {data["models"][a["model"]] for a in data["answers"]} == {demo_model()}
