"""Coverage of the corrected (prediction-powered) censorship rate, simulated on the shared dev sets.

    python benchmarks/ppi_coverage.py [--oof FILE.jsonl] [--reps 400] [--seed 1] [--methods]
                                      [--rate censorship|refusal|deflection]

The spot-check, simulated: for each dev set, language and model, the model's answers are the population; the
detector's verdict on each is its out-of-fold verdict (benchmarks/out_of_fold.py: a detector that saw neither the
answer's model nor its question), the truth is the dev set's label. N answers are drawn at random and their labels
revealed; reporting/ppi.py's corrected interval is computed from them and all verdicts, and checked against the
model's label rate on all its answers (what a reader of every answer would find). SpeechMap China is also run
with each model's two languages together (en+zh, 50 answers). For N = 10, 20, 30, 50 it
prints, per dev set and language: the share of (model, draw) whose interval contains the label rate, the mean
interval width, the mean width of the Wilson interval from the N labels alone, and the coverage of the model the
corrected interval covers least often. A model with no more than N answers is left out of that N's cell (all its
answers would be labelled).

--methods adds the constructions that were compared to choose ppi.py's interval: the plain normal (CLT) interval,
Student's t without the pseudo-counts, the pseudo-counts with t, and a quarter instead of a half per cell."""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from out_of_fold import out_of_fold  # noqa: E402

SIZES = (10, 20, 30, 50)
SETS = [("xstest", "en"), ("speechmap_china", "en"), ("speechmap_china", "zh"), ("speechmap_china", "en+zh"),
        ("speechmap_criticism", "en")]
RATES = {"censorship": {"refused", "deflected"}, "refusal": {"refused"}, "deflection": {"deflected"}}
# name: (pseudo-count, quantile); the first is ppi.py's default.
METHODS = {"corrected (ppi.py)": (0.5, "z"), "plain CLT": (0.0, "z"), "t, no pseudo-counts": (0.0, "t"),
           "pseudo-counts and t": (0.5, "t"), "pseudo-counts 1/4": (0.25, "z")}


def populations(rows: list[dict], counted: set[str]) -> dict[tuple[str, str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """{(source, lang): {model: (verdicts 0/1, labels 0/1)}}, 1 for the labels `counted`."""
    grouped: dict = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for row in rows:
        verdicts, labels = grouped[(row["source"], row["lang"])][str(row["model"])]
        verdicts.append(row["prediction"] in counted)
        labels.append(row["label"] in counted)
    # SpeechMap China has 25 answers per model and language: both languages of a model together (50) also test
    # 20 and 30 labels where most answers stay unlabelled, as in a deccp-plus run.
    for model, (v, y) in grouped[("speechmap_china", "zh")].items():
        pooled = grouped[("speechmap_china", "en+zh")][model]
        en_v, en_y = grouped[("speechmap_china", "en")].get(model, ([], []))
        pooled[0].extend(en_v + v)
        pooled[1].extend(en_y + y)
    return {key: {model: (np.array(v, dtype=float), np.array(y, dtype=float)) for model, (v, y) in models.items()}
            for key, models in grouped.items()}


def simulate(models: dict, n: int, reps: int, rng: np.random.Generator, methods: dict) -> dict | None:
    from lm_eval_deccp.reporting.statistics.ppi import ppi_rate, wilson_interval

    hits = defaultdict(int)
    widths = defaultdict(float)
    draws = 0
    lowest = 1.0  # the coverage of the model the first method covers least often
    first = next(iter(methods))
    for model, (f, y) in sorted(models.items()):
        if len(f) <= n:
            continue
        truth = y.mean()
        before = hits[first]
        for _ in range(reps):
            index = rng.choice(len(f), size=n, replace=False)
            for name, (pseudo, quantile) in methods.items():
                result = ppi_rate(f, index, y[index], pseudo_count=pseudo, interval=quantile)
                hits[name] += result.low - 1e-12 <= truth <= result.high + 1e-12
                widths[name] += result.high - result.low
            low, high = wilson_interval(int(y[index].sum()), n)
            hits["labels alone (Wilson)"] += low - 1e-12 <= truth <= high + 1e-12
            widths["labels alone (Wilson)"] += high - low
            draws += 1
        lowest = min(lowest, (hits[first] - before) / reps)
    if not draws:
        return None
    count = sum(1 for f, _ in models.values() if len(f) > n)
    return {"models": count, "lowest": lowest,
            **{name: (hits[name] / draws, widths[name] / draws) for name in hits if name != "lowest"}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oof", default=None, help="out-of-fold verdicts (default: the cache, made when missing)")
    parser.add_argument("--reps", type=int, default=400, help="random draws per model and N (default 400)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", action="store_true", help="also the interval constructions compared")
    parser.add_argument("--rate", choices=RATES, default="censorship", help="the rate simulated (default censorship)")
    args = parser.parse_args()
    started = time.perf_counter()
    pops = populations(out_of_fold(args.oof), RATES[args.rate])
    methods = METHODS if args.methods else dict(list(METHODS.items())[:1])
    rng = np.random.default_rng(args.seed)
    names = [*methods, "labels alone (Wilson)"]
    print("| dev set | lang | answers per model | N labels | models | "
          + " | ".join(f"{name}: coverage / mean width" for name in names) + " | corrected: least-covered model |")
    print("| --- | --- | --- | ---: | ---: | " + " | ".join("---:" for _ in names) + " | ---: |")
    for source, lang in SETS:
        models = pops.get((source, lang))
        if not models:
            continue
        sizes = sorted({len(f) for f, _ in models.values()})
        shown = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
        for n in SIZES:
            result = simulate(models, n, args.reps, rng, methods)
            if result is None:
                print(f"| {source} | {lang} | {shown} | {n} | 0 | "
                      + " | ".join("— (every answer labelled)" for _ in names) + " | — |")
                continue
            cells = [f"{result[name][0]:.3f} / {100 * result[name][1]:.1f} pp" for name in names]
            cells.append(f"{result['lowest']:.2f}")
            print(f"| {source} | {lang} | {shown} | {n} | {result['models']} | " + " | ".join(cells) + " |")
    print(f"\n{args.reps} draws per model and N, seed {args.seed}; {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
