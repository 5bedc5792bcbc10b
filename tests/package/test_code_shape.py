"""The issue-21 shape rules, checked on the package's source (no import of the package needed).

- a module over 300 lines says why in its docstring (a line starting "Long:");
- a function or method is at most 60 lines;
- a command module (lm_eval_deccp/cli/*) is at most 120 lines: arguments plus a call;
- module-level imports between the package's subpackages and top-level modules have no cycle.
"""
import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "lm_eval_deccp"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_MODULE, MAX_FUNCTION, MAX_COMMAND = 300, 60, 120


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_long_module_says_why(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines <= MAX_MODULE:
        return
    docstring = ast.get_docstring(_tree(path)) or ""
    assert any(line.startswith("Long:") for line in docstring.splitlines()), (
        f"{_name(path)} has {lines} lines: split it, or say why in a 'Long:' line of its docstring")


def test_no_long_functions():
    long = [f"{_name(path)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in MODULES for node in ast.walk(_tree(path))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION]
    assert not long, "functions over 60 lines:\n" + "\n".join(long)


def test_command_modules_are_thin():
    fat = [f"{_name(p)} ({n} lines)" for p in sorted((PACKAGE / "cli").glob("*.py"))
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_COMMAND]
    assert not fat, "command modules over 120 lines:\n" + "\n".join(fat)


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "lm_eval_deccp" else ""


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (imports inside functions are deliberate lazy ones)."""
    here = _module_of(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in _tree(path).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return {m for m in found if m.startswith("lm_eval_deccp.")}


def test_subpackages_and_modules_import_one_way():
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        source = _subpackage(_module_of(path))
        if not source:
            continue
        targets = {_subpackage(m) for m in _top_level_imports(path)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    # any cycle among subpackages?
    cycles = []

    def visit(node, stack):
        for nxt in graph.get(node, ()):
            if nxt in stack:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif len(stack) < len(graph) + 1:
                visit(nxt, [*stack, nxt])

    for start in graph:
        visit(start, [start])
    assert not cycles, "import cycles between subpackages:\n" + "\n".join(sorted(set(cycles)))
