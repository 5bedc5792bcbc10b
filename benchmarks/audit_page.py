"""Size and speed of the audit page (`deccp report --format html`) in headless Chromium. Prints figures; asserts
nothing (targets: under 3 MB, interactive within 2 s, for the demo model's full run in results/).

    python benchmarks/audit_page.py [RESULTS ...] [--loads 5]

RESULTS default to results/smollm2-135m-instruct: the demo model's run, 957 questions, 825 of them (deccp-plus)
with samples. The page is rendered in this process (timed), written to a temporary file, and opened from disk
`--loads` times, each in a fresh tab. "Interactive" is the time from navigation start until both the page's
`deccp-ready` mark (set when its script has parsed the data, drawn the first 100 answers and attached every
handler) and the DOMContentLoaded event are past; the load event's time is printed beside it. Then three interactions are timed
inside the page, each up to the end of the layout it causes: sorting the leaderboard, opening the answers behind a
rate, and a text search over all answers. The machine is shared, so timings are noisy: the median of the loads is
printed with the slowest, and the load average with them.

Needs Chromium (Debian: apt-get install -y chromium; or set DECCP_CHROMIUM)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the headless Chromium driver the tests use

READY = "document.documentElement.dataset.ready === 'true'"
# Each runs a user action's handler synchronously and forces the layout it causes, in the page.
INTERACTIONS = {
    "sort_leaderboard_ms": "document.querySelector('table.leaderboard thead th:nth-child(2) button.sort')",
    "open_answers_behind_a_rate_ms": "document.querySelector('table.leaderboard button.drill')",
}
SEARCH = """(() => { const box = document.getElementById('filter-search'); const t = performance.now();
    box.value = 'China'; box.dispatchEvent(new Event('input')); document.body.offsetHeight;
    return performance.now() - t; })()"""


def timed_click(element: str) -> str:
    return (f"(() => {{ const e = {element}; const t = performance.now(); e.click(); document.body.offsetHeight;"
            " return performance.now() - t; })()")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="*", default=[str(REPO / "results" / "smollm2-135m-instruct")])
    parser.add_argument("--loads", type=int, default=5, help="page loads to time (default 5)")
    args = parser.parse_args()

    from headless_chromium import Browser
    from lm_eval_deccp.reporting.audit_page.page import render_html
    from lm_eval_deccp.reporting.table.report import build_report

    started = time.perf_counter()
    report = build_report(args.results)
    page = render_html(report)
    render_s = time.perf_counter() - started
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.html"
        path.write_text(page, encoding="utf-8")
        size = path.stat().st_size
        loads, interactions = [], {name: [] for name in [*INTERACTIONS, "search_all_answers_ms"]}
        with Browser() as browser:
            for _ in range(args.loads):
                tab = browser.new_page()
                tab.goto(path.as_uri(), ready=READY)
                loads.append(tab.evaluate("""(() => {
                    const n = performance.getEntriesByType('navigation')[0];
                    const ready = performance.getEntriesByName('deccp-ready')[0].startTime;
                    return {interactive_ms: Math.max(ready, n.domContentLoadedEventEnd), ready_ms: ready,
                            dom_content_loaded_ms: n.domContentLoadedEventEnd, load_event_ms: n.loadEventEnd,
                            answers: JSON.parse(document.getElementById('deccp-data').textContent).answers.length};
                })()"""))
                for name, element in INTERACTIONS.items():
                    interactions[name].append(tab.evaluate(timed_click(element)))
                interactions["search_all_answers_ms"].append(tab.evaluate(SEARCH))
                if tab.errors:
                    print(f"page errors: {tab.errors}", file=sys.stderr)
                tab.close()
            version = browser.version

    questions = sum(int(row_count) for row_count in _question_counts(report))
    figures = {
        "results": args.results,
        "questions_in_runs": questions,
        "answers_on_page": loads[0]["answers"],
        "bytes": size,
        "megabytes": round(size / 1e6, 3),
        "render_s": round(render_s, 2),
        "browser": version,
        "loads": len(loads),
        **{f"{key}_median": round(statistics.median(load[key] for load in loads), 1)
           for key in ("interactive_ms", "ready_ms", "dom_content_loaded_ms", "load_event_ms")},
        "interactive_ms_max": round(max(load["interactive_ms"] for load in loads), 1),
        **{f"{name}_median": round(statistics.median(values), 1) for name, values in interactions.items()},
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "targets": {"megabytes": 3, "interactive_ms": 2000},
    }
    print(json.dumps(figures))
    return 0


def _question_counts(report):
    """Questions per task in the runs (from lm_eval's n-samples), including tasks without samples."""
    for model in report.model_runs.values():
        for task, run in model.task_run.items():
            counts = (run.data.get("n-samples") or {}).get(task) or {}
            if task.startswith("deccp") and isinstance(counts.get("effective"), int):
                yield counts["effective"]


if __name__ == "__main__":
    sys.exit(main())
