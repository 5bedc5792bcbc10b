"""The local copy of a benchmark's data that a task reads instead of the hub: named by --metadata (the task's own
key) or an environment variable, the metadata winning. Shared by the deccp and MixEval loaders."""

from __future__ import annotations

import os
from pathlib import Path


def local_data_dir(explicit: str | os.PathLike | None, env_var: str, metadata_key: str, error: type[Exception],
                   name: str, advice: str) -> Path | None:
    """The folder to read, or None for the hub. A folder that does not exist raises `error` naming where it came
    from; `advice` (starting with its own punctuation) says what the folder should hold."""
    chosen = explicit or os.environ.get(env_var) or None
    if chosen is None:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        where = metadata_key if explicit else env_var
        raise error(f"The {name} data folder '{path}' (from {where}) does not exist{advice}")
    return path
