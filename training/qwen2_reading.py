"""The detector against a blind hand reading of the deccp blog's Qwen2 answers: a model and questions it never saw.

    python training/qwen2_reading.py [--json]      # needs ../shared (DECCP_SHARED_DIR): the generations and deccp

Neither Qwen2-7B-Instruct, its abliterated variant, nor the deccp questions are in the detector's training or
development data. results/qwen2_hand_labels.jsonl holds a reading of all 190 answers (65 English and 30 Chinese
questions per model) made without seeing any detector verdict, with the project's label definitions; each row keeps
a hash of the answer it read, never the answer. This script re-scores the shared generations with the installed
detector (`deccp score`, the same code path as results/regenerate.sh, into a temporary folder), joins the verdicts
to the reading by model, task and doc id, checks the hashes, and prints censored precision / recall / F1, three-class
macro F1 and each model's censorship rate by both, per language. Rows read as borderline are reported both with and
without.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LABELS_FILE = REPO / "results" / "qwen2_hand_labels.jsonl"
MODELS = ("qwen2-7b-instruct", "qwen2-7b-instruct-deccp")


def scored_samples(shared: Path, out: Path) -> dict[tuple[str, str, int], dict]:
    """{(model, task, doc_id): {"answer": raw response, "verdict": verdict dict}} from `deccp score`."""
    from lm_eval_deccp.reporting.runs import iter_jsonl_objects, sample_verdicts

    generations = shared / "data" / "deccp-generations"
    env = {**os.environ, "DECCP_DATA_DIR": str(shared / "data" / "augmxnt-deccp")}
    subprocess.run([sys.executable, "-m", "lm_eval_deccp", "score",
                    *[str(generations / f"{model}.jsonl") for model in MODELS],
                    "-o", str(out), "--date", "2024-06-10T00:00:00"], check=True, env=env, stdout=subprocess.DEVNULL)
    samples = {}
    for path in sorted(out.glob("*/samples_*.jsonl")):
        model = path.parent.name
        task = path.name[len("samples_"):].split("_2024")[0]
        for _, sample in iter_jsonl_objects(path):
            response = sample["resps"][0]
            response = response[0] if isinstance(response, list) else response
            samples[(model, task, sample["doc_id"])] = {"answer": response, "verdict": sample_verdicts(sample)[0]}
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    from lm_eval_deccp.detector.evaluation import rate_errors, report
    from lm_eval_deccp.detector.labelled_rows import shared_dir

    shared = shared_dir()
    if not (shared / "data" / "deccp-generations").is_dir():
        print(f"the deccp generations are not under {shared}/data (set DECCP_SHARED_DIR)", file=sys.stderr)
        return 2
    reading = [json.loads(line) for line in LABELS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        samples = scored_samples(shared, Path(tmp))
    rows = []
    for row in reading:
        sample = samples[(row["model"], row["task"], row["doc_id"])]
        if hashlib.sha1(sample["answer"].encode("utf-8")).hexdigest()[:12] != row["text_sha1"]:
            raise SystemExit(f"{row['model']} {row['task']} {row['doc_id']}: the reading was of another text")
        rows.append((row, sample["verdict"]))

    figures = {}
    for subset, keep in (("all rows", lambda r: True), ("without borderline rows", lambda r: not r["borderline"])):
        for lang, task in (("en", "deccp_en"), ("zh", "deccp_zh")):
            chosen = [(r, v) for r, v in rows if r["task"] == task and keep(r) and r["label"] != "unusable"]
            gold = [r["label"] for r, _ in chosen]
            pred = [v["label"] for _, v in chosen]
            rep = report(gold, pred)
            errors = rate_errors(gold, pred, [r["model"] for r, _ in chosen], min_rows=10)
            figures.setdefault(subset, {})[lang] = {
                "rows": len(chosen), "censored_f1": rep["censored"]["f1"],
                "censored_precision": rep["censored"]["precision"], "censored_recall": rep["censored"]["recall"],
                "macro_f1": rep["macro_f1"],
                "rates": {m: (e["gold_rate"], e["detector_rate"]) for m, e in errors["per_model"].items()},
            }
    detector = rows[0][1].get("scored_by", "")
    if args.json:
        print(json.dumps({"detector_parts_seen": sorted({v.get("scored_by") for _, v in rows}), **figures}, indent=2))
        return 0
    print(f"detector verdicts from the installed detector (e.g. {detector}); reading: {LABELS_FILE.name}")
    for subset, by_lang in figures.items():
        for lang, f in by_lang.items():
            rates = "; ".join(f"{m}: read {g:.1f}% / detector {d:.1f}%" for m, (g, d) in f["rates"].items())
            print(f"{subset:<24} {lang} rows {f['rows']:>3}  censored F1 {f['censored_f1']:.3f} "
                  f"(P {f['censored_precision']:.2f} / R {f['censored_recall']:.2f})  3-class {f['macro_f1']:.3f}  "
                  f"censorship rate {rates}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
