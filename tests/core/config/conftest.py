"""Fixtures of the configuration tests: a project folder and a config writer."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder that is also the current folder, as when a user runs lw."""
    folder = tmp_path / "My_Project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def write(project: Path) -> Callable[..., Path]:
    def write_file(text: str, name: str = "lw.yml") -> Path:
        path = project / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file
