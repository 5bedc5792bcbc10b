"""Render the cross-validation figures stored in detector artifacts as the markdown tables of docs/detector.md:

    python training/cv_table.py lm_eval_deccp/detector/artifacts/{keywords_usem3,keywords,usem3}-v3.json

Each file is an artifact's metadata or a cascade's summary (both carry `cross_validation`, written by
`deccp train-detector --cv`); columns are named by the detector spec they record. Prints three tables:

1. the headline, the model × question grid: censored F1 with precision / recall, three-class macro F1 and the
   per-model rate error (mean / max, in percentage points, over models with enough rows), per data set and language;
2. the per-model rate errors behind it, for the first file;
3. the secondary one-grouping figures (held out by model / held out by question), when they were computed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [("xstest", "en"), ("speechmap_china", "en"), ("speechmap_china", "zh"), ("speechmap_criticism", "en")]
HEADLINE = "model_x_question"
SECONDARY = ("held_out_by_model", "held_out_by_question")


def _short(model: str) -> str:
    return model.rsplit("/", 1)[-1]


def headline_table(metas: list[dict], names: list[str]) -> list[str]:
    lines = ["| dataset | lang | rows | phrase baseline F1 | " + " | ".join(
        f"{name}: censored F1 (P / R) | {name}: 3-class macro F1 | {name}: per-model rate error, mean / max (pp)"
        for name in names) + " |",
        "| --- | --- | ---: | ---: | " + " | ".join("--- | --- | ---" for _ in names) + " |"]
    for source, lang in ROWS:
        first = metas[0]["cross_validation"].get(source, {}).get(HEADLINE, {}).get(lang)
        if first is None:
            continue
        cells = [source, lang, str(first["rows"]), f"{first['baseline_censored_f1']:.3f}"]
        for meta in metas:
            f = meta["cross_validation"][source][HEADLINE][lang]
            err = f["rate_error"]
            cells.append(f"{f['censored_f1']:.3f} ({f['censored_precision']:.2f} / {f['censored_recall']:.2f})")
            cells.append("n/a (no deflected rows)" if source == "xstest" else f"{f['macro_f1']:.3f}")
            cells.append(f"{err['mean_pp']:.1f} / {err['max_pp']:.1f} ({_short(err['max_model'] or '-')}, "
                         f"{err['models']} models)")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def per_model_table(meta: dict) -> list[str]:
    cv = meta["cross_validation"]
    slices = [(s, lang) for s, lang in ROWS if lang in cv.get(s, {}).get(HEADLINE, {})]
    models = sorted({m for s, lang in slices for m in cv[s][HEADLINE][lang]["rate_error"]["per_model"]})
    lines = ["| model | " + " | ".join(f"{s} [{lang}]: judge → detector (error)" for s, lang in slices) + " |",
             "| --- | " + " | ".join("---" for _ in slices) + " |"]
    for model in models:
        cells = [model]
        for s, lang in slices:
            entry = cv[s][HEADLINE][lang]["rate_error"]["per_model"].get(model)
            cells.append("" if entry is None else
                         f"{entry['gold_rate']:.0f}% → {entry['detector_rate']:.0f}% ({entry['error_pp']:.0f})")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def secondary_table(metas: list[dict], names: list[str]) -> list[str]:
    if not all(SECONDARY[0] in meta["cross_validation"].get("xstest", {}) for meta in metas):
        return []
    lines = ["| dataset | lang | " + " | ".join(
        f"{name}: censored F1 (by model / by question) | {name}: 3-class macro F1 (by model / by question)"
        for name in names) + " |", "| --- | --- | " + " | ".join("--- | ---" for _ in names) + " |"]
    for source, lang in ROWS:
        if lang not in metas[0]["cross_validation"].get(source, {}).get(SECONDARY[0], {}):
            continue
        cells = [source, lang]
        for meta in metas:
            m, q = (meta["cross_validation"][source][g][lang] for g in SECONDARY)
            cells.append(f"{m['censored_f1']:.3f} / {q['censored_f1']:.3f}")
            cells.append("n/a" if source == "xstest" else f"{m['macro_f1']:.3f} / {q['macro_f1']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    metas = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    missing = [p for p, meta in zip(paths, metas) if HEADLINE not in meta.get("cross_validation", {}).get("xstest", {})]
    if missing:
        print(f"no model x question cross-validation in {', '.join(missing)} (train with `deccp train-detector --cv`)",
              file=sys.stderr)
        return 2
    names = [meta.get("backend_spec") or Path(p).stem for meta, p in zip(metas, paths)]
    print("\n".join(headline_table(metas, names)))
    print()
    print("\n".join(per_model_table(metas[0])))
    secondary = secondary_table(metas, names)
    if secondary:
        print()
        print("\n".join(secondary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
