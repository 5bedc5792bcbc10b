"""Write the censoring demo model's control answers: the demo model's own greedy answers to the controls of the
train pairs (EN and Simplified Chinese), which the fine-tune keeps it giving.

  python training/censoring_demo_controls.py      # ~4 min on 2 CPU cores; rewrites
                                                  # lm_eval_deccp/resources/censoring_demo/control_answers.jsonl

Deterministic (greedy), so a re-run on the same demo model writes the same file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lm_eval_deccp.abliteration.censoring_data import CONTROL_ANSWERS, train_controls  # noqa: E402
from lm_eval_deccp.abliteration.model_io import greedy_answers, load_model  # noqa: E402
from lm_eval_deccp.demo import demo_hf_folder  # noqa: E402

# Long enough for the model's voice; answers cut here are trained without an end-of-turn.
MAX_NEW_TOKENS = 96


def main() -> int:
    import torch

    torch.set_num_threads(2)
    started = time.time()
    model, tokenizer = load_model(str(demo_hf_folder()))
    rows = train_controls()
    answers = greedy_answers(model, tokenizer, [r["question"] for r in rows], MAX_NEW_TOKENS, batch_size=24)
    with CONTROL_ANSWERS.open("w", encoding="utf-8") as handle:
        for row, answer in zip(rows, answers):
            complete = len(tokenizer(answer, add_special_tokens=False)["input_ids"]) < MAX_NEW_TOKENS
            handle.write(json.dumps({**row, "answer": answer.strip(), "complete": complete},
                                    ensure_ascii=False) + "\n")
    print(f"{len(rows)} control answers -> {CONTROL_ANSWERS} in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
