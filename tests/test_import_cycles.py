"""No two modules of the engine, io, model, gui or cli import each other, not even through a function-level import.

import-linter orders the layers; this checks the modules inside them. A circle hidden behind an import inside a
function still couples the two modules both ways (and breaks when someone moves the import to the top), so the
fix is to move the shared piece down into a module both import. Imports under ``if TYPE_CHECKING:`` do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lstmviz"
CHECKED = ("lstmviz.engine", "lstmviz.io", "lstmviz.model", "lstmviz.gui", "lstmviz.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package modules ``path`` imports at run time, at any depth, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c in modules and c != name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles_inside_the_layers() -> None:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    checked = {name for name in paths if name.startswith(CHECKED) and name not in CHECKED}
    graph = {name: imports_of(paths[name], checked) for name in checked}
    assert cycles(graph) == []


def test_the_check_sees_a_circle_through_a_function_level_import(tmp_path: Path) -> None:
    """The detector itself: two modules joined by a top-level and a function-level import form a circle."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == [["a", "b"]]
    source = PACKAGE / "io" / "open_any.py"
    assert "lstmviz.io.sequences" in imports_of(source, {"lstmviz.io.sequences"})  # its lazy reader import counts
