"""A direction folder, as `deccp direction` writes it and `deccp abliterate` reads it:

  directions.safetensors   'censorship' (n_layers + 1, d) unit rows; 'refusal' likewise when computed
  direction.json           the model (id, shape, fingerprint), the chosen layer, the prompts, separation per layer
  direction.md             the same for a reader"""

from __future__ import annotations

import json
from pathlib import Path

TENSORS = "directions.safetensors"
METADATA = "direction.json"
FORMAT = "deccp-direction/1"


class DirectionFileError(ValueError):
    """A direction folder that is missing, damaged or of another format."""


def save(folder: Path, tensors: dict, metadata: dict) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({name: t.contiguous() for name, t in tensors.items()}, str(folder / TENSORS))
    (folder / METADATA).write_text(json.dumps({"format": FORMAT, **metadata}, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def load(folder: str | Path) -> tuple[dict, dict]:
    """(tensors, metadata) of a direction folder; DirectionFileError with the reason otherwise."""
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / METADATA).is_file() or not (folder / TENSORS).is_file():
        raise DirectionFileError(f"'{folder}' is not a direction folder (it needs {METADATA} and {TENSORS}, as "
                                 f"`deccp direction` writes them)")
    try:
        metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        tensors = load_file(str(folder / TENSORS))
    except (ValueError, OSError) as err:
        raise DirectionFileError(f"could not read the direction in '{folder}': {err}") from None
    if metadata.get("format") != FORMAT or "censorship" not in tensors:
        raise DirectionFileError(f"'{folder}' holds format {metadata.get('format')!r}, not {FORMAT!r}")
    return tensors, metadata
