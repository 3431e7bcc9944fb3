"""Reading the project's dependencies and fingerprinting them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lw.core.errors import PackagingError
from lw.core.packaging.requirements import normalize_name, read_requirements


def test_no_dependency_file_means_no_dependencies(tmp_path: Path) -> None:
    reqs = read_requirements(tmp_path)
    assert reqs.source is None and reqs.empty


def test_requirements_txt_with_nested_files_comments_and_options(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("Flask>=3.0  # web\nitsdangerous\n")
    (tmp_path / "constraints.txt").write_text("markupsafe<4\n")
    (tmp_path / "requirements.txt").write_text(
        "# deps\n-r base.txt\n-c constraints.txt\n--extra-index-url https://example.invalid/simple\n"
        "Python_DateUtil==2.9 \\\n  ; python_version >= '3'\n-e .\n.\n"
    )
    reqs = read_requirements(tmp_path)
    assert reqs.source == "requirements.txt"
    assert "Flask>=3.0" in reqs.lines and "itsdangerous" in reqs.lines
    assert f"-c {(tmp_path / 'constraints.txt').resolve()}" in reqs.lines
    assert "--extra-index-url https://example.invalid/simple" in reqs.lines
    assert reqs.names == ["flask", "itsdangerous", "python-dateutil"]
    assert not reqs.direct
    assert len([n for n in reqs.notes if "the app itself" in n]) == 2


def test_direct_references_are_separated_and_fingerprinted(tmp_path: Path) -> None:
    local = tmp_path / "vendor" / "mylib"
    local.mkdir(parents=True)
    (local / "setup.py").write_text("# v1\n")
    (tmp_path / "requirements.txt").write_text("./vendor/mylib\nsix\npkg @ https://example.invalid/pkg.whl\n")
    first = read_requirements(tmp_path)
    assert first.direct == [str(local.resolve()), "pkg @ https://example.invalid/pkg.whl"]
    assert first.lines == ["six"]
    (local / "setup.py").write_text("# version two\n")
    assert read_requirements(tmp_path).fingerprint != first.fingerprint


def test_fingerprint_follows_content(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("six\n")
    first = read_requirements(tmp_path).fingerprint
    assert read_requirements(tmp_path).fingerprint == first
    (tmp_path / "requirements.txt").write_text("six==1.17.0\n")
    assert read_requirements(tmp_path).fingerprint != first


def test_pyproject_dependencies_are_used_without_installing_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "myapp"\ndependencies = ["flask>=3", "six"]\n')
    reqs = read_requirements(tmp_path)
    assert reqs.source == "pyproject.toml"
    assert reqs.lines == ["flask>=3", "six"] and reqs.names == ["flask", "six"]


def test_requirements_txt_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["flask"]\n')
    (tmp_path / "requirements.txt").write_text("six\n")
    assert read_requirements(tmp_path).lines == ["six"]


def test_poetry_project_gets_a_note(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\nflask = "^3"\n')
    reqs = read_requirements(tmp_path)
    assert reqs.empty and any("poetry" in n for n in reqs.notes)


def test_invalid_pyproject_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    with pytest.raises(PackagingError, match="pyproject.toml"):
        read_requirements(tmp_path)


def test_missing_nested_requirements_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-r missing.txt\n")
    with pytest.raises(PackagingError, match="missing.txt"):
        read_requirements(tmp_path)


def test_normalize_name() -> None:
    assert normalize_name("Python_DateUtil") == normalize_name("python.dateutil") == "python-dateutil"
