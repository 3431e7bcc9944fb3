"""Global stages (``regions: [...]``) through the real CLI against moto server.

moto serves every region from one server with separate state per region, so these
tests check what AWS would hold: one function, alias, API and schedule per region,
one global IAM role, zero writes on a redeploy, and a failed region reported on its
own line while the others deploy.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import lw_json, lw_run

from lw.core.plan import Change
from lw.providers.aws import regions

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
NAME = "globe-dev"

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello from every region"]
"""


def _write_project(root: Path, regions_list: list[str], extra: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP)
    listed = ", ".join(regions_list)
    (root / "lw.yml").write_text(
        f"dev:\n  project_name: globe\n  app_function: app.app\n  runtime: python3.11\n  regions: [{listed}]\n{extra}"
    )
    return root


@pytest.fixture
def project(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CI", "1")
    return _write_project(tmp_path / "globe", REGIONS)


def _functions(region: str) -> list[str]:
    return [f["FunctionName"] for f in boto3.client("lambda", region_name=region).list_functions()["Functions"]]


def _regional_leftovers(region: str) -> list[str]:
    found = [f"function {n}" for n in _functions(region) if n.startswith(NAME)]
    found += [f"rest api {a['name']}" for a in boto3.client("apigateway", region_name=region).get_rest_apis()["items"]]
    found += [
        f"rule {r['Name']}"
        for r in boto3.client("events", region_name=region).list_rules()["Rules"]
        if NAME in r["Name"]
    ]
    found += [f"layer {x['LayerName']}" for x in boto3.client("lambda", region_name=region).list_layers()["Layers"]]
    return found


def _roles() -> list[str]:
    return [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(NAME)]


class RegionFaults:
    """Fail one operation in one region only (the shared ``fault`` fixture cannot
    tell regions apart)."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, str, str]] = []


@pytest.fixture
def region_fault(monkeypatch: pytest.MonkeyPatch) -> RegionFaults:
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    faults = RegionFaults()
    original = BaseClient._make_api_call

    def failing(self: Any, operation: str, params: dict[str, Any]) -> Any:
        key = (self.meta.service_model.service_name, operation, self.meta.region_name)
        if key in faults.rules:
            raise ClientError(
                {
                    "Error": {"Code": "ServiceException", "Message": f"{key[2]} is down"},
                    "ResponseMetadata": {"HTTPStatusCode": 500},
                },
                operation,
            )
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", failing)
    return faults


def test_global_deploy_redeploy_code_change_status_and_undeploy(project: Path, call_counter) -> None:
    first = lw_run(project, "deploy")
    assert first.exit_code == 0, first.stderr
    for region in REGIONS:
        assert _functions(region) == [NAME]
        live = boto3.client("lambda", region_name=region).get_alias(FunctionName=NAME, Name="live")
        assert live["FunctionVersion"] == "1"
        assert len(boto3.client("events", region_name=region).list_rules()["Rules"]) == 1  # keep_warm
    assert _roles() == [NAME]
    assert sum(op == "CreateRole" for _, op in call_counter.calls) == 1
    urls = first.stdout.split()
    assert [u.split(".")[2] for u in urls] == REGIONS  # https://<id>.execute-api.<region>.amazonaws.com/dev/

    policy = boto3.client("iam").get_role_policy(RoleName=NAME, PolicyName="lw-execution")["PolicyDocument"]
    logs = next(s for s in policy["Statement"] if s.get("Sid") == "Logs")
    assert logs["Resource"][0] == f"arn:aws:logs:*:123456789012:log-group:/aws/lambda/{NAME}"

    call_counter.clear()
    again = lw_run(project, "deploy")
    assert again.exit_code == 0, again.stderr
    assert call_counter.mutating == []
    assert "no changes" in again.stderr and again.stdout == first.stdout
    assert sum(op == "GetCallerIdentity" for _, op in call_counter.calls) == 1  # asked once, shared by regions

    (project / "app.py").write_text(APP + "\n# a code-only change\n")
    call_counter.clear()
    changed = lw_run(project, "deploy")
    assert changed.exit_code == 0, changed.stderr
    assert sorted(call_counter.mutating) == sorted(
        [("lambda", "UpdateFunctionCode"), ("lambda", "PublishVersion"), ("lambda", "UpdateAlias")] * 3
    )

    status = lw_json(project, "status")
    assert status["deployed"] is True and status["deployed_regions"] == REGIONS
    assert [row["alias_version"] for row in status["regions"]] == ["2", "2", "2"]
    assert status["urls"] == urls

    rolled = lw_run(project, "rollback")
    assert rolled.exit_code == 0, rolled.stderr
    for region in REGIONS:
        assert (
            boto3.client("lambda", region_name=region).get_alias(FunctionName=NAME, Name="live")["FunctionVersion"]
            == "1"
        )

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert [x for region in REGIONS for x in _regional_leftovers(region)] == []
    assert _roles() == []
    assert lw_json(project, "status")["deployed"] is False


def test_dry_run_shows_every_region_and_writes_nothing(project: Path, call_counter) -> None:
    result = lw_run(project, "deploy", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert call_counter.mutating == []
    for region in REGIONS:
        assert f"create [{region}] Lambda function {NAME}" in result.stdout
    assert result.stdout.count(f"create IAM role {NAME}") == 1  # global: planned once, not per region
    assert all(_functions(region) == [] for region in REGIONS)


def test_a_failed_region_is_reported_and_never_blocks_the_others(project: Path, region_fault) -> None:
    region_fault.rules.append(("lambda", "CreateFunction", "eu-west-1"))
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1
    lines = failed.stderr.strip().splitlines()
    assert "Traceback" not in failed.stderr
    assert lines[-2].endswith("1 of 3 groups failed (succeeded: us-east-1, ap-southeast-2):")
    assert lines[-1] == (
        f"  eu-west-1: create function of Lambda function {NAME} failed: ServiceException: eu-west-1 is down"
    )
    assert _functions("us-east-1") == [NAME] and _functions("ap-southeast-2") == [NAME]
    assert _functions("eu-west-1") == []

    region_fault.rules.clear()
    retried = lw_run(project, "deploy")
    assert retried.exit_code == 0, retried.stderr
    assert all(_functions(region) == [NAME] for region in REGIONS)
    assert len(retried.stdout.split()) == 3


def test_a_region_that_cannot_be_read_still_lets_the_others_deploy(project: Path, region_fault) -> None:
    region_fault.rules.append(("lambda", "GetFunction", "ap-southeast-2"))
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1
    assert "ap-southeast-2: plan of region ap-southeast-2 failed: read Lambda function" in failed.stderr
    assert _functions("us-east-1") == [NAME] and _functions("eu-west-1") == [NAME]


def test_one_region_can_be_removed_alone_and_the_shared_role_stays(project: Path) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    removed = lw_run(project, "undeploy", "--yes", "--region", "eu-west-1")
    assert removed.exit_code == 0, removed.stderr
    assert _functions("eu-west-1") == [] and _functions("us-east-1") == [NAME]
    assert _roles() == [NAME]
    status = lw_json(project, "status")
    assert status["deployed_regions"] == ["us-east-1", "ap-southeast-2"]


def test_logs_span_every_region_in_time_order(project: Path) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    now = int(time.time() * 1000)
    for offset, region in enumerate(("eu-west-1", "us-east-1")):
        logs = boto3.client("logs", region_name=region)
        group = f"/aws/lambda/{NAME}"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": now - 3000 + offset * 1000, "message": f"hello {region}"}],
        )
    result = lw_run(project, "logs")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split(" ", 2)[2] for line in lines] == ["[eu-west-1] hello eu-west-1", "[us-east-1] hello us-east-1"]


def test_invalid_region_names_are_a_config_error(aws_env: str, tmp_path: Path) -> None:
    project = _write_project(tmp_path / "bad", ["us-east-1", "Europe"])
    result = lw_run(project, "deploy", "--dry-run")
    assert result.exit_code == 2
    assert "regions: not an AWS region name: Europe" in result.stderr


def test_planning_errors_become_failing_changes_of_their_region(tmp_path: Path) -> None:
    """The planner turns a region's LwError into one change that fails on apply."""
    from lw.core.errors import ProviderError

    error = ProviderError("read Lambda function x: access denied")
    change = regions._failed_planning("eu-west-1", error)
    assert isinstance(change, Change) and change.mutating and "access denied" in change.reason
    assert change.apply is not None
    with pytest.raises(ProviderError):
        change.apply({})
    assert json.dumps(change.to_json())


def test_large_packages_go_to_one_bucket_per_region(tmp_path: Path) -> None:
    """Lambda reads code only from a bucket in its own region."""
    from types import SimpleNamespace

    from aws_helpers import make_app

    from lw.providers.aws import names

    app = make_app(tmp_path, project="p" * 40, regions=REGIONS)
    buckets = {names.artifact_bucket(app, SimpleNamespace(region=r, account_id="123456789012")) for r in REGIONS}
    assert len(buckets) == 3 and all(len(b) <= 63 for b in buckets)
    assert all(b.endswith(r) for b, r in zip(sorted(buckets), sorted(REGIONS), strict=True))
    single = make_app(tmp_path)
    assert names.artifact_bucket(single, SimpleNamespace(region="eu-west-1", account_id="1")) == "demo-dev-lw-1"


def test_global_lifecycle_under_the_strict_layer(project: Path, strict_aws: Any, call_counter) -> None:
    """The same lifecycle against AWS's delays, states and quotas (tests/providers/aws/strict_aws/), three
    regions at once."""
    test_global_deploy_redeploy_code_change_status_and_undeploy(project, call_counter)
    assert strict_aws.errors(), "the strict layer refused nothing: it was not in the way"
