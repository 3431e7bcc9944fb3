"""Choosing which of the project's files go into the package.

One walk of the project applies, in order: the defaults (``rules.DEFAULT_EXCLUDES``),
``.lwignore`` and the stage's ``exclude``, with gitignore semantics (the last matching
rule wins, an ignored directory is not entered). Secrets are checked separately and
only an explicit ``include`` lets one through, so that no negation in an exclude list
can ship a key by accident.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from lw.core.errors import PackagingError
from lw.core.packaging.gitignore import GitIgnore
from lw.core.packaging.rules import DEFAULT_EXCLUDES, SECRET_PATTERNS

IGNORE_FILE = ".lwignore"


@dataclass
class SourceSelection:
    """The project's files to ship (relative POSIX path -> absolute path)."""

    files: dict[str, Path] = field(default_factory=dict)
    skipped_secrets: list[str] = field(default_factory=list)


def read_ignore_file(project_dir: Path) -> list[str]:
    path = project_dir / IGNORE_FILE
    if not path.is_file():
        return []
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PackagingError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc


def _relative_if_inside(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def collect_sources(
    project_dir: Path,
    *,
    exclude: Sequence[str] = (),
    include: Sequence[str] = (),
    skip_paths: Sequence[Path] = (),
) -> SourceSelection:
    """Walk ``project_dir`` and select the files to package.

    ``skip_paths`` are absolute paths never to enter (lw's work and cache folders
    when they live inside the project, the config file).
    """
    root = project_dir.resolve()
    excluder = GitIgnore(DEFAULT_EXCLUDES)
    excluder.extend(read_ignore_file(root))
    excluder.extend(exclude)
    secrets = GitIgnore(SECRET_PATTERNS)
    includer = GitIgnore(include)
    skipped = {rel for rel in (_relative_if_inside(p, root) for p in skip_paths) if rel}

    selection = SourceSelection()
    visited: set[str] = set()

    def walk(directory: Path, rel_dir: str, secret_dir: str | None) -> None:
        real = os.path.realpath(directory)
        if real in visited:  # a symlink loop
            return
        visited.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise PackagingError(f"{directory}: cannot be listed ({exc.strerror})") from exc
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            if rel in skipped:
                continue
            is_dir = entry.is_dir()
            if excluder.match_here(rel, is_dir):
                continue
            if is_dir:
                if (Path(entry.path) / "pyvenv.cfg").exists():
                    continue  # a virtualenv, whatever its name
                inner_secret = secret_dir
                if inner_secret is None and secrets.match_here(rel, True) and not includer.matches(rel, True):
                    inner_secret = rel + "/"
                walk(Path(entry.path), rel + "/", inner_secret)
                continue
            if not entry.is_file():
                continue  # sockets, broken links
            if secret_dir is not None and not includer.matches(rel):
                if secret_dir not in selection.skipped_secrets:
                    selection.skipped_secrets.append(secret_dir)
                continue
            if secrets.match_here(rel, False) and not includer.matches(rel):
                selection.skipped_secrets.append(rel)
                continue
            selection.files[rel] = Path(entry.path)

    walk(root, "", None)
    return selection
