"""The example third-party plugin (tests/plugins/lw-dirdeploy) passes the provider
contract, imported as a plugin that is not pip-installed, through the public API only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from lw.testing import write_project
from lw.testing.contract import ProviderContract

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "lw-dirdeploy"))
import lw_dirdeploy  # noqa: E402


def _listing(folder: Path) -> list[tuple[str, int, int]]:
    """What is "deployed": every file under the releases folder, with size and mtime."""
    if not folder.exists():
        return []
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


class TestDirdeployContract(ProviderContract):
    provider = "dirdeploy"
    plugins = (lw_dirdeploy,)

    @pytest.fixture
    def contract_project(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
        return self.write_contract_project(tmp_path / "proj", f"  dirdeploy:\n    root: {tmp_path / 'releases'}\n")

    @pytest.fixture
    def remote_state(self, tmp_path: Path) -> Callable[[], Any]:
        return lambda: _listing(tmp_path / "releases")


def test_the_example_plugins_own_entry_module_serves_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The released package, run by its own entry module on lw.runtime.api: HTTP with
    repeated Set-Cookie, an event by binding, and ``lw invoke`` through the command gate."""
    import json
    import subprocess
    import zipfile

    from lw.testing import run_cli

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    app = (
        "def app(environ, start_response):\n"
        "    start_response('201 Created', [('Content-Type', 'text/plain'), ('Set-Cookie', 'a=1'), ('Set-Cookie', 'b=2')])\n"
        "    return [environ['PATH_INFO'].encode() + b'?' + environ['QUERY_STRING'].encode()]\n"
        "def tick(event, context):\n"
        "    return {'ticked': event}\n"
    )
    project = write_project(
        tmp_path / "proj",
        f"""\
        dev:
          app_function: app.app
          provider: dirdeploy
          dirdeploy:
            root: {tmp_path / "releases"}
          events:
          - name: hourly
            function: app.tick
            expression: rate(1 hour)
        """,
        app=app,
    )
    deployed = run_cli(project, "deploy", "--json", plugins=(lw_dirdeploy,))
    assert deployed.exit_code == 0, deployed.stderr
    release = next((tmp_path / "releases").rglob("releases/*.zip"))
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(release) as archive:
        names = set(archive.namelist())
        archive.extractall(unpacked)
    assert {"dirdeploy_entry.py", "lw/runtime/api.py", "lw_settings.json", "app.py"} <= names

    def run(message: dict) -> dict:
        ran = subprocess.run(
            [sys.executable, "-I", str(unpacked / "dirdeploy_entry.py")],
            input=json.dumps(message),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        return json.loads(ran.stdout.strip().splitlines()[-1])

    answer = run({"http": {"method": "GET", "path": "/shop", "query": "q=1"}})
    assert answer["status"] == 201 and answer["body"] == "/shop?q=1"
    assert [v for k, v in answer["headers"] if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert run({"binding": "hourly", "payload": {"n": 1}}) == {"result": {"ticked": {"n": 1}}}

    invoked = run_cli(project, "invoke", "app.tick", '{"n": 2}', "--json", plugins=(lw_dirdeploy,))
    assert invoked.exit_code == 0, invoked.stderr
    assert json.loads(invoked.stdout)["result"]["result"] == {"ticked": {"n": 2}}


def test_testing_helpers_load_a_stage_call_a_hook_and_capture_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lw.testing import call_hook, capture_plan, open_session

    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = write_project(
        tmp_path / "proj",
        f"dev:\n  app_function: app.app\n  provider: dirdeploy\n  dirdeploy:\n    root: {tmp_path / 'rel'}\n",
    )
    session = open_session(project, plugins=(lw_dirdeploy,), entry_points=False)
    assert session.ctx.app.name == "proj-dev" and session.ctx.provider == "dirdeploy"
    assert call_hook(session, "lw_status").deployed is False
    plan, artifact = capture_plan(session)
    assert artifact.entry_point == "dirdeploy_entry.py"
    assert [c.action for c in plan.mutating] == ["create", "create"]
    assert plan.known_outputs()["urls"][0].startswith("file://")
    assert not (tmp_path / "rel").exists()
