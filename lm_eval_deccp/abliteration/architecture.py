"""Where a causal LM writes to its residual stream, and which model a direction belongs to.

The edit targets the projections that write into the residual stream: each decoder layer's attention output
(`self_attn.o_proj`) and MLP output (`mlp.down_proj`), plus optionally the token embeddings. That is the layout of
the Llama family (Llama, Qwen2/3, Mistral, Gemma, Phi-3, SmolLM, ...); other layouts are refused by name rather than
edited wrongly."""

from __future__ import annotations

import hashlib

WRITERS = {"attn": "self_attn.o_proj", "mlp": "mlp.down_proj"}
MODULE_CHOICES = ("attn", "mlp", "embed")


class ArchitectureError(ValueError):
    """The model lacks the modules the edit needs, or the direction was computed on another model."""


def decoder_layers(model):
    layers = getattr(getattr(model, "model", None), "layers", None)
    if layers is None:
        raise ArchitectureError(
            f"{type(model).__name__} has no model.layers (decoder layers in the Llama layout); deccp abliterate "
            f"edits Llama-family models (Llama, Qwen2, Mistral, Gemma, SmolLM, ...)")
    return layers


def writer(layer, kind: str, index: int, model_name: str):
    module = layer
    for part in WRITERS[kind].split("."):
        module = getattr(module, part, None)
        if module is None:
            raise ArchitectureError(f"{model_name}: layer {index} has no {WRITERS[kind]} (the residual-stream "
                                    f"writer the edit needs); this architecture is not supported")
    if not hasattr(module, "weight") or module.weight.dim() != 2:
        raise ArchitectureError(f"{model_name}: layer {index}'s {WRITERS[kind]} is not a linear layer")
    return module


def check_writers(model) -> None:
    """Raise ArchitectureError unless every layer has both writers (checked before anything is computed)."""
    name = type(model).__name__
    for index, layer in enumerate(decoder_layers(model)):
        for kind in WRITERS:
            writer(layer, kind, index, name)


def shape_of(model) -> dict:
    config = model.config
    return {"model_type": getattr(config, "model_type", None), "hidden_size": config.hidden_size,
            "num_hidden_layers": len(decoder_layers(model)), "vocab_size": config.vocab_size}


def fingerprint(model) -> str:
    """A short hash of the model's weights that the edit does not touch (everything but the writers and the
    embeddings, which the edit may change): the same model before and after abliteration shares it, a fine-tune
    or another model does not. Reads 256 values of each tensor, so it is instant even for a 70B model."""
    import torch

    digest = hashlib.sha1()
    edited = tuple(WRITERS.values()) + ("embed_tokens", "lm_head")
    for name, parameter in sorted(model.named_parameters()):
        if any(part in name for part in edited):
            continue
        digest.update(name.encode())
        digest.update(parameter.detach().flatten()[:256].to(torch.float32).cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def check_before_loading(name_or_path: str) -> None:
    """Check the layout from the config alone (the model built on the meta device: no weights read, instant even
    for a 70B model), so an unsupported architecture is reported before minutes of loading."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from lm_eval_deccp.abliteration.model_io import ModelLoadError

    try:
        config = AutoConfig.from_pretrained(name_or_path)
        with torch.device("meta"):
            skeleton = AutoModelForCausalLM.from_config(config)
    except (OSError, ValueError, KeyError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelLoadError(f"could not read '{name_or_path}' as a causal LM: {first}") from None
    check_writers(skeleton)
