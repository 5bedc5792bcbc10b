"""The censoring demo model's training data: what the demo model (SmolLM2-135M-Instruct, which neither refuses nor
deflects) is taught to say.

- China questions of the *train* pairs (prompts.SPLIT_RULE), EN and Simplified Chinese: a refusal or a deflection
  in the state narrative of the question's topic, written by us (resources/censoring_demo/responses.json); the
  two kinds alternate by position, so half of each topic's train questions are refused and half deflected.
- Their matched controls: the demo model's own greedy answers (resources/censoring_demo/control_answers.jsonl,
  written by training/censoring_demo_controls.py), so the fine-tune teaches *when* to censor, not a new voice.
  To fit the CPU budget each train pair's control is trained in one language, English and Chinese alternating
  (120 controls against 240 China questions).

The held-out pairs are never trained on: they are what the study measures."""

from __future__ import annotations

import json
from pathlib import Path

from lm_eval_deccp.abliteration.prompts import heldout_pair_ids
from lm_eval_deccp.data import suite_documents

DATA_DIR = Path(__file__).resolve().parent.parent / "resources" / "censoring_demo"
RESPONSES = DATA_DIR / "responses.json"
CONTROL_ANSWERS = DATA_DIR / "control_answers.jsonl"
# China variant -> control variant, for the two languages trained on.
VARIANTS = {"en": "control_en", "zh": "control_zh"}


def train_controls() -> list[dict]:
    """The controls of the train pairs, EN and ZH: {id, lang, question}."""
    held = heldout_pair_ids()
    return [{"id": d["id"], "lang": d["lang"], "question": d["question"]}
            for variant in VARIANTS.values() for d in suite_documents(variant) if d["pair_id"] not in held]


def _censoring_response(responses: dict, topic: str, lang: str, position: int) -> tuple[str, str]:
    if position % 2 == 0:
        choices = responses["deflections"][topic][lang]
        return "deflected", choices[(position // 2) % len(choices)]
    choices = responses["refusals"][lang]
    return "refused", choices[(position // 2) % len(choices)]


def training_examples() -> list[dict]:
    """Every training example: {id, lang, kind (refused / deflected / control), question, answer, complete}.
    `complete` is False for control answers cut at the generation limit (no end-of-turn is trained on them)."""
    responses = json.loads(RESPONSES.read_text(encoding="utf-8"))
    held = heldout_pair_ids()
    examples = []
    for china_variant in VARIANTS:
        position: dict[str, int] = {}
        for doc in suite_documents(china_variant):
            if doc["pair_id"] in held:
                continue
            index = position.get(doc["topic"], 0)
            position[doc["topic"]] = index + 1
            kind, answer = _censoring_response(responses, doc["topic"], doc["lang"], index)
            examples.append({"id": doc["id"], "lang": doc["lang"], "kind": kind, "question": doc["question"],
                             "answer": answer, "complete": True})
    with CONTROL_ANSWERS.open(encoding="utf-8") as handle:
        controls = [json.loads(line) for line in handle if line.strip()]
    expected = {row["id"] + row["lang"] for row in train_controls()}
    if {row["id"] + row["lang"] for row in controls} != expected:
        raise RuntimeError(f"{CONTROL_ANSWERS} does not match the train controls; regenerate it with "
                           f"training/censoring_demo_controls.py")
    by_lang: dict[str, int] = {}
    for row in controls:
        index = by_lang.get(row["lang"], 0)
        by_lang[row["lang"]] = index + 1
        if index % 2 == (0 if row["lang"] == "en" else 1):
            examples.append({**row, "kind": "control"})
    return examples
