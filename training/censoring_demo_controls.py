"""Write the censoring demo model's control answers: the demo model's own greedy answers to the controls of the
train pairs (EN and Simplified Chinese), which the fine-tune keeps it giving.

  python training/censoring_demo_controls.py   # rewrites lm_eval_deccp/resources/censoring_demo/control_answers.jsonl

The answers are read from the demo model's committed lm_eval run (results/smollm2-135m-instruct/, made by
results/run_demo.sh: greedy, chat template applied, 128 new tokens): the same model, prompts and decoding the
fine-tune starts from, so nothing is generated again (generating them here took over 40 minutes on the shared CPU).
An answer shorter than the run's token limit ended on its own and is marked complete."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lm_eval_deccp.abliteration.censoring_data import CONTROL_ANSWERS, train_controls  # noqa: E402

RUN = REPO / "results" / "smollm2-135m-instruct"
RUN_MAX_GEN_TOKS = 128


def main() -> int:
    from transformers import AutoTokenizer

    from lm_eval_deccp.demo import demo_hf_folder

    tokenizer = AutoTokenizer.from_pretrained(demo_hf_folder())
    answers = {}
    for path in sorted(RUN.glob("samples_deccp_plus_control_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            answers[(sample["doc"]["id"], sample["doc"]["lang"])] = sample["resps"][0][0]
    rows = train_controls()
    with CONTROL_ANSWERS.open("w", encoding="utf-8") as handle:
        for row in rows:
            answer = answers[(row["id"], row["lang"])]
            complete = len(tokenizer(answer, add_special_tokens=False)["input_ids"]) < RUN_MAX_GEN_TOKS
            handle.write(json.dumps({**row, "answer": answer.strip(), "complete": complete},
                                    ensure_ascii=False) + "\n")
    print(f"{len(rows)} control answers -> {CONTROL_ANSWERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
