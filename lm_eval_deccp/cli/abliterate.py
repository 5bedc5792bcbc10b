"""Project a direction (from `deccp direction`) out of the weights that write to a model's residual stream, and save
the edited model as a plain transformers folder that `lm_eval --model hf` and vLLM load, with a card beside it
(README.md and abliteration.json: the direction's source and layer, the edited modules, and what changed — the
next-token KL divergence on held-out control prompts and the China prompts' projection before and after).

  deccp abliterate Qwen/Qwen2-7B-Instruct --direction qwen2-direction -o qwen2-abliterated
  lm_eval --model hf --model_args pretrained=qwen2-abliterated --tasks deccp_plus --apply_chat_template

By default the deccp study's choice: the attention output and MLP down projections of every layer but the first,
with the direction of the layer `deccp direction` chose, at scale 1."""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("model", help="the model the direction was computed on: a hub id or a local folder")
    parser.add_argument("--direction", required=True, type=Path, help="a folder written by `deccp direction`")
    parser.add_argument("-o", "--output", required=True, type=Path, help="folder to save the edited model to")
    parser.add_argument("--layers", default="all-but-first",
                        help="decoder layers to edit: all-but-first (default, the deccp study's choice), all, or "
                             "indices and ranges such as 4-20,25")
    parser.add_argument("--modules", default="attn,mlp",
                        help="comma-separated writers to edit: attn (self_attn.o_proj), mlp (mlp.down_proj), embed "
                             "(token embeddings; tied output embeddings change with them). Default attn,mlp")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="how much of the direction to remove: 1 removes it, 0.5 half, >1 pushes against it")
    parser.add_argument("--direction-layer", type=int, default=None,
                        help="use the direction of this residual index instead of the one `deccp direction` chose")
    parser.add_argument("--allow-other-model", action="store_true",
                        help="apply a direction computed on a different model of the same shape (e.g. a base "
                             "model's direction to its fine-tune); refused by default")
    parser.add_argument("--batch-size", type=int, default=16)


def run(args) -> int:
    from lm_eval_deccp.abliteration.abliterate import abliterate
    from lm_eval_deccp.abliteration.architecture import MODULE_CHOICES
    from lm_eval_deccp.abliteration.errors import USER_ERRORS
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.cli.direction import check_model_name

    modules = tuple(m.strip() for m in args.modules.split(",") if m.strip())
    unknown = sorted(set(modules) - set(MODULE_CHOICES))
    if unknown or not modules:
        raise UsageError(f"--modules: {', '.join(unknown) or 'none given'}; choose from {', '.join(MODULE_CHOICES)}")
    if not args.scale > 0:
        raise UsageError(f"--scale must be positive, not {args.scale}")
    check_model_name(args.model)
    try:
        data = abliterate(args.model, args.direction, args.output, args.layers, modules, args.scale,
                          args.direction_layer, args.allow_other_model, args.batch_size,
                          log=lambda line: print(line, file=sys.stderr))
    except USER_ERRORS as err:
        raise UsageError(str(err)) from None
    kl = data["changes"]["control"]["kl"]
    print(f"{len(data['edited'])} weights edited; control prompts' next-token KL mean {kl['mean']:.4f} nats "
          f"-> {args.output} ({data['seconds']} s)")
    return 0
