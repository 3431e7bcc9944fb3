"""The invoke gate and exit status through ``--provider local``: the real CLI, a real
deployed package, a real worker process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

APP = """
import os

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

def add(payload, context):
    return payload["a"] + payload["b"]
"""

LW_YML = """
dev:
  project_name: gatelocal
  app_function: app.app
  timeout_seconds: 5
  keep_warm: false
"""


def test_refused_and_failed_invocations_exit_1_with_the_error(tmp_path: Path, deployment_of: Any) -> None:
    project = tmp_path / "gatelocal"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "requirements.txt").write_text("")
    (project / "lw.yml").write_text(LW_YML)
    deployment = deployment_of(project)
    deployed = deployment.deploy()
    assert deployed.returncode == 0, deployed.stderr

    ok = deployment.lw("invoke", "app.add", '{"a": 2, "b": 3}', "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["result"]["result"] == 5

    marker = tmp_path / "pwned"
    payload = json.dumps(f"__import__('os').system('touch {marker}')")
    for dotted in ("lw.runtime.commands._raw", "os.system", "app:os.system", "app.__dict__.__setitem__"):
        attack = deployment.lw("invoke", dotted, payload, "--json")
        assert attack.returncode == 1, (dotted, attack.stdout, attack.stderr)
        error = json.loads(attack.stdout)["error"]
        assert error and error.startswith("PermissionError:") and "allow_raw_invoke" in error
    assert not marker.exists()

    missing = deployment.lw("invoke", "app.no_such_function")
    assert missing.returncode == 1 and "no attribute 'no_such_function'" in missing.stderr
    crashed = deployment.lw("invoke", "app.add", '{"a": 1}', "--json")
    assert crashed.returncode == 1 and json.loads(crashed.stdout)["error"] == "KeyError: 'b'"
    manage = deployment.lw("manage", "shell", "-c", "print(1)", "--json")
    assert manage.returncode == 1 and "allow_raw_invoke" in json.loads(manage.stdout)["error"]
