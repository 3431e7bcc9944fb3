"""``lw manage`` on OpenWhisk: a Flask CLI command and a Django management command run
in the deployed action (the fake controller runs the uploaded zip), printed as plain
text; ``--json`` keeps the document (issue 17, item 3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from manage_projects import CASES  # noqa: E402

STAGE = f"""\
  provider: openwhisk
  keep_warm: false
  openwhisk:
    apihost: ${{env:OW_HOST}}
    auth: {GUEST_AUTH}
"""


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lw-cache")


@pytest.mark.parametrize(("make", "command", "expected"), CASES)
def test_manage_prints_the_commands_output(
    tmp_path: Path, fake: FakeOpenWhisk, wheel_cache: Path, monkeypatch: pytest.MonkeyPatch, make, command, expected
) -> None:
    project = make(tmp_path / "project", STAGE)
    monkeypatch.chdir(project)
    monkeypatch.setenv("OW_HOST", fake.url)
    monkeypatch.setenv("LW_CACHE_DIR", str(wheel_cache))
    deployed = CliRunner().invoke(main, ["deploy"], catch_exceptions=False)
    assert deployed.exit_code == 0, deployed.output

    plain = CliRunner().invoke(main, ["manage", *command], catch_exceptions=False)
    assert plain.exit_code == 0, plain.output
    assert plain.stdout == expected

    document = CliRunner().invoke(main, ["manage", *command, "--json"], catch_exceptions=False)
    assert document.exit_code == 0, document.output
    assert json.loads(document.stdout)["result"]["output"] == expected
