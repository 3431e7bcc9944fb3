"""What the app's own sources say about tasks: whether they use ``lw.tasks`` (so the
deployer grants the function what starting a task needs, and nothing when they do not)
and where they still import Zappa's ``zappa.asynchronous`` (for ``lw init --from-zappa``).

Only the files lw would package are read (``collect_sources``: no virtualenvs, no
excluded or secret-looking files), as text: nothing of the app is imported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from lw.core.packaging.sources import collect_sources

if TYPE_CHECKING:
    from lw.core.model import AppModel

LW_TASKS_IMPORT = re.compile(r"^\s*(?:from\s+lw\.tasks(?:\.zappa)?\s+import\b|import\s+lw\.tasks\b)", re.M)
ZAPPA_TASKS_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+zappa\.asynchronous[ \t]+import\b|import[ \t]+zappa\.asynchronous\b)"
)
# Folders that hold installed code even when a project keeps them inside its tree.
_INSTALLED = ("site-packages/", "dist-packages/", "node_modules/", "__pypackages__/")


def app_python_sources(
    project_dir: Path, exclude: Sequence[str] = (), include: Sequence[str] = ()
) -> Iterator[tuple[str, str]]:
    """``(relative path, text)`` of each Python file of the app, in sorted order."""
    selection = collect_sources(project_dir, exclude=exclude, include=include)
    for rel, path in sorted(selection.files.items()):
        if not rel.endswith(".py") or any(part in rel for part in _INSTALLED):
            continue
        try:
            yield rel, path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue


def uses_tasks(project_dir: Path, exclude: Sequence[str] = (), include: Sequence[str] = ()) -> bool:
    """Whether any module of the app imports ``lw.tasks``."""
    return any(LW_TASKS_IMPORT.search(text) for _, text in app_python_sources(project_dir, exclude, include))


def app_uses_tasks(app: AppModel) -> bool:
    """:func:`uses_tasks` for the files the stage's package holds (its ``exclude`` and
    ``include`` settings), read at each deploy: every provider asks the same question."""
    return uses_tasks(
        app.project_dir, tuple(app.settings.get("exclude") or ()), tuple(app.settings.get("include") or ())
    )


def zappa_task_imports(project_dir: Path, exclude: Sequence[str] = ()) -> list[tuple[str, int, str]]:
    """``(file, line number, line)`` of every ``zappa.asynchronous`` import in the app."""
    found = []
    for rel, text in app_python_sources(project_dir, exclude):
        if "zappa.asynchronous" not in text:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if ZAPPA_TASKS_IMPORT.match(line):
                found.append((rel, number, line.strip()))
    return found


def lw_replacement(line: str) -> str:
    """The lw line for a Zappa import: the alias module takes the same names."""
    return line.replace("zappa.asynchronous", "lw.tasks.zappa", 1)
