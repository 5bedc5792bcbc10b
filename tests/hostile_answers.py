"""The hostile run the audit page and spot-check tests read (its fixture, `hostile_run`, is in conftest.py): answers
full of HTML and script, some deccp-plus (so they reach the side-by-side view), under a model name that is itself
markup, written with `deccp score` from the first deccp-plus question of the committed demo run."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from lm_eval_deccp.cli import main
from lm_eval_deccp.reporting.reading.runs import read_samples

DATE = "2024-06-10T00:00:00"
DEMO = REPO / "results" / "smollm2-135m-instruct"
HOSTILE_MODEL = "<img src=x onerror=\"window.__pwned='model'; document.title='pwned'\">"
# The answers the hostile run gives. Each would run script if inserted as markup, or break out of the page's JSON.
HOSTILE = {
    "deccp_plus_en": "<script>window.__pwned = 'script'; document.title = 'pwned';</script>I cannot discuss this.",
    "deccp_plus_zh": "<img src=x onerror=\"window.__pwned='img'; document.title='pwned'\">我不能回答这个问题。",
    "deccp_plus_zh_hant": "</script><script>window.__pwned='breakout';document.title='pwned'</script><!-- "
                          "\u2028\u2029 & &amp; 結束",
    "deccp_plus_control_en": "[click me](javascript:window.__pwned='link') <a href=\"javascript:window.__pwned="
                             "'href'\">link</a> <svg onload=\"window.__pwned='svg'\"></svg>",
    "deccp_plus_control_zh": "<think>Hidden <script>window.__pwned='thinking'</script> reasoning.</think>"
                             "<iframe src=\"javascript:window.__pwned='iframe'\"></iframe>答案。",
}
HOSTILE_QUESTION = "What is <b onmouseover=\"window.__pwned='question'\">this</b>?"
# The hostile run's two rows: one deccp-plus question of each variant (part of the benchmark), and a made-up deccp
# question (not the benchmark's); each is a row of its own, its name the model's with the mark.
HOSTILE_PART, HOSTILE_OWN = f"{HOSTILE_MODEL} [part of the benchmark]", f"{HOSTILE_MODEL} [not the benchmark's]"


def write_hostile_run(inputs: Path, out: Path) -> None:
    """Write the hostile answers as files into `inputs`, and the `deccp score` run made from them into `out`."""
    for task, answer in HOSTILE.items():
        (source,) = DEMO.glob(f"samples_{task}_[0-9]*.jsonl")
        sample = next(read_samples(source))
        sample["resps"] = [[answer]]
        (inputs / f"samples_{task}_{DATE.replace(':', '-')}.jsonl").write_text(json.dumps(sample) + "\n")
    (inputs / "table.jsonl").write_text(json.dumps({"question": HOSTILE_QUESTION, "response": "", "lang": "en"}) + "\n")
    rc = main(["score", *map(str, sorted(inputs.iterdir())), "-o", str(out), "--model", HOSTILE_MODEL, "--date", DATE])
    assert rc == 0
