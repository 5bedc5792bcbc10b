"""`deccp direction`'s work: read a model's residual stream on the prompt sets, compute the censorship direction
(and, given harmful/harmless prompts, the refusal direction and the cosine between the two), and write the folder
(store.py)."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from lm_eval_deccp.abliteration import architecture, store
from lm_eval_deccp.abliteration.direction import cosine_per_layer, find_direction
from lm_eval_deccp.abliteration.model_io import last_token_states, load_model
from lm_eval_deccp.abliteration.prompts import PromptSet


def _states(model, tokenizer, prompts: PromptSet, batch_size: int, log):
    started = time.time()
    groups = [prompts.train_target, prompts.train_contrast, prompts.held_target, prompts.held_contrast]
    states = [last_token_states(model, tokenizer, g, batch_size) for g in groups]
    log(f"{prompts.name}: {sum(map(len, groups))} prompts read in {time.time() - started:.0f} s")
    return states


def _summary(prompts: PromptSet, result) -> dict:
    return {"prompts": prompts.name, "description": prompts.description, "counts": prompts.counts,
            "layer": result.layer, "candidate_layers": [result.candidates[0], result.candidates[-1]],
            "separation": [asdict(row) for row in result.separation]}


def compute_direction(model_name: str, out: Path, censorship: PromptSet, refusal: PromptSet | None = None,
                      batch_size: int = 16, log: Callable[[str], None] = print) -> dict:
    """Compute and save the direction(s) of `model_name`; returns the metadata written."""
    started = time.time()
    architecture.check_before_loading(model_name)  # a direction nobody can apply is not worth computing
    model, tokenizer = load_model(model_name)
    censor = find_direction(*_states(model, tokenizer, censorship, batch_size, log),
                            paired=censorship.held_pair_ids is not None)
    tensors = {"censorship": censor.directions}
    metadata = {"model": model_name, "shape": architecture.shape_of(model),
                "fingerprint": architecture.fingerprint(model),
                "position": "last prompt token, chat template applied (as lm_eval --apply_chat_template)",
                "residual_index": "0 = embeddings, i = the stream entering decoder layer i",
                "censorship": _summary(censorship, censor)}
    if refusal is not None:
        refuse = find_direction(*_states(model, tokenizer, refusal, batch_size, log), paired=False)
        tensors["refusal"] = refuse.directions
        metadata["refusal"] = _summary(refusal, refuse)
        metadata["cosine_censorship_refusal"] = cosine_per_layer(censor.directions, refuse.directions)
    metadata["seconds"] = round(time.time() - started, 1)
    store.save(out, tensors, metadata)
    (out / "direction.md").write_text(render(metadata), encoding="utf-8")
    return metadata


def render(metadata: dict) -> str:
    """The direction folder's summary for a reader: the choice, then the separation of every layer."""
    censor = metadata["censorship"]
    refusal = metadata.get("refusal")
    cosines = metadata.get("cosine_censorship_refusal")
    lines = [f"# Censorship direction of {metadata['model']}", "",
             f"Chosen residual index: **{censor['layer']}** of {metadata['shape']['num_hidden_layers']} layers "
             f"(best held-out AUC, ties broken by the standardized gap; candidates "
             f"{censor['candidate_layers'][0]}-{censor['candidate_layers'][1]}).", "",
             f"Prompts: {censor['description']}. Counts: {censor['counts']}.", ""]
    if refusal:
        lines += [f"Refusal direction: {refusal['description']}; counts {refusal['counts']}; its best layer "
                  f"{refusal['layer']}.", ""]
    header = "| index | held-out AUC | paired accuracy | gap / sd | raw norm |"
    rule = "|---:|---:|---:|---:|---:|"
    if refusal:
        header += " refusal AUC | cos(censorship, refusal) |"
        rule += "---:|---:|"
    lines += [header, rule]
    for row in censor["separation"]:
        accuracy = "" if row["paired_accuracy"] is None else f"{row['paired_accuracy']:.3f}"
        mark = " ←" if row["layer"] == censor["layer"] else ""
        line = f"| {row['layer']}{mark} | {row['auc']:.3f} | {accuracy} | {row['gap_sd']:.2f} | {row['norm']:.2f} |"
        if refusal:
            line += f" {refusal['separation'][row['layer']]['auc']:.3f} | {cosines[row['layer']]:.3f} |"
        lines.append(line)
    lines += ["", f"Computed in {metadata['seconds']} s.", ""]
    return "\n".join(lines)
