"""``lw manage`` on AWS: moto holds the deployment, lw's local runtime runs the deployed
code for ``Invoke``; a Flask CLI command and a Django command print plain output, and
``--json`` keeps the document (issue 17, item 3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_helpers import lw_run
from lambda_runner import lambda_runs_code  # noqa: F401 - fixture

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from manage_projects import CASES  # noqa: E402


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lw-cache")


@pytest.mark.parametrize(("make", "command", "expected"), CASES)
def test_manage_prints_the_commands_output(
    tmp_path: Path,
    lambda_runs_code,
    wheel_cache: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    make,
    command,
    expected,
) -> None:
    project = make(tmp_path / "project", "")
    monkeypatch.setenv("LW_CACHE_DIR", str(wheel_cache))
    monkeypatch.setenv("CI", "1")
    deployed = lw_run(project, "deploy")
    assert deployed.exit_code == 0, deployed.stderr

    plain = lw_run(project, "manage", *command)
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == expected

    document = lw_run(project, "manage", *command, "--json")
    assert document.exit_code == 0, document.stderr
    assert json.loads(document.stdout)["result"]["output"] == expected

    failed = lw_run(project, "manage", "no-such-command")
    assert failed.exit_code == 1
