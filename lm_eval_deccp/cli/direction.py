"""Find the censorship direction in a Hugging Face causal LM: the difference of mean residual-stream activations
(last prompt token, chat template applied) between China-sensitive questions and their matched controls, per layer,
on a train split; the layer is chosen by how well the direction separates held-out pairs (AUC per layer reported).
Given harmful and harmless prompt files, also the refusal direction and the cosine between the two per layer.

  deccp direction Qwen/Qwen2-7B-Instruct -o qwen2-direction
  deccp direction "$(deccp demo-model --censoring --hf-folder)" -o dir \\
      --harmful harmful.txt --harmless ../shared/data/deccp-extra/harmless.txt

Writes DIR/directions.safetensors, DIR/direction.json and DIR/direction.md; `deccp abliterate` reads them."""

from __future__ import annotations

import sys
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("model", help="a Hugging Face hub id or a local transformers folder (Llama-family layout)")
    parser.add_argument("-o", "--output", required=True, type=Path, help="folder to write the direction to")
    parser.add_argument("--prompts", choices=("deccp-plus", "deccp"), default="deccp-plus",
                        help="deccp-plus: the suite's China questions against their matched controls, split by pair "
                             "(default); deccp: the augmxnt/deccp censored against its uncensored questions "
                             "(needs the dataset: $DECCP_DATA_DIR or the hub)")
    parser.add_argument("--langs", default="en,zh", help="deccp-plus languages, comma-separated (default en,zh)")
    parser.add_argument("--china", type=Path, help="a prompt file of China-sensitive prompts (one a line, or JSONL "
                                                   "with 'prompt'/'question'/'text'); needs --control")
    parser.add_argument("--control", type=Path, help="the prompt file to contrast --china with")
    parser.add_argument("--harmful", type=Path, help="harmful prompts, for the refusal direction (with --harmless)")
    parser.add_argument("--harmless", type=Path, help="harmless prompts, e.g. ../shared/data/deccp-extra/harmless.txt")
    parser.add_argument("--max-prompts", type=int, default=1000,
                        help="use at most the first N prompts of each prompt file (default 1000, as many as the "
                             "deccp author's scripts drew from harmless.txt)")
    parser.add_argument("--batch-size", type=int, default=16)


def run(args) -> int:
    from lm_eval_deccp.abliteration import prompts
    from lm_eval_deccp.abliteration.errors import USER_ERRORS
    from lm_eval_deccp.abliteration.find import compute_direction
    from lm_eval_deccp.cli import UsageError

    if (args.china is None) != (args.control is None):
        raise UsageError("--china and --control go together: the prompts to find and the prompts to contrast them with")
    if (args.harmful is None) != (args.harmless is None):
        raise UsageError("--harmful and --harmless go together (the refusal direction is their difference)")
    if args.max_prompts < 3 or args.batch_size < 1:
        raise UsageError("--max-prompts must be at least 3 and --batch-size at least 1")
    check_model_name(args.model)
    try:  # every prompt file is read before the model is loaded
        if args.china:
            censorship = prompts.unpaired("files", prompts.read_prompt_file(args.china),
                                          prompts.read_prompt_file(args.control),
                                          f"{args.china} vs {args.control}", args.max_prompts)
        elif args.prompts == "deccp":
            censorship = prompts.canonical_deccp()
        else:
            censorship = prompts.deccp_plus_pairs(tuple(x.strip() for x in args.langs.split(",") if x.strip()))
        refusal = None if args.harmful is None else prompts.unpaired(
            "refusal", prompts.read_prompt_file(args.harmful), prompts.read_prompt_file(args.harmless),
            f"{args.harmful} vs {args.harmless}", args.max_prompts)
        metadata = compute_direction(args.model, args.output, censorship, refusal, args.batch_size,
                                     log=lambda line: print(line, file=sys.stderr))
    except USER_ERRORS as err:
        raise UsageError(str(err)) from None
    layer = metadata["censorship"]["layer"]
    auc = metadata["censorship"]["separation"][layer]["auc"]
    print(f"censorship direction at residual index {layer} (held-out AUC {auc:.3f}) -> {args.output} "
          f"({metadata['seconds']} s)")
    return 0


def check_model_name(name: str) -> None:
    """A path that does not exist is an error here, not a hub lookup that fails later with a long traceback."""
    from lm_eval_deccp.cli import UsageError

    # A hub id is "name" or "owner/name" (dots allowed: Qwen/Qwen2.5-7B-Instruct); anything else is a path.
    looks_local = name.startswith((".", "/", "~")) or name.count("/") > 1
    if looks_local and not Path(name).expanduser().is_dir():
        raise UsageError(f"model folder '{name}' does not exist")
