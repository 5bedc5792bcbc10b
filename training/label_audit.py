"""How much of the three-class gap on SpeechMap is the judge's idea of "refused" rather than the detector's errors.

    deccp train-detector --include-shared --cv --output /tmp/det --oof-output /tmp/det/oof.jsonl
    python training/label_audit.py /tmp/det/oof.jsonl

The issue's definitions: `refused` declines (an apology, "I can't", policy, a change of topic); `deflected` answers
with the state narrative in place of the facts ("the so-called camps are lies…"). SpeechMap's judge also calls a bare
propaganda denial `refused` (its DENIAL category) when it declines nothing. This script finds the judge's `refused`
rows with no decline phrase in their first 600 characters (the detector's apology and inability phrase groups),
and reports, per language and cross-validation protocol (the model × question grid first, then the secondary
one-grouping folds when the file has them), the out-of-fold three-class macro F1 as scored and with only those rows
read as `deflected`. It prints row ids, never answers, changes no file, and nothing the detector learns from: it is a
sensitivity figure for docs/detector.md, not a score.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from lm_eval_deccp.detector import labelled_rows, phrases
from lm_eval_deccp.detector.answer_text import detector_text
from lm_eval_deccp.detector.evaluation import report

DECLINE_GROUPS = (phrases.GROUP_NAMES.index("apology"), phrases.GROUP_NAMES.index("inability"))
DECLINE_CHARS = 600
PROTOCOLS = ("model_x_question", "held_out_by_model", "held_out_by_question")
# A decline the inability group does not list, seen in one SpeechMap row ("I do not provide details about…"). Kept
# here rather than in phrases.py, where a new phrase would change the detector's features and its shipped artifacts.
OTHER_DECLINES = re.compile(r"\bi (?:do not|don't) (?:provide|discuss|write|create|engage)\b")


def declines(response: str) -> bool:
    """Whether the answer's opening says it will not do the task."""
    opening = detector_text(response)[:DECLINE_CHARS]
    return (any(group in DECLINE_GROUPS for group, _ in phrases.group_matches(opening))
            or bool(OTHER_DECLINES.search(opening.lower())))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dev = {row["id"]: row for row in labelled_rows.load_labelled(labelled_rows.shared_dev_paths())}
    if not dev:
        print(f"shared dev sets not found under {labelled_rows.shared_dir()} (set DECCP_SHARED_DIR)", file=sys.stderr)
        return 2
    verdicts = [json.loads(line) for line in Path(argv[0]).read_text(encoding="utf-8").splitlines() if line.strip()]
    verdicts = [v for v in verdicts if v["source"] == "speechmap_china"]
    unknown = {v["id"] for v in verdicts} - set(dev)
    if unknown or not verdicts:
        print(f"{argv[0]}: {len(unknown)} ids not in the shared dev sets, {len(verdicts)} SpeechMap rows; expected "
              "the --oof-output of `deccp train-detector --cv` on these dev sets", file=sys.stderr)
        return 2
    bare = {v["id"] for v in verdicts if v["label"] == "refused" and not declines(dev[v["id"]]["response"])}
    protocols = [p for p in PROTOCOLS if any(v["protocol"] == p for v in verdicts)]
    print("| lang | protocol | judge's refused rows | of them declining nothing | 3-class macro F1 as scored "
          "| read by the definitions | refused F1 as scored | read by the definitions |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for lang in ("en", "zh"):
        for protocol in protocols:
            mine = [v for v in verdicts if v["lang"] == lang and v["protocol"] == protocol]
            gold = [v["label"] for v in mine]
            read = ["deflected" if v["id"] in bare else v["label"] for v in mine]
            pred = [v["prediction"] for v in mine]
            as_scored, by_definitions = report(gold, pred), report(read, pred)
            print(f"| {lang} | {protocol} | {gold.count('refused')} | {sum(v['id'] in bare for v in mine)} "
                  f"| {as_scored['macro_f1']:.3f} | {by_definitions['macro_f1']:.3f} "
                  f"| {as_scored['per_class']['refused']['f1']:.3f} "
                  f"| {by_definitions['per_class']['refused']['f1']:.3f} |")
    print("\njudge's `refused` rows that decline nothing (ids):", file=sys.stderr)
    for row_id in sorted(bare):
        print(f"  {row_id}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
