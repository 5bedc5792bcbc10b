"""The judge as the spot-check's reader: it labels exactly the sampled answers, in the page's export format.

Only the judge's own labels are written. An answer it was not asked about (no content) or could not label (an
error, an odd reply) is left out and counted: falling back to the detector's verdict, as the judge tier does at
run time, would make the detector check itself."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from lm_eval_deccp.reporting.reading.labelled_answers import Answer


def judge_sample(sample: Sequence[Answer], config, output: Path) -> tuple[int, int]:
    """(labels written, answers left unlabelled)."""
    from lm_eval_deccp.judge import apply_judge
    from lm_eval_deccp.judge.record import STATUS_JUDGED

    verdicts = [{"label": answer.verdict, "p_censored": answer.p_censored} for answer in sample]
    judged = apply_judge(verdicts, [a.question for a in sample], [a.answer for a in sample], config, progress=True)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    lines = [json.dumps({"id": answer.key, "label": verdict["judge"]["label"], "reader": config.name, "time": now,
                         "answer_sha256": answer.answer_sha256}, ensure_ascii=False)
             for answer, verdict in zip(sample, judged) if verdict["judge"]["status"] == STATUS_JUDGED]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines), len(sample) - len(lines)
