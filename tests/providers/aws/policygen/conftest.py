"""Sample apps for the policy generator, written into a temporary project folder."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest

from lw.providers.aws.policygen import Analysis, analyse


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write ``{relative path: source}`` into a fresh project and return its folder."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "project"
        for rel, source in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source).lstrip("\n"))
        root.mkdir(exist_ok=True)
        return root

    return write


@pytest.fixture
def scan(project: Callable[[dict[str, str]], Path]) -> Callable[..., Analysis]:
    """Analyse a one-file (``app.py``) or multi-file sample app."""

    def run(source: str | dict[str, str], **kwargs: Any) -> Analysis:
        files = {"app.py": source} if isinstance(source, str) else source
        return analyse(project(files), **kwargs)

    return run
