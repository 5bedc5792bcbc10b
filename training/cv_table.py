"""Render the grouped cross-validation figures stored in detector artifacts as the markdown table of
docs/detector.md:

    python training/cv_table.py lm_eval_deccp/detector/artifacts/{keywords,usem3,keywords_usem3}-v2.json

Each file is an artifact's metadata or a cascade's summary (both carry `cross_validation`); columns are named by
the detector spec they record.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [("xstest", "en"), ("speechmap_china", "en"), ("speechmap_china", "zh")]


def main(paths: list[str]) -> int:
    metas = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    names = [meta.get("backend_spec") or Path(p).stem for meta, p in zip(metas, paths)]
    print("| dataset | lang | rows | phrase baseline F1 | " + " | ".join(
        f"{name} censored F1 (by model / by question) | {name} 3-class macro F1 (by model / by question)"
        for name in names) + " |")
    print("| --- | --- | --- | --- | " + " | ".join("--- | ---" for _ in paths) + " |")
    for source, lang in ROWS:
        first = metas[0]["cross_validation"][source]["held_out_by_model"][lang]
        cells = [source, lang, str(first["rows"]), f"{first['baseline_censored_f1']:.3f}"]
        for meta in metas:
            cv = meta["cross_validation"][source]
            m, q = cv["held_out_by_model"][lang], cv["held_out_by_question"][lang]
            cells.append(f"{m['censored_f1']:.3f} / {q['censored_f1']:.3f}")
            macro = "n/a (no deflected rows)" if source == "xstest" else f"{m['macro_f1']:.3f} / {q['macro_f1']:.3f}"
            cells.append(macro)
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
