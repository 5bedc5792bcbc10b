"""Build lm_eval_deccp/resources/traditional_to_simplified.json, the character table the detector uses to read
Traditional Chinese as Simplified (detector/answer_text.py).

    pip install opencc && python scripts/build_script_fold.py

Each CJK code point is converted on its own with OpenCC's "t2s" conversion (Apache-2.0); the ones that change into
exactly one other character are kept, unless the character is also used in Simplified text (see main). Character by character, without OpenCC's phrase tables, on purpose: the
detector needs a fixed, context-free fold (the same Traditional character always becomes the same Simplified one),
small enough to ship, not a faithful conversion for people to read. The output is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "lm_eval_deccp" / "resources" / "traditional_to_simplified.json"
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def main() -> None:
    import opencc

    to_simplified = opencc.OpenCC("t2s").convert
    to_traditional = opencc.OpenCC("s2t").convert
    traditional, simplified = [], []
    for low, high in CJK_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            folded = to_simplified(char)
            # A character that is also ordinary Simplified text, such as 著 in 著名 or 乾 in 乾隆, is left alone, so
            # folding never changes a Simplified answer: kept are pairs that convert back (國 → 国 → 國) and
            # characters outside GB2312, the Simplified character set (箇, 註, 髮).
            if folded != char and len(folded) == 1 and (to_traditional(folded) == char or not _in_gb2312(char)):
                traditional.append(char)
                simplified.append(folded)
    table = {
        "about": "Traditional -> Simplified Chinese, one character each, from OpenCC t2s (Apache-2.0), built by "
                 "scripts/build_script_fold.py",
        "traditional": "".join(traditional),
        "simplified": "".join(simplified),
    }
    OUT.write_text(json.dumps(table, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(traditional)} characters")


if __name__ == "__main__":
    main()
