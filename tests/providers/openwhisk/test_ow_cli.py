"""The whole command line against the fake controller: lw.yml in, OpenWhisk out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.cli import main

LW_YML = """\
dev:
  provider: openwhisk
  project_name: shop
  app_function: wsgi_app.app
  keep_warm: false
  memory_size: 256
  environment_variables:
    GREETING: hello
  events:
    - function: wsgi_app.on_event
      expression: rate(5 minutes)
    - function: wsgi_app.on_event
      event_source:
        arn: arn:aws:s3:::photos
        events: ["s3:ObjectCreated:*"]
      providers: [aws]
  openwhisk:
    apihost: ${env:OW_HOST}
    auth: ${env:OW_AUTH}
    keep_releases: 2
    insecure: false
"""


@pytest.fixture
def cli_project(project: Path, fake: FakeOpenWhisk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    (project / "lw.yml").write_text(LW_YML)
    monkeypatch.chdir(project)
    monkeypatch.setenv("OW_HOST", fake.url)
    monkeypatch.setenv("OW_AUTH", GUEST_AUTH)
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    return project


def lw(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_deploy_redeploy_status_invoke_logs_rollback_undeploy(cli_project: Path, fake: FakeOpenWhisk) -> None:
    code, out = lw("deploy", "--dry-run")
    assert code == 0, out
    assert "create package shop-dev" in out and fake.writes() == []

    code, out = lw("deploy")
    assert code == 0, out
    assert f"{fake.url}/api/v1/web/guest/shop-dev/app/" in out
    assert len(fake.rules) == 1 and len(fake.alarm_registrations) == 1

    fake.reset_log()
    code, out = lw("deploy")
    assert code == 0 and "no changes" in out, out
    assert f"{fake.url}/api/v1/web/guest/shop-dev/app/" in out
    assert fake.writes() == []

    code, out = lw("invoke", "wsgi_app.echo", '{"x": 1}')
    assert code == 0, out
    assert "echo" in out

    code, out = lw("--json", "status")
    assert code == 0, out
    status = json.loads(out)
    assert status["deployed"] is True and status["package"] == "shop-dev"
    assert status["rules"][0]["status"] == "active"

    (trigger,) = fake.triggers
    assert fake.fire(trigger, {})[0] == 202
    code, out = lw("logs", "--since", "1h")
    assert code == 0 and "event received" in out, out
    assert all(line.startswith("events ") for line in out.splitlines())

    (cli_project / "extra.py").write_text("X = 1\n")
    assert lw("deploy")[0] == 0
    code, out = lw("rollback")
    assert code == 0 and "roll back" in out, out

    code, out = lw("undeploy", "-y")
    assert code == 0, out
    assert fake.packages == {} and fake.triggers == {} and fake.rules == {} and fake.alarm_registrations == {}
    code, out = lw("undeploy", "-y")
    assert code == 0 and "nothing deployed" in out


def test_wrong_key_is_one_clear_line(cli_project: Path, fake: FakeOpenWhisk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_AUTH", "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:wrong")
    result = CliRunner().invoke(main, ["deploy"])
    assert result.exit_code == 1
    assert (
        result.output
        == f"error: authentication failed for namespace _ at {fake.url} (check the key from lw.yml (openwhisk.auth))\n"
    )
    assert "Traceback" not in result.output


def test_unreachable_host_as_a_real_subprocess(cli_project: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "OW_HOST": f"http://127.0.0.1:{port}"}
    proc = subprocess.run(
        [sys.executable, "-m", "lw", "status"], cwd=cli_project, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"cannot reach OpenWhisk at http://127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_dry_run_as_a_real_subprocess_writes_nothing(cli_project: Path, fake: FakeOpenWhisk) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lw", "deploy", "--dry-run"],
        cwd=cli_project,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "create action shop-dev/app" in proc.stdout
    assert fake.writes() == []
