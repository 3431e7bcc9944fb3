"""A provider's declared package target (issue 18, item 4): platform tags or pure
Python only, the Python version, the dependency folder inside the archive, whether lw's
runtime ships; the built-ins' default target keeps their packages as they were."""

from __future__ import annotations

import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from packaging_helpers import make_app, write_project

from lw.core.artifact import Build, Target
from lw.core.context import Context, Reporter
from lw.core.errors import PackagingError
from lw.core.packaging import build_neutral
from lw.core.packaging.pip import wheel_fits
from lw.core.workflow import package_target
from lw.plugin import PackageTarget, ProviderInfo, entry_file, package_files, write_zip

LOCAL = f"{sys.version_info.major}.{sys.version_info.minor}"


def _names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_default_target_keeps_lambdas_tags_and_providers_can_replace_them() -> None:
    assert Target(python_version="3.11").platforms == ("manylinux2014_x86_64", "manylinux_2_17_x86_64")
    assert Target(platform_tags=("musllinux_1_2_x86_64",)).platforms == ("musllinux_1_2_x86_64",)
    pure = Target(pure_python=True, platform_tags=("ignored",))
    assert pure.platforms == ("any",) and pure.platform_label == "pure Python"


def test_package_target_comes_from_the_provider(tmp_path: Path) -> None:
    app = make_app(write_project(tmp_path, "", {"app.py": ""}))
    builtin = package_target(app, ProviderInfo("aws", "", provided_packages=("boto3",)))
    assert builtin == Target(
        python_version=app.python_version, architecture=app.architecture, exclude_packages=("boto3",)
    )
    declared = PackageTarget(python_version="3.12", dependency_folder=".python_packages/lib/site-packages")
    target = package_target(app, ProviderInfo("azure", "", package_target=declared))
    assert target.python_version == "3.12" and target.dependency_folder == ".python_packages/lib/site-packages"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("archive_format", "tar.gz", "only 'zip'"),
        ("dependency_folder", "/abs", "relative"),
        ("dependency_folder", "a/../b", "relative"),
    ],
)
def test_package_target_refuses_what_the_engine_cannot_do(field: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PackageTarget(**{field: value})  # type: ignore[arg-type]


def _fake_build(root: Path, folder: str) -> Build:
    (root / "dep").mkdir(parents=True)
    (root / "dep" / "__init__.py").write_text("X = 1\n")
    (root / "app.py").write_text("app = None\n")
    return Build(
        root=root,
        app_files=1,
        dependency_files=1,
        dependency_paths=frozenset({"dep/__init__.py"}),
        dependency_folder=folder,
    )


def test_dependencies_go_to_the_declared_folder_and_the_app_stays_at_the_root(tmp_path: Path) -> None:
    build = _fake_build(tmp_path / "b", ".python_packages/lib/site-packages")
    artifact = write_zip(build, [("function_app.py", b"")], tmp_path / "o.zip", entry_point="function_app.py")
    assert _names(artifact.path) == {"app.py", "function_app.py", ".python_packages/lib/site-packages/dep/__init__.py"}
    assert artifact.entry_point == artifact.handler == "function_app.py"


def test_handler_keyword_still_works_and_warns(tmp_path: Path) -> None:
    build = _fake_build(tmp_path / "b", "")
    new = write_zip(build, [], tmp_path / "new.zip", entry_point="h.handler")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = write_zip(build, [], tmp_path / "old.zip", handler="h.handler")
    assert old.sha256 == new.sha256 and old.entry_point == "h.handler"
    assert [w.category for w in caught] == [DeprecationWarning] and "entry_point" in str(caught[0].message)


def test_runtime_ships_unless_the_target_says_not(tmp_path: Path) -> None:
    ctx = Context(app=make_app(write_project(tmp_path, "", {"app.py": ""})))
    entry = entry_file("main.py", "print('hi')\n")
    shipped = {name for name, _ in package_files(ctx, entry)}
    assert "lw/runtime/api.py" in shipped and "main.py" in shipped
    bare = Context(app=ctx.app, options={"package_target": Target(ships_runtime=False)})
    assert {name for name, _ in package_files(bare, entry)} == {"main.py", "lw_settings.json"}


def test_own_entry_module_with_a_syntax_error_fails_at_package_time() -> None:
    with pytest.raises(PackagingError, match=r"entry module function_app.py line 1: "):
        entry_file("function_app.py", "def broken(:\n")
    with pytest.raises(PackagingError, match="relative path ending in .py"):
        entry_file("../x.py", "")


def test_pure_python_target_installs_pure_wheels_into_its_folder_and_refuses_compiled_ones(
    tmp_path: Path, wheel_cache: Path
) -> None:
    target = Target(python_version=LOCAL, pure_python=True, dependency_folder="site-packages")
    project = write_project(tmp_path / "pure", "six\n", {"app.py": "import six\n"})
    build = build_neutral(
        make_app(project), target, cache_dir=wheel_cache, work_dir=project / ".lw", reporter=Reporter(json_mode=True)
    )
    names = _names(write_zip(build, [], tmp_path / "pure.zip").path)
    assert "site-packages/six.py" in names and "app.py" in names and "six.py" not in names

    compiled = "MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert not wheel_fits(compiled, Target(python_version="3.11", pure_python=True))
    assert wheel_fits(compiled, Target(python_version="3.11"))
    assert wheel_fits("six-1.16.0-py2.py3-none-any.whl", Target(python_version="3.11", pure_python=True))
