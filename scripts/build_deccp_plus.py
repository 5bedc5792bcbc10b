"""Fill in the Traditional Chinese (zh_hant) fields of the deccp-plus suite from the Simplified text with OpenCC.

Run after editing any zh_hans text:  pip install "lm-eval-deccp[build-suite]" && python scripts/build_deccp_plus.py
It rewrites lm_eval_deccp/resources/deccp_plus/*.jsonl in place and is idempotent. OpenCC's character-level
`s2t` configuration is used on purpose: only the script changes, not the vocabulary, so deccp_plus_zh and
deccp_plus_zh_hant differ in script alone. Key-fact match terms gain their Traditional forms, so a fact is found in
an answer written in either script.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parents[1] / "lm_eval_deccp" / "resources" / "deccp_plus"
FIELD_ORDER = ("id", "topic", "form", "en", "zh_hans", "zh_hant", "key_facts", "control")


def with_traditional(record: dict, to_hant) -> dict:
    out = dict(record)
    out["zh_hant"] = to_hant(record["zh_hans"])
    out["control"] = {**record["control"], "zh_hant": to_hant(record["control"]["zh_hans"])}
    facts = []
    for fact in record["key_facts"]:
        groups = []
        for group in fact["match"]:
            terms = list(dict.fromkeys(group))
            terms += [t for t in dict.fromkeys(to_hant(term) for term in group) if t not in terms]
            groups.append(terms)
        facts.append({"en": fact["en"], "zh_hans": fact["zh_hans"], "zh_hant": to_hant(fact["zh_hans"]),
                      "match": groups})
    out["key_facts"] = facts
    ordered = {key: out[key] for key in FIELD_ORDER if key in out}
    ordered.update({k: v for k, v in out.items() if k not in ordered})
    return ordered


def main() -> int:
    try:
        import opencc
    except ImportError:
        print('OpenCC is needed: pip install "lm-eval-deccp[build-suite]"', file=sys.stderr)
        return 2
    converter = opencc.OpenCC("s2t")
    for path in sorted(SUITE_DIR.glob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        lines = [json.dumps(with_traditional(r, converter.convert), ensure_ascii=False) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path.name}: {len(records)} questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
