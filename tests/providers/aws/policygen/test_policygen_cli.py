"""``lw policy`` through the real CLI (registered through the ``lw`` entry points)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

import lw.cli
from lw.providers.aws import commands

APP = """
import boto3
BUCKET = "uploads"
s3 = boto3.client("s3")

def handler(event, context):
    s3.put_object(Bucket=BUCKET, Key=event["key"], Body=b"")
    s3.delete_object(Bucket=event["bucket"], Key="x")
"""

CONFIG = "dev:\n  project_name: shop\n  app_function: app.handler\n  aws_region: eu-west-1\n"


def _project(project) -> Path:
    return project({"app.py": APP, "lw.yml": CONFIG})


def _run(root: Path, *args: str):
    return CliRunner().invoke(lw.cli.main, ["policy", "--config", str(root / "lw.yml"), *args])


def test_policy_is_a_registered_command():
    assert "policy" in lw.cli.main.commands
    group = click.Group()
    commands.lw_register_commands(cli=group)
    assert "policy" in group.commands


def test_human_output_is_the_document_and_warnings_go_to_stderr(project):
    result = _run(_project(project), "--account-id", "123456789012")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["Statement"][0]["Resource"] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev:*",
    ]
    assert {
        "Sid": "LwCode1",
        "Effect": "Allow",
        "Action": ["s3:PutObject"],
        "Resource": "arn:aws:s3:::uploads/*",
    } in document["Statement"]
    assert result.stderr.splitlines() == [
        "warning: app.py:7: s3:DeleteObject granted on '*': Bucket is not a literal in the code"
    ]


def test_json_output_has_policy_warnings_and_calls(project):
    result = _run(_project(project), "--json", "--region", "us-east-2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"policy", "warnings", "calls"}
    assert data["policy"]["Statement"][0]["Resource"][0].startswith("arn:aws:logs:us-east-2:*:")
    assert data["warnings"] == ["app.py:7: s3:DeleteObject granted on '*': Bucket is not a literal in the code"]
    assert data["calls"][0] == {
        "file": "app.py",
        "line": 6,
        "service": "s3",
        "operation": "PutObject",
        "action": "s3:PutObject",
        "resource": "arn:aws:s3:::uploads/*",
    }
    assert result.stderr == ""


def test_other_provider_is_a_usage_error(project):
    result = _run(_project(project), "--provider", "local")
    assert result.exit_code == 2
    assert "lw policy describes an AWS execution role" in result.stderr


def test_missing_config_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(lw.cli.main, ["policy", "--config", str(tmp_path / "lw.yml")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.output
