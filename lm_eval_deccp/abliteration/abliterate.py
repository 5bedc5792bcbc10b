"""`deccp abliterate`'s work: check that the direction belongs to the model, measure, edit, measure again, save the
edited model as a plain transformers folder with its card (card.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

from lm_eval_deccp.abliteration import architecture, card, edit, store
from lm_eval_deccp.abliteration.model_io import load_model

CARD_JSON = "abliteration.json"


def check_same_model(model, metadata: dict, allow_other_model: bool) -> None:
    shape = architecture.shape_of(model)
    if shape != metadata["shape"]:
        raise architecture.ArchitectureError(
            f"the direction was computed on a model of another shape ({metadata['model']}: {metadata['shape']}; "
            f"this one: {shape})")
    if not allow_other_model and architecture.fingerprint(model) != metadata["fingerprint"]:
        raise architecture.ArchitectureError(
            f"the direction was computed on another model ({metadata['model']}): same shape, different weights. "
            f"Pass --allow-other-model to apply it anyway (e.g. a base model's direction to its fine-tune)")


def check_output(out: Path) -> None:
    """Refuse to write into a non-empty folder that is not an earlier abliteration's."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / CARD_JSON).is_file())):
        raise architecture.ArchitectureError(f"output '{out}' exists and is not an earlier `deccp abliterate` "
                                             f"output; choose a new folder")


def abliterate(model_name: str, direction_dir: Path, out: Path, layers_spec: str = "all-but-first",
               modules: tuple[str, ...] = ("attn", "mlp"), scale: float = 1.0, direction_layer: int | None = None,
               allow_other_model: bool = False, batch_size: int = 16,
               log: Callable[[str], None] = print) -> dict:
    """Edit `model_name` with the direction in `direction_dir` and save it to `out`; returns the card's data."""
    import torch

    from lm_eval_deccp import __version__

    started = time.time()
    tensors, metadata = store.load(direction_dir)
    n_layers = metadata["shape"]["num_hidden_layers"]
    layers = edit.parse_layers(layers_spec, n_layers)  # bad input fails before the model is loaded
    index = metadata["censorship"]["layer"] if direction_layer is None else direction_layer
    if not 0 <= index < tensors["censorship"].shape[0]:
        last = tensors["censorship"].shape[0] - 1
        raise architecture.ArchitectureError(f"--direction-layer {index} is outside 0-{last}")
    check_output(out)
    architecture.check_before_loading(model_name)
    model, tokenizer = load_model(model_name)
    check_same_model(model, metadata, allow_other_model)
    direction = tensors["censorship"][index].to(torch.float32)
    prompts = card.measurement_prompts()
    watched = sorted({index, n_layers})  # where the direction was found, and the stream after the last layer
    log(f"measuring the original model on {sum(map(len, prompts.values()))} held-out prompts")
    before = card.snapshot(model, tokenizer, prompts, direction, watched, batch_size)
    edited = edit.project_out(model, direction, layers, set(modules), scale)
    after = card.snapshot(model, tokenizer, prompts, direction, watched, batch_size)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    data = {"version": __version__, "model": model_name, "direction": {
                "source": str(direction_dir), "model": metadata["model"], "layer": index,
                "prompts": metadata["censorship"]["description"]},
            "layers": layers, "layers_text": layers_spec, "modules": list(modules), "scale": scale,
            "edited": edited, "changes": card.compare(before, after), "seconds": round(time.time() - started, 1)}
    (out / CARD_JSON).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "README.md").write_text(card.render(data), encoding="utf-8")
    return data
