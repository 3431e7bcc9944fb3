"""Choosing which of the project's files go into the package.

One walk of the project applies, in order: the defaults (``rules.DEFAULT_EXCLUDES``),
``.lwignore`` and the stage's ``exclude``, with gitignore semantics (the last matching
rule wins, an ignored directory is not entered). Secrets are checked separately, by
name and by content (``content_scan``), and only an explicit ``include`` lets one
through, so that no negation in an exclude list can ship a key by accident.

A symbolic link is followed only when its target lies inside the project, once (a link
back to a folder being walked is a loop): a link to ``/etc/shadow`` or ``/`` would
otherwise ship the building machine's files.

The project's top-level ``.gitignore`` is honoured too: what the developer keeps out of
the repository (a dev ``db.sqlite3``, ``instance/config.py`` with its ``SECRET_KEY``)
is kept out of the package, and ``include`` brings a file back (a build output the app
needs, say). Those skips are counted, so the build can say what it left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from lw.core.errors import PackagingError
from lw.core.packaging.content_scan import secret_content
from lw.core.packaging.gitignore import GitIgnore
from lw.core.packaging.rules import DEFAULT_EXCLUDES, SECRET_PATTERNS

IGNORE_FILE = ".lwignore"
GIT_IGNORE_FILE = ".gitignore"


@dataclass
class SourceSelection:
    """The project's files to ship (relative POSIX path -> absolute path), and what was
    left out that the user must hear about."""

    files: dict[str, Path] = field(default_factory=dict)
    skipped_secrets: list[str] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)
    skipped_gitignored: list[str] = field(default_factory=list)  # folders end with "/"


def read_ignore_file(project_dir: Path, name: str = IGNORE_FILE) -> list[str]:
    path = project_dir / name
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
    gitignored = GitIgnore(read_ignore_file(root, GIT_IGNORE_FILE))
    skipped = {rel for rel in (_relative_if_inside(p, root) for p in skip_paths) if rel}

    selection = SourceSelection()
    root_text = str(root)

    def inside(real: str) -> str | None:
        """``real``'s path relative to the project, or None when it lies outside."""
        if real == root_text:
            return ""
        if real.startswith(root_text + os.sep):
            return Path(real).relative_to(root).as_posix()
        return None

    def is_secret(rel: str, is_dir: bool, target_rel: str | None) -> bool:
        """By its own name or, for a link inside the project, by its target's path."""
        named = secrets.match_here(rel, is_dir) or bool(target_rel) and secrets.matches(target_rel, is_dir)  # type: ignore[arg-type]
        return named and not includer.matches(rel, is_dir)

    def brought_back(rel: str, is_dir: bool) -> bool:
        """Whether ``include`` names this git-ignored path, or (a folder) something in it."""
        if includer.matches(rel, is_dir):
            return True
        return is_dir and any(str(p).lstrip("/").startswith(rel + "/") for p in include)

    def walk(
        directory: Path, rel_dir: str, secret_dir: str | None, ancestors: frozenset[str], ignored_dir: str | None = None
    ) -> None:
        real = os.path.realpath(directory)
        if real in ancestors:  # a link back to a folder being walked: a loop
            return
        ancestors = ancestors | {real}
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise PackagingError(f"{directory}: cannot be listed ({exc.strerror})") from exc
        for entry in entries:
            rel = f"{rel_dir}{entry.name}"
            if rel in skipped:
                continue
            target_rel: str | None = None
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                target_rel = inside(target)
                if target_rel is None:
                    outside_link(rel, entry.path, target)
                    continue
            is_dir = entry.is_dir()
            if excluder.match_here(rel, is_dir):
                continue
            inner_ignored = ignored_dir
            if inner_ignored is None and gitignored.match_here(rel, is_dir):
                if not brought_back(rel, is_dir):
                    selection.skipped_gitignored.append(rel + "/" if is_dir else rel)
                    continue
                inner_ignored = rel + "/" if is_dir else None
            if is_dir:
                if (Path(entry.path) / "pyvenv.cfg").exists():
                    continue  # a virtualenv, whatever its name
                inner_secret = secret_dir
                if inner_secret is None and is_secret(rel, True, target_rel):
                    inner_secret = rel + "/"
                walk(Path(entry.path), rel + "/", inner_secret, ancestors, inner_ignored)
                continue
            if not entry.is_file():
                continue  # sockets, broken links
            if inner_ignored is not None and not includer.matches(rel):
                continue  # in a git-ignored folder entered only for what include names
            if secret_dir is not None and not includer.matches(rel):
                if secret_dir not in selection.skipped_secrets:
                    selection.skipped_secrets.append(secret_dir)
                continue
            if is_secret(rel, False, target_rel):
                selection.skipped_secrets.append(rel)
                continue
            reason = secret_content(entry.path)
            if reason is not None and not includer.matches(rel):
                selection.skipped_secrets.append(f"{rel} ({reason})")
                continue
            selection.files[rel] = Path(entry.path)

    def outside_link(rel: str, path: str, target: str) -> None:
        """Never follow a link out of the project: its target could be any file of the
        building machine (``/etc/shadow``, ``~/.aws/credentials``) or ``/`` itself."""
        if includer.matches(rel, os.path.isdir(target)):
            raise PackagingError(
                f"{rel}: listed in include, but it is a symbolic link to {target}, outside the project; "
                "lw never packages files from outside the project (copy the file into it instead)"
            )
        selection.skipped_links.append(f"{rel} -> {os.readlink(path)}")

    walk(root, "", None, frozenset())
    return selection


def gitignored_note(paths: Sequence[str]) -> str:
    """One line for the build output: how many git-ignored paths stayed out, and which."""
    shown = ", ".join(paths[:5]) + (", ..." if len(paths) > 5 else "")
    noun = "path" if len(paths) == 1 else "paths"
    return f"not packaged: {len(paths)} git-ignored {noun} ({shown}); list one under include to ship it"
