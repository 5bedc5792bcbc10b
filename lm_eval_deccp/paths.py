"""Where the package's task YAMLs live, installed or in a source checkout, and where what is built once is cached.
Kept import-free (standard library, imported lazily) for the start-up hook."""

from __future__ import annotations

import os


def tasks_dir() -> str:
    """The folder to give lm_eval as --include_path.

    Installed, setup.cfg maps the repository's tasks/ to lm_eval_deccp/tasks; in a source checkout on PYTHONPATH
    the package has no tasks/ and the repository's own folder is used."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    installed = os.path.join(package_dir, "tasks")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(package_dir), "tasks")


def cache_home() -> str:
    """Where the package keeps what it computes once and reuses across runs (the judge's cache, the converted demo
    model): $XDG_CACHE_HOME/lm_eval_deccp, i.e. ~/.cache/lm_eval_deccp by default. Never inside the repository."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lm_eval_deccp")


def build_folder_once(target, mark: str, build):
    """The folder `target`, made by `build(staging)` on first use and reused while it holds the file `mark` (which
    `build` writes last). The build runs in a temporary sibling folder that is moved into place only when complete,
    so an interrupted build never leaves a folder that looks finished, and a damaged earlier one is replaced."""
    import shutil
    import tempfile
    from pathlib import Path

    target = Path(target)
    if (target / mark).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        build(staging)
        if target.exists():  # a damaged earlier attempt
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
