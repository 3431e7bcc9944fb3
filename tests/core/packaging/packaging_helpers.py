"""Helpers for the packaging tests: throwaway projects and sdists built offline."""

from __future__ import annotations

import tarfile
import textwrap
from pathlib import Path

from lw.core.model import AppModel


def make_app(project_dir: Path, stage: str = "dev", provider: str = "aws") -> AppModel:
    return AppModel(
        project_name="demo",
        stage=stage,
        provider=provider,
        project_dir=project_dir,
        config_file=project_dir / "lw.yml",
        app_function="app.app",
    )


def write_project(root: Path, requirements: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "requirements.txt").write_text(requirements)
    (root / "lw.yml").write_text("dev:\n  app_function: app.app\n")
    for rel, content in (files or {"app.py": "VALUE = 'original'\n"}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def make_sdist(folder: Path, name: str, *, c_extension: bool) -> Path:
    """A minimal sdist (setup.py-based) of a one-module distribution, built offline."""
    module = name.replace("-", "_")
    source = folder / f"{name}-1.0"
    source.mkdir(parents=True)
    ext = f'ext_modules=[Extension("{module}_c", ["{module}_c.c"])],' if c_extension else ""
    (source / "setup.py").write_text(
        textwrap.dedent(f"""\
        from setuptools import Extension, setup
        setup(name="{name}", version="1.0", py_modules=["{module}"], {ext})
        """)
    )
    (source / f"{module}.py").write_text("ANSWER = 42\n")
    if c_extension:
        (source / f"{module}_c.c").write_text("int lw_test_symbol;\n")
    (source / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    archive = folder / f"{name}-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname=source.name)
    return archive
