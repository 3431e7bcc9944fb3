"""Packaging follows the project's .gitignore by default; ``include`` brings a file back
(issue 17, item 5: flaskr's instance/config.py and a dev db.sqlite3 were shipped)."""

from __future__ import annotations

from pathlib import Path

from lw.core.packaging.sources import collect_sources, gitignored_note


def project(tmp_path: Path) -> Path:
    (tmp_path / ".gitignore").write_text("instance/\n*.sqlite3\n/local_settings.py\n!keep.sqlite3\n")
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("SECRET_KEY = 'dev-secret'\n")
    (tmp_path / "instance" / "schema.sql").write_text("create table t (x);\n")
    (tmp_path / "app.py").write_text("app = None\n")
    (tmp_path / "db.sqlite3").write_bytes(b"SQLite format 3\0")
    (tmp_path / "keep.sqlite3").write_bytes(b"SQLite format 3\0")
    (tmp_path / "local_settings.py").write_text("DEBUG = True\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "local_settings.py").write_text("# not anchored: shipped\n")
    return tmp_path


def test_git_ignored_files_are_left_out_and_counted(tmp_path: Path) -> None:
    selection = collect_sources(project(tmp_path))
    assert sorted(selection.files) == ["app.py", "keep.sqlite3", "pkg/local_settings.py"]
    assert sorted(selection.skipped_gitignored) == ["db.sqlite3", "instance/", "local_settings.py"]
    note = gitignored_note(selection.skipped_gitignored)
    assert note.startswith("not packaged: 3 git-ignored paths (") and "include" in note


def test_include_brings_back_a_file_inside_an_ignored_folder(tmp_path: Path) -> None:
    selection = collect_sources(project(tmp_path), include=["instance/schema.sql", "db.sqlite3"])
    assert "instance/schema.sql" in selection.files and "db.sqlite3" in selection.files
    assert "instance/config.py" not in selection.files


def test_include_of_a_whole_ignored_folder(tmp_path: Path) -> None:
    selection = collect_sources(project(tmp_path), include=["instance/"])
    assert {"instance/config.py", "instance/schema.sql"} <= set(selection.files)


def test_no_gitignore_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".gitignore").unlink()
    selection = collect_sources(root)
    assert "db.sqlite3" in selection.files and selection.skipped_gitignored == []
