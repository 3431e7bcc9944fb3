"""Which Python files of the project are the app's own code.

The same default exclusions as the packaging engine (virtualenvs, tests, build output,
``.lw/``…) plus anything installed: a dependency's boto3 calls are the dependency's
business, and scanning site-packages would grant what the app never asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

from lw.core.packaging.gitignore import GitIgnore
from lw.core.packaging.rules import DEFAULT_EXCLUDES

# Folders that hold installed packages whatever they are called.
_INSTALLED_DIRS = frozenset({"site-packages", "dist-packages", "node_modules", "__pypackages__"})


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def python_files(project_dir: Path, exclude: Sequence[str] = ()) -> Iterator[tuple[Path, str]]:
    """``(absolute path, POSIX path relative to the project)`` of every app source
    file, in sorted order so that the analysis is deterministic."""
    root = project_dir.resolve()
    excluder = GitIgnore(DEFAULT_EXCLUDES)
    excluder.extend(exclude)

    def walk(directory: Path, rel_dir: str) -> Iterator[tuple[Path, str]]:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                path = Path(entry.path)
                if entry.name in _INSTALLED_DIRS or _is_virtualenv(path) or excluder.match_here(rel, True):
                    continue
                yield from walk(path, rel + "/")
            elif entry.name.endswith(".py") and entry.is_file() and not excluder.match_here(rel, False):
                yield Path(entry.path), rel

    yield from walk(root, "")


def module_name(rel_path: str) -> str:
    """``app/models.py`` -> ``app.models``; ``app/__init__.py`` -> ``app``."""
    parts = rel_path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
