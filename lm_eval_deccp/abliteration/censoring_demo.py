"""The censoring demo model: the demo model (SmolLM2-135M-Instruct) fine-tuned to refuse or deflect China questions
and to answer their controls as before (censoring_data.py), built on first use and cached beside the demo model's
folder (~/.cache/lm_eval_deccp/censoring-demo-model/). It is what the abliteration study is proven on
(results/abliteration/), and a quick start whose model actually censors:

  lm_eval --model hf --model_args "$(deccp demo-model --censoring --model-args)" --tasks deccp_plus_en ...

The folder's name carries a hash of everything that determines the weights (the base model, the training data and
the fine-tune's settings), so changing any of them builds anew instead of serving stale weights."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Callable

from lm_eval_deccp.abliteration.censoring_data import CONTROL_ANSWERS, RESPONSES, training_examples
from lm_eval_deccp.abliteration.finetune import FinetuneConfig, finetune

CONFIG = FinetuneConfig()
# Written last: a folder without it is an interrupted build and is never served.
BUILT_MARK = "deccp-censoring-demo.json"


def censoring_folder_path() -> Path:
    from lm_eval_deccp.demo import hf_folder_path
    from lm_eval_deccp.paths import cache_home

    base = hf_folder_path()
    digest = hashlib.sha1()
    for part in (base.name, RESPONSES.read_bytes(), CONTROL_ANSWERS.read_bytes(),
                 json.dumps(CONFIG.to_dict(), sort_keys=True)):
        digest.update(part if isinstance(part, bytes) else part.encode())
    return Path(cache_home()) / "censoring-demo-model" / f"{base.name}-censoring-{digest.hexdigest()[:10]}"


def censoring_demo_folder(log: Callable[[str], None] = print) -> Path:
    """The censoring demo model's transformers folder, fine-tuned on first use (about 10 CPU-minutes) and reused."""
    from lm_eval_deccp.paths import build_folder_once

    target = censoring_folder_path()
    if (target / BUILT_MARK).is_file():
        return target
    build_folder_once(target, BUILT_MARK, lambda staging: _build(staging, log))
    log(f"censoring demo model -> {target}")
    return target


def _build(out: Path, log: Callable[[str], None]) -> None:
    import torch

    from lm_eval_deccp.abliteration.model_io import load_model
    from lm_eval_deccp.demo import demo_hf_folder

    base = demo_hf_folder()
    log(f"building the censoring demo model from {base} (a fine-tune of a few minutes on a CPU; cached in "
        f"{out.parent})")
    started = time.time()
    model, tokenizer = load_model(str(base))
    examples = training_examples()
    losses = finetune(model, tokenizer, examples, CONFIG, log=log)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    kinds = {kind: sum(e["kind"] == kind for e in examples) for kind in ("refused", "deflected", "control")}
    (out / BUILT_MARK).write_text(json.dumps({
        "base_model": str(base), "examples": kinds, "finetune": CONFIG.to_dict(),
        "epoch_losses": [round(x, 4) for x in losses], "seconds": round(time.time() - started),
        "torch_threads": torch.get_num_threads(),
    }, indent=2) + "\n", encoding="utf-8")
    log(f"censoring demo model built in {time.time() - started:.0f} s")
