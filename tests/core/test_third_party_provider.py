"""A third-party provider, pip-installed, deploys through ``--provider`` with no change to lw."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PLUGIN_SRC = Path(__file__).resolve().parents[1] / "plugins" / "lw-dirdeploy"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the example plugin into its own folder (the venv stays untouched)."""
    target = tmp_path_factory.mktemp("site")
    build_dir = tmp_path_factory.mktemp("src") / "lw-dirdeploy"
    subprocess.run(["cp", "-r", str(PLUGIN_SRC), str(build_dir)], check=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(build_dir)],
        check=True,
    )
    return target


def _lw(project: Path, plugin_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(plugin_path), "LW_CACHE_DIR": str(project.parent / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "lw", *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text(
        "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'hi']\n"
    )
    releases = tmp_path / "releases"
    (root / "lw.yml").write_text(
        textwrap.dedent(
            f"""\
            dev:
              project_name: demo
              app_function: app.app
              keep_warm: false
              dirdeploy:
                root: {releases}
              events:
              - function: app.tick
                expression: rate(1 hour)
            """
        )
    )
    return root


def test_installed_plugin_is_listed(plugin_path: Path, project: Path) -> None:
    result = _lw(project, plugin_path, "providers", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["dirdeploy"]["distribution"] == "lw-dirdeploy"
    assert rows["dirdeploy"]["version"] == "1.0.0"
    assert {"aws", "openwhisk", "local"} <= set(rows)


def test_deploy_through_the_plugin_does_the_work(plugin_path: Path, project: Path) -> None:
    dry = _lw(project, plugin_path, "deploy", "--provider", "dirdeploy", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "create" in dry.stdout
    stage_dir = project.parent / "releases" / "demo-dev"
    assert not stage_dir.exists(), "the dry run wrote something"

    first = _lw(project, plugin_path, "deploy", "--provider", "dirdeploy", "--json")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((stage_dir / "current.json").read_text())
    release = stage_dir / "releases" / f"{manifest['sha256']}.zip"
    assert release.is_file()
    assert len(manifest["events"]) == 1
    assert json.loads(first.stdout)["urls"] == [(stage_dir / "current.json").as_uri()]

    again = _lw(project, plugin_path, "deploy", "--provider", "dirdeploy")
    assert again.returncode == 0, again.stderr
    assert "no changes" in again.stderr

    status = _lw(project, plugin_path, "status", "--provider", "dirdeploy", "--json")
    assert json.loads(status.stdout)["sha256"] == manifest["sha256"]

    removed = _lw(project, plugin_path, "undeploy", "--provider", "dirdeploy", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert not stage_dir.exists()


def test_unsupported_lifecycle_command_exits_2(plugin_path: Path, project: Path) -> None:
    result = _lw(project, plugin_path, "rollback", "--provider", "dirdeploy")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: provider 'dirdeploy' does not support rollback"


def test_unknown_provider_exits_2_naming_installed_ones(plugin_path: Path, project: Path) -> None:
    result = _lw(project, plugin_path, "deploy", "--provider", "gcp")
    assert result.returncode == 2
    assert "unknown provider 'gcp'; installed providers: aws, dirdeploy, local, openwhisk" in result.stderr
    assert "Traceback" not in result.stderr
