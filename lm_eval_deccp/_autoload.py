"""Start-up hook that lets a bare `lm_eval --tasks deccp_en` find this package's tasks.

lm-eval 0.4.13 has no plugin mechanism for tasks (the `lm_eval.tasks` entry-point group that setup.cfg declares is
only proposed upstream). The installed `lm_eval_deccp_autoload.pth` calls `install()` at interpreter start; it
only puts a finder on sys.meta_path, which waits for `lm_eval.tasks.manager` to be imported and then makes
`TaskManager` add our task folder to its include paths. Nothing else is imported until then, so processes that never
use lm_eval pay a few microseconds.

Rules this module keeps: never raise (a .pth error would break every Python start-up), degrade to a warning when
lm_eval's internals change, and stay off when DECCP_AUTOLOAD=0.
"""

from __future__ import annotations

import os
import sys

DISABLE_ENV = "DECCP_AUTOLOAD"
TARGET_MODULE = "lm_eval.tasks.manager"
TARGET_CLASS = "TaskManager"
TARGET_PARAMETER = "include_path"
_PATCHED_MARK = "__deccp_autoload__"


def _warn(message: str) -> None:
    import warnings

    warnings.warn(
        f"lm-eval-deccp: {message} The deccp tasks are not registered automatically; pass "
        f'--include_path "$(deccp tasks-path)" to lm_eval instead.',
        RuntimeWarning,
        stacklevel=2,
    )


def _with_our_tasks(include_path):
    """Our folder first, then the user's: lm_eval lets later paths override earlier ones, so a user's own task of
    the same name still wins."""
    from lm_eval_deccp.paths import tasks_dir

    ours = tasks_dir()
    if include_path is None:
        user_paths = []
    elif isinstance(include_path, (list, tuple)):
        user_paths = list(include_path)
    else:
        user_paths = [include_path]
    resolved = {os.path.realpath(str(p)) for p in user_paths}
    if os.path.realpath(ours) in resolved:
        return include_path
    return [ours, *user_paths]


def patch_task_manager(module) -> bool:
    """Make module.TaskManager include our tasks. Returns False (after a warning) when the target has changed."""
    import functools
    import inspect

    cls = getattr(module, TARGET_CLASS, None)
    if cls is None:
        _warn(f"{TARGET_MODULE}.{TARGET_CLASS} was not found (lm_eval changed its internals).")
        return False
    original = cls.__init__
    if getattr(original, _PATCHED_MARK, False):
        return True
    try:
        signature = inspect.signature(original)
    except (TypeError, ValueError):
        signature = None
    if signature is None or TARGET_PARAMETER not in signature.parameters:
        _warn(f"{TARGET_CLASS}.__init__ has no '{TARGET_PARAMETER}' parameter (lm_eval changed its internals).")
        return False

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
            bound.arguments[TARGET_PARAMETER] = _with_our_tasks(bound.arguments.get(TARGET_PARAMETER))
            args, kwargs = bound.args[1:], bound.kwargs
        except Exception as err:  # never let our hook break lm_eval: run it as the user asked
            _warn(f"could not add the task folder ({type(err).__name__}: {err}).")
        original(self, *args, **kwargs)

    setattr(__init__, _PATCHED_MARK, True)
    cls.__init__ = __init__
    return True


class _PostImportLoader:
    """Runs the real loader, then patches the freshly executed module."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        try:
            patch_task_manager(module)
        except Exception as err:
            _warn(f"the start-up hook failed ({type(err).__name__}: {err}).")

    def __getattr__(self, name):  # get_code, get_source, is_package… for tools that inspect loaders
        return getattr(self._loader, name)


class _TaskManagerFinder:
    """A meta-path finder that only ever answers for TARGET_MODULE, by asking the finders after it."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != TARGET_MODULE:
            return None
        try:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _PostImportLoader(spec.loader)
                    return spec
        except Exception as err:
            _warn(f"the start-up hook failed ({type(err).__name__}: {err}).")
        return None


def install() -> None:
    """Called from the .pth file at interpreter start."""
    try:
        if os.environ.get(DISABLE_ENV, "1").strip().lower() in {"0", "false", "no", "off"}:
            return
        if any(isinstance(f, _TaskManagerFinder) for f in sys.meta_path):
            return
        module = sys.modules.get(TARGET_MODULE)
        if module is not None:  # lm_eval already imported (install() called late): patch directly
            patch_task_manager(module)
            return
        sys.meta_path.insert(0, _TaskManagerFinder())
    except Exception:  # a start-up hook must never stop Python from starting
        pass
