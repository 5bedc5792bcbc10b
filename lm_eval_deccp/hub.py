"""Whether the Hugging Face hub can be reached, decided once per process and fast.

`datasets` and `huggingface_hub` retry an unreachable hub for tens of seconds before they give up; a command that
has a local alternative (a data folder, a question column) should not wait for that. One TCP connection attempt to
the hub's host answers the question in milliseconds when DNS fails (an offline machine) and in at most
CONNECT_TIMEOUT seconds otherwise. No network call happens at import."""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

CONNECT_TIMEOUT = 3.0
_OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_reason() -> str | None:
    """Why the hub cannot be used now (an offline variable is set, or its host does not answer), or None."""
    for name in _OFFLINE_VARIABLES:
        if os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}:
            return f"{name} is set"
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    return _unreachable(endpoint)


@functools.lru_cache(maxsize=4)
def _unreachable(endpoint: str) -> str | None:
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            return None
    except OSError as err:
        return f"cannot reach {host}:{port} ({err.strerror or type(err).__name__})"
