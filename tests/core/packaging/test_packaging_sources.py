"""Which project files are packaged: default excludes, user excludes, secrets."""

from __future__ import annotations

from pathlib import Path

from lw.core.packaging.sources import collect_sources


def make(root: Path, *paths: str) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {rel}\n")


def selected(root: Path, **kwargs: object) -> set[str]:
    return set(collect_sources(root, **kwargs).files)  # type: ignore[arg-type]


def test_default_excludes_drop_what_is_useless_at_run_time(tmp_path: Path) -> None:
    make(
        tmp_path,
        "app.py",
        "pkg/__init__.py",
        "pkg/views.py",
        "pkg/templates/index.html",
        ".git/config",
        ".hg/store",
        "__pycache__/app.cpython-311.pyc",
        "pkg/__pycache__/views.cpython-39.pyc",
        "tests/test_app.py",
        "test/helpers.py",
        "test_smoke.py",
        "pkg/views_test.py",
        "conftest.py",
        ".lw/build/x",
        "build/lib/app.py",
        "dist/app.whl",
        "app.egg-info/PKG-INFO",
        "node_modules/x/index.js",
        ".tox/py/x",
        ".mypy_cache/x",
        ".pytest_cache/x",
        "lw.yml",
        "zappa_settings.json",
        ".lwignore",
        ".venv/lib/site.py",
        "venv/bin/python",
    )
    assert selected(tmp_path) == {"app.py", "pkg/__init__.py", "pkg/views.py", "pkg/templates/index.html"}


def test_any_directory_holding_pyvenv_cfg_is_a_virtualenv(tmp_path: Path) -> None:
    make(tmp_path, "app.py", "myenv/pyvenv.cfg", "myenv/lib/python3.11/site-packages/flask/__init__.py")
    assert selected(tmp_path) == {"app.py"}


def test_anchored_defaults_keep_nested_packages_named_like_build_output(tmp_path: Path) -> None:
    make(tmp_path, "app/build/__init__.py", "app/dist/x.py", "app/tests/helpers.py", "build/out.o")
    assert selected(tmp_path) == {"app/build/__init__.py", "app/dist/x.py", "app/tests/helpers.py"}


def test_user_exclude_with_slash_only_removes_that_path(tmp_path: Path) -> None:
    make(tmp_path, "foo/bar.py", "other/foo/bar.py", "bar.py")
    assert selected(tmp_path, exclude=["foo/bar.py"]) == {"other/foo/bar.py", "bar.py"}


def test_user_exclude_without_slash_matches_at_any_depth(tmp_path: Path) -> None:
    make(tmp_path, "setup.py", "pkg/setup.py", "pkg/app.py")
    assert selected(tmp_path, exclude=["setup.py"]) == {"pkg/app.py"}


def test_lwignore_is_honored_and_user_rules_can_reinclude_defaults(tmp_path: Path) -> None:
    make(tmp_path, "app.py", "data/big.bin", "data/small.txt", "tests/fixture.json")
    (tmp_path / ".lwignore").write_text("data/*\n!data/small.txt\n")
    assert selected(tmp_path) == {"app.py", "data/small.txt"}
    assert selected(tmp_path, exclude=["!/tests/"]) == {"app.py", "data/small.txt", "tests/fixture.json"}


def test_secrets_are_skipped_and_reported(tmp_path: Path) -> None:
    make(
        tmp_path,
        "app.py",
        ".env",
        ".env.production",
        "certs/server.pem",
        "certs/server.key",
        "id_rsa",
        "id_ed25519.pub",
        ".aws/credentials",
        ".aws/config",
        ".wskprops",
        ".git-credentials",
        ".netrc",
        "conf/credentials.json",
        "service-account-prod.json",
        "keys/store.p12",
    )
    result = collect_sources(tmp_path)
    assert set(result.files) == {"app.py"}
    assert set(result.skipped_secrets) == {
        ".env",
        ".env.production",
        "certs/server.pem",
        "certs/server.key",
        "id_rsa",
        "id_ed25519.pub",
        ".aws/",
        ".wskprops",
        ".git-credentials",
        ".netrc",
        "conf/credentials.json",
        "service-account-prod.json",
        "keys/store.p12",
    }


def test_explicit_include_lets_a_secret_through(tmp_path: Path) -> None:
    make(tmp_path, "app.py", "certs/ca.pem", "certs/server.key", ".aws/config", ".aws/credentials")
    result = collect_sources(tmp_path, include=["certs/ca.pem", ".aws/config"])
    assert set(result.files) == {"app.py", "certs/ca.pem", ".aws/config"}
    assert set(result.skipped_secrets) == {"certs/server.key", ".aws/"}


def test_negated_exclude_cannot_ship_a_secret(tmp_path: Path) -> None:
    make(tmp_path, "app.py", ".env")
    result = collect_sources(tmp_path, exclude=["!.env"])
    assert set(result.files) == {"app.py"}
    assert result.skipped_secrets == [".env"]


def test_skip_paths_are_never_entered(tmp_path: Path) -> None:
    make(tmp_path, "app.py", "cache/wheels/x.whl", "config/stage.yml")
    result = collect_sources(tmp_path, skip_paths=[tmp_path / "cache", tmp_path / "config" / "stage.yml"])
    assert set(result.files) == {"app.py"}


def test_symlink_loops_are_walked_once(tmp_path: Path) -> None:
    make(tmp_path, "pkg/mod.py")
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg", target_is_directory=True)
    assert selected(tmp_path) == {"pkg/mod.py"}
