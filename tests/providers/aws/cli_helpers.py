"""Running the real ``lw`` CLI in-process against moto, and finding leftovers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3
from click.testing import CliRunner, Result

import lw.cli

REPO = Path(__file__).resolve().parents[3]
FLASK_HELLO = REPO / "examples" / "flask-hello"


def copy_project(source: Path, dest: Path, *, keep_build_cache: bool = False) -> Path:
    """A checkout of ``source``; without its ``.lw/`` folder unless ``keep_build_cache``
    (which only saves packaging time: ``.lw/`` never holds deployment state)."""
    ignored = ("__pycache__",) if keep_build_cache else (".lw", "__pycache__")
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*ignored))
    return dest


def lw_run(project: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(
        lw.cli.main,
        [*args, "--config", str(project / "lw.yml"), "--provider", "aws"],
        env=env,
        catch_exceptions=False,
    )


def lw_json(project: Path, *args: str) -> Any:
    result = lw_run(project, *args, "--json")
    assert result.exit_code == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def leftovers(name: str, project: str, stage: str) -> list[str]:
    """Every resource, in every service lw touches, carrying lw's name or tags."""
    found: list[str] = []
    lam = boto3.client("lambda")
    found += [
        f"function {f['FunctionName']}" for f in lam.list_functions()["Functions"] if f["FunctionName"].startswith(name)
    ]
    found += [
        f"mapping {m['UUID']}"
        for m in lam.list_event_source_mappings()["EventSourceMappings"]
        if name in m.get("FunctionArn", "")
    ]
    iam = boto3.client("iam")
    found += [f"role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(name)]
    found += [
        f"rest api {a['name']}"
        for a in boto3.client("apigateway").get_rest_apis()["items"]
        if a["name"].startswith(name) or (a.get("tags") or {}).get("lw:project") == project
    ]
    found += [
        f"http api {a['Name']}"
        for a in boto3.client("apigatewayv2").get_apis()["Items"]
        if a["Name"].startswith(name) or (a.get("Tags") or {}).get("lw:project") == project
    ]
    events = boto3.client("events")
    found += [f"rule {r['Name']}" for r in events.list_rules()["Rules"] if name in r["Name"]]
    s3 = boto3.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        if bucket["Name"].startswith(name):
            found.append(f"bucket {bucket['Name']}")
        config = s3.get_bucket_notification_configuration(Bucket=bucket["Name"])
        found += [
            f"s3 notification {c.get('Id')}"
            for c in config.get("LambdaFunctionConfigurations") or []
            if name in c.get("LambdaFunctionArn", "")
        ]
    sns = boto3.client("sns")
    found += [
        f"subscription {s['SubscriptionArn']}"
        for s in sns.list_subscriptions()["Subscriptions"]
        if name in s.get("Endpoint", "")
    ]
    logs = boto3.client("logs")
    found += [
        f"log group {g['logGroupName']}" for g in logs.describe_log_groups()["logGroups"] if name in g["logGroupName"]
    ]
    tagged = boto3.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "lw:project", "Values": [project]}, {"Key": "lw:stage", "Values": [stage]}]
    )
    found += [f"tagged {r['ResourceARN']}" for r in tagged["ResourceTagMappingList"]]
    return found
