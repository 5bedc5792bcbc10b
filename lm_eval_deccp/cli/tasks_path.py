"""Print the folder holding the deccp task YAMLs, for `lm_eval --include_path "$(deccp tasks-path)"`.

Installed with pip, lm_eval finds the tasks without it; the explicit form is for editable installs, for
DECCP_AUTOLOAD=0, and for scripts that prefer to be explicit."""

from __future__ import annotations


def add_arguments(parser) -> None:
    pass


def run(args) -> int:
    from lm_eval_deccp.paths import tasks_dir

    print(tasks_dir())
    return 0
