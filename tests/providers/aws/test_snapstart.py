"""SnapStart and provisioned concurrency: what the issue asks, checked end to end.

SnapStart only helps if the app is imported before the snapshot, i.e. during init:
the generated entry module must build the handler at import. Provisioned concurrency
is not implemented by moto (404), so its place in the plan is checked on the plan.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_helpers import deploy, make_app, make_artifact, make_context, plan_deploy

from lw.core.entry import SETTINGS_FILE, runtime_files
from lw.providers.aws.package import entry_module as aws_entry_module
from lw.core.errors import ConfigError

NAME = "demo-dev"

PROBE = """
import sys
sys.path.insert(0, %(root)r)
import lw_handler
print("imported" if "probe_app" in sys.modules else "not imported")
"""


def test_the_entry_module_imports_the_app_at_init_so_the_snapshot_holds_it(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    for name, data in [*runtime_files(), aws_entry_module()]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "probe_app.py").write_text("def app(environ, start_response):\n    return []\n")
    (root / SETTINGS_FILE).write_text(
        json.dumps({"project_name": "demo", "stage": "dev", "app_function": "probe_app.app", "events": []})
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE % {"root": str(root)}],
        check=False,
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "imported"


def test_snap_start_is_requested_on_published_versions(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto accepts ``SnapStart`` but does not store it (it reads back ``None``), so the
    request itself is checked here and idempotence against AWS's answer below."""
    from botocore.client import BaseClient

    sent: dict[str, dict] = {}
    original = BaseClient._make_api_call

    def recording(client, operation, params):
        sent.setdefault(operation, params)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    ctx = make_context(make_app(tmp_path, runtime="python3.12", snap_start=True, apigateway=False))
    deploy(ctx, make_artifact(tmp_path / "a"))
    assert sent["CreateFunction"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert sent["CreateFunction"]["Publish"] is True  # the snapshot is taken when a version is published


def test_snap_start_as_aws_reports_it_is_no_change(tmp_path: Path) -> None:
    from lw.providers.aws import function

    ctx = make_context(make_app(tmp_path, runtime="python3.12", snap_start=True))
    wanted = function.desired_configuration(ctx, "arn:aws:iam::1:role/r", "lw_handler.handler")
    live = {
        **wanted,
        "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"},
        "Layers": [],
        "Environment": {"Variables": {}},
    }
    assert function.configuration_diff(live, wanted) == {}
    off = {**live, "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"}}
    assert function.configuration_diff(off, wanted) == {"SnapStart": {"ApplyOn": "PublishedVersions"}}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"runtime": "python3.11"}, "needs runtime python3.12 or newer"),
        ({"runtime": "python3.12", "provisioned_concurrency": 2}, "cannot be used together"),
        ({"runtime": "python3.12", "ephemeral_storage": {"Size": 2048}}, "at most 512 MB"),
    ],
)
def test_what_lambda_refuses_with_snap_start_is_refused_before_any_write(
    aws_env: str, tmp_path: Path, call_counter, settings, message
) -> None:
    ctx = make_context(make_app(tmp_path, snap_start=True, apigateway=False, **settings))
    with pytest.raises(ConfigError, match=message):
        plan_deploy(ctx, make_artifact(tmp_path / "a"))
    assert call_counter.mutating == []


def test_provisioned_concurrency_is_set_on_the_alias_after_it_moves(aws_env: str, tmp_path: Path) -> None:
    """moto has no provisioned-concurrency API (its read 404s, which reads as 'none
    set'): the plan is checked, not applied."""
    deploy(make_context(make_app(tmp_path, apigateway=False)), make_artifact(tmp_path / "a"))
    ctx = make_context(make_app(tmp_path, apigateway=False, provisioned_concurrency=3))
    plan = plan_deploy(ctx, make_artifact(tmp_path / "b", "print('v2')\n"))
    steps = [c.step for c in plan.mutating]
    assert steps.index("move alias") < steps.index("set provisioned concurrency")
    change = next(c for c in plan.mutating if c.step == "set provisioned concurrency")
    assert change.phase == "release" and change.resource == f"Lambda alias {NAME}:live"
    assert "provisioned concurrency -> 3" in change.reason
