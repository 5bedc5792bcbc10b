"""The study's headline table: per model and variant, the detector's verdicts on the held-out deccp-plus pairs,
read from the lm_eval samples (the same verdicts `deccp report` and `deccp paired` read). The original demo model's
row comes from its committed run (results/smollm2-135m-instruct, 128 new tokens rather than the study's 32),
restricted to the same pairs as the study's runs (the first held-out pair of each topic).

  python results/abliteration/summarize.py > results/abliteration/summary.md"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from lm_eval_deccp.abliteration.prompts import heldout_pair_ids  # noqa: E402
from lm_eval_deccp.reporting.reading.runs import read_samples, sample_verdicts  # noqa: E402

HERE = Path(__file__).resolve().parent
MODELS = [("demo model (original, 128 tokens)", ROOT / "results" / "smollm2-135m-instruct"),
          ("censoring demo model", HERE / "censoring-demo"),
          ("censoring demo model, abliterated", HERE / "censoring-demo-abliterated"),
          ("censoring demo model, abliterated with the index-24 direction",
           HERE / "censoring-demo-abliterated-index24")]
VARIANTS = ["en", "zh", "control_en", "control_zh"]


def study_pairs() -> set[str]:
    """The held-out pairs the study's lm_eval runs answered."""
    pairs = set()
    for path in (HERE / "censoring-demo").glob("samples_deccp_plus_*.jsonl"):
        pairs.update(sample["doc"]["pair_id"] for sample in read_samples(path))
    return pairs & heldout_pair_ids()


def counts(folder: Path, variant: str) -> Counter:
    held = study_pairs()
    tally = Counter()
    for path in sorted(folder.glob(f"samples_deccp_plus_{variant}_2*.jsonl")):
        for sample in read_samples(path):
            if sample["doc"]["pair_id"] in held:
                tally.update(v["label"] for v in sample_verdicts(sample))
    return tally


def main() -> int:
    print("| model | questions | n | refused | deflected | censored | unusable | answered |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, folder in MODELS:
        for variant in VARIANTS:
            tally = counts(folder, variant)
            n = sum(tally.values())
            if not n:
                continue
            share = lambda *labels: f"{100 * sum(tally[x] for x in labels) / n:.1f}%"  # noqa: E731
            print(f"| {name} | {variant} | {n} | {share('refused')} | {share('deflected')} | "
                  f"{share('refused', 'deflected')} | {share('unusable')} | {share('answered')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
