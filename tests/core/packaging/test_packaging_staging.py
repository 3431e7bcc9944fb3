"""Syncing the staging folder in place."""

from __future__ import annotations

import os
from pathlib import Path

from lw.core.packaging.staging import sync


def source(folder: Path, rel: str, content: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_sync_copies_only_what_changed_and_removes_the_rest(tmp_path: Path) -> None:
    src, root = tmp_path / "src", tmp_path / "root"
    wanted = {"a.py": source(src, "a.py", "1"), "pkg/b.py": source(src, "pkg/b.py", "2")}
    assert sorted(sync(root, wanted)) == ["a.py", "pkg/b.py"]
    assert sync(root, wanted) == []
    (src / "a.py").write_text("changed")
    os.utime(src / "a.py", ns=(1, 1))
    assert sync(root, {"a.py": src / "a.py"}) == ["a.py"]
    assert (root / "a.py").read_text() == "changed"
    assert not (root / "pkg").exists()  # emptied folders go too


def test_kept_paths_survive_and_a_folder_can_become_a_file(tmp_path: Path) -> None:
    src, root = tmp_path / "src", tmp_path / "root"
    source(root, "__pycache__/a.cpython-311.pyc", "pyc")
    source(root, "thing/inner.py", "x")
    wanted = {"thing": source(src, "thing", "now a file")}
    sync(root, wanted, keep={"__pycache__/a.cpython-311.pyc"})
    assert (root / "thing").read_text() == "now a file"
    assert (root / "__pycache__" / "a.cpython-311.pyc").exists()


def test_linked_files_share_the_cached_inode(tmp_path: Path) -> None:
    src, root = tmp_path / "src", tmp_path / "root"
    wanted = {"dep.py": source(src, "dep.py", "dep")}
    sync(root, wanted, linked={"dep.py"})
    assert (root / "dep.py").stat().st_ino == (src / "dep.py").stat().st_ino
