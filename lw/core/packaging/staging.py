"""Keeping the staging folder in step with the files it should contain.

A rebuild with nothing changed must take well under a second, so the staging folder
is updated in place: a file is copied only when its size or modification time differ
from its source, files that are no longer wanted are deleted, and dependencies are
hard-linked from the install cache rather than copied.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping


def _same(target: os.stat_result, source: os.stat_result) -> bool:
    return target.st_size == source.st_size and target.st_mtime_ns == source.st_mtime_ns


def _place(source: Path, destination: Path, *, link: bool) -> None:
    if destination.is_dir() and not destination.is_symlink():
        shutil.rmtree(destination)
    elif destination.exists() or destination.is_symlink():
        destination.unlink()
    destination.parent.mkdir(parents=True, exist_ok=True)
    if link:
        try:
            os.link(source, destination)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copy2(source, destination)


def sync(
    root: Path,
    wanted: Mapping[str, Path],
    *,
    linked: frozenset[str] | set[str] = frozenset(),
    keep: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """Make ``root`` hold exactly ``wanted`` (relative path -> source file) plus the
    ``keep`` paths that already exist; return the relative paths that were (re)placed.

    Paths in ``linked`` are hard-linked (they come from a cache nobody edits).
    """
    root.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    for rel, source in wanted.items():
        destination = root / rel
        source_stat = source.stat()
        try:
            if _same(destination.stat(), source_stat) and destination.is_file():
                continue
        except (FileNotFoundError, NotADirectoryError):
            pass
        _place(source, destination, link=rel in linked)
        changed.append(rel)
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        base = Path(dirpath)
        rel_dir = base.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            rel = prefix + name
            if rel not in wanted and rel not in keep:
                (base / name).unlink()
        if base != root and not any(base.iterdir()):
            base.rmdir()
    return changed
