"""The distributions pip installed into a ``--target`` folder.

Read from their ``*.dist-info`` (``METADATA`` for names and requirements, ``RECORD``
for the files each one owns) so that packages the provider's runtime already ships can
be removed whole, and sizes can be reported per distribution rather than per folder.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import Iterable

from lw.core.packaging.requirements import normalize_name

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass
class Distribution:
    name: str  # normalized
    display_name: str
    dist_info: Path
    files: list[str] = field(default_factory=list)  # paths relative to the target folder
    requires: list[str] = field(default_factory=list)  # normalized names, extras excluded


def _read_requires(metadata_text: str) -> tuple[str, list[str]]:
    headers = HeaderParser().parsestr(metadata_text)
    requires: list[str] = []
    for value in headers.get_all("Requires-Dist") or []:
        spec, _, marker = value.partition(";")
        if "extra" in marker:
            continue  # optional extras are not installed unless asked for
        match = _REQ_NAME.match(spec)
        if match:
            requires.append(normalize_name(match.group(1)))
    return str(headers.get("Name") or ""), requires


def _read_record(dist_info: Path, target: Path) -> list[str]:
    record = dist_info / "RECORD"
    files: list[str] = []
    if record.is_file():
        for row in csv.reader(io.StringIO(record.read_text(encoding="utf-8"))):
            if not row:
                continue
            rel = Path(row[0])
            if rel.is_absolute() or ".." in rel.parts:
                continue  # scripts pip put outside the target; nothing to ship
            files.append(rel.as_posix())
    else:  # no RECORD: take the folder named like the distribution
        files.extend(p.relative_to(target).as_posix() for p in dist_info.rglob("*") if p.is_file())
    return files


def installed(target: Path) -> dict[str, Distribution]:
    """Every distribution in ``target``, keyed by normalized name."""
    found: dict[str, Distribution] = {}
    for dist_info in sorted(target.glob("*.dist-info")):
        metadata = dist_info / "METADATA"
        if not metadata.is_file():
            continue
        display, requires = _read_requires(metadata.read_text(encoding="utf-8", errors="replace"))
        display = display or dist_info.name.split("-")[0]
        name = normalize_name(display)
        found[name] = Distribution(
            name=name,
            display_name=display,
            dist_info=dist_info,
            files=_read_record(dist_info, target),
            requires=requires,
        )
    return found


def removable(dists: dict[str, Distribution], provided: Iterable[str], roots: Iterable[str]) -> list[str]:
    """The provided distributions plus every dependency only they need.

    ``roots`` are the app's top-level requirements: they are kept unless provided,
    and so is everything they reach, as is anything no other distribution requires. Markers other than extras are treated as true,
    which can only keep more, never break the app.
    """
    provided_set = {normalize_name(p) for p in provided}
    required = {req for dist in dists.values() for req in dist.requires}
    # A distribution nothing requires was asked for directly (a direct reference whose
    # name the requirements did not spell out): it is a root too.
    top = {name for name in dists if name not in required}
    candidates = {normalize_name(x) for x in roots} | top
    keep_roots = [r for r in candidates if r not in provided_set and r in dists]
    needed: set[str] = set()
    stack = list(keep_roots)
    while stack:
        name = stack.pop()
        if name in needed or name in provided_set or name not in dists:
            continue
        needed.add(name)
        stack.extend(dists[name].requires)
    # Distributions neither needed by the app nor reachable from it are removed only
    # when a provided one pulled them in.
    pulled: set[str] = set()
    stack = [p for p in provided_set if p in dists]
    while stack:
        name = stack.pop()
        if name in pulled or name not in dists:
            continue
        pulled.add(name)
        stack.extend(dists[name].requires)
    return sorted((pulled | (provided_set & set(dists))) - needed)


def remove(target: Path, dist: Distribution) -> None:
    """Delete a distribution's files and the folders it leaves empty.

    Called before bytecode is compiled, so RECORD lists every file it owns."""
    parents: set[Path] = set()
    for rel in dist.files:
        path = target / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
            parents.add(path.parent)
    shutil.rmtree(dist.dist_info, ignore_errors=True)
    for folder in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        current = folder
        while current != target and current.is_dir() and not any(current.iterdir()):
            current.rmdir()
            current = current.parent


def top_level_owner(dists: dict[str, Distribution]) -> dict[str, str]:
    """Top-level entry (``markupsafe``, ``six.py``) -> distribution display name."""
    owners: dict[str, str] = {}
    for dist in dists.values():
        owners[dist.dist_info.name] = dist.display_name
        for rel in dist.files:
            owners.setdefault(rel.split("/", 1)[0], dist.display_name)
    return owners


def sizes_by_distribution(target: Path) -> list[tuple[str, int]]:
    """Bytes per distribution in ``target``, largest first (unowned entries by name)."""
    owners = top_level_owner(installed(target))
    totals: dict[str, int] = {}
    for entry in target.iterdir():
        owner = owners.get(entry.name, entry.name)
        if entry.is_dir():
            size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
        else:
            size = entry.stat().st_size
        totals[owner] = totals.get(owner, 0) + size
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
