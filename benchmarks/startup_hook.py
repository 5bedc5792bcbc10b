"""What the start-up hook (lm_eval_deccp_autoload.pth) costs every Python process, and what registering the tasks
costs lm_eval. Prints figures; asserts nothing. Needs the package installed (pip install .), not PYTHONPATH.

    python benchmarks/startup_hook.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|\s+(\S.*)$")


def hook_import_us() -> int:
    """Cumulative microseconds Python spent importing our hook at start-up (from -X importtime)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], capture_output=True, text=True,
                          cwd="/", env={**os.environ, "PYTHONPATH": ""})
    total = 0
    for line in proc.stderr.splitlines():
        match = IMPORTTIME.search(line)
        if match and match[3].strip() == "lm_eval_deccp._autoload":
            total = int(match[2])
    return total


def wall_ms(env_extra: dict[str, str], code: str = "pass") -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/", env={**os.environ, **env_extra})
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    hook = [hook_import_us() for _ in range(args.runs)]
    if not any(hook):
        print("the hook was not imported at start-up: is the package installed with pip (not editable)?")
        return 1
    on = [wall_ms({}) for _ in range(args.runs)]
    off = [wall_ms({"DECCP_AUTOLOAD": "0"}) for _ in range(args.runs)]
    print(f"hook import at start-up (-X importtime, cumulative): median {statistics.median(hook) / 1000:.2f} ms, "
          f"max {max(hook) / 1000:.2f} ms over {args.runs} runs")
    print(f"`python -c pass` wall time: median {statistics.median(on):.1f} ms with the hook, "
          f"{statistics.median(off):.1f} ms with DECCP_AUTOLOAD=0")
    code = "from lm_eval.tasks import TaskManager; TaskManager()"
    with_tasks = statistics.median(wall_ms({}, code) for _ in range(3))
    without = statistics.median(wall_ms({"DECCP_AUTOLOAD": "0"}, code) for _ in range(3))
    print(f"lm_eval TaskManager() (indexes every task): median {with_tasks:.0f} ms with deccp registered, "
          f"{without:.0f} ms without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
