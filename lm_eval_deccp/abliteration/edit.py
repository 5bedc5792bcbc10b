"""Projecting a direction out of the weights that write to the residual stream ("abliteration").

For a unit direction r and a writer W (d_model x d_in), W <- W - scale * r (r^T W): whatever the module computes,
its output then has no component along r (scale 1), so the edited layers can no longer move the residual stream
along the direction. The embedding rows are edited the same way (E <- E - scale * (E r) r^T) when asked."""

from __future__ import annotations

from lm_eval_deccp.abliteration.architecture import ArchitectureError, decoder_layers, writer


def parse_layers(spec: str, n_layers: int) -> list[int]:
    """'all', 'all-but-first' (the deccp study's choice), or comma-separated indices and ranges ('4-20,25')."""
    if spec == "all":
        return list(range(n_layers))
    if spec == "all-but-first":
        return list(range(1, n_layers))
    chosen = set()
    for part in spec.split(","):
        part = part.strip()
        try:
            low, _, high = part.partition("-")
            span = range(int(low), int(high or low) + 1)
        except ValueError:
            raise ArchitectureError(f"--layers: '{part}' is not a layer index or range (e.g. 4-20)") from None
        if not span or span[0] < 0 or span[-1] >= n_layers:
            raise ArchitectureError(f"--layers: '{part}' is outside the model's layers 0-{n_layers - 1}")
        chosen.update(span)
    return sorted(chosen)


def _project_rows_out(weight, direction, scale: float):
    """weight (d_model, k) whose columns live in the residual stream: remove their component along direction."""
    import torch

    w = weight.data.to(torch.float32)
    r = direction.to(torch.float32).to(w.device)
    w -= scale * torch.outer(r, r @ w)
    weight.data.copy_(w.to(weight.dtype))


def project_out(model, direction, layers: list[int], modules: set[str], scale: float = 1.0) -> list[str]:
    """Edit the model in place; returns the names of the edited weights."""
    import torch

    direction = direction / direction.norm()
    edited = []
    all_layers = decoder_layers(model)
    name = type(model).__name__
    with torch.no_grad():
        for index in layers:
            for kind in ("attn", "mlp"):
                if kind not in modules:
                    continue
                module = writer(all_layers[index], kind, index, name)
                _project_rows_out(module.weight, direction, scale)
                if getattr(module, "bias", None) is not None:
                    b = module.bias.data.to(torch.float32)
                    r = direction.to(torch.float32).to(b.device)
                    module.bias.data.copy_((b - scale * r * (r @ b)).to(module.bias.dtype))
                edited.append(f"model.layers.{index}.{'self_attn.o_proj' if kind == 'attn' else 'mlp.down_proj'}")
        if "embed" in modules:
            embedding = model.get_input_embeddings().weight  # (vocab, d_model): each row lives in the stream
            e = embedding.data.to(torch.float32)
            r = direction.to(torch.float32).to(e.device)
            embedding.data.copy_((e - scale * torch.outer(e @ r, r)).to(embedding.dtype))
            edited.append("model.embed_tokens")
    return edited
