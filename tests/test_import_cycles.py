"""No import cycles between the modules of one folder: each folder reads as layers, the
lower modules knowing nothing of the higher ones. Every import counts, including the
ones inside functions and under ``TYPE_CHECKING``: a lazy import hides a cycle, it does
not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

LW = Path(__file__).resolve().parents[1] / "lw"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in LW.rglob("*.py"):
        parts = list(path.relative_to(LW.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            continue  # a package's __init__ re-exports its modules by design
        modules[".".join(parts)] = path
    return modules


def _same_folder_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name and modules[t].parent == path.parent)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_inside_a_folder() -> None:
    assert _cycles(_same_folder_imports(_modules())) == []


def test_the_detector_sees_a_lazy_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
