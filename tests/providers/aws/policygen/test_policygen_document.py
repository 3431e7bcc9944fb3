"""The role's whole document: log group, event sources and the code's statements."""

from __future__ import annotations

import sys
import types
from pathlib import Path

from lw.core.model import AppModel, EventBinding
from lw.providers.aws.policygen import policy_document, policy_report

CODE = "import boto3\nboto3.resource('dynamodb').Table('orders').put_item(Item={})\n"


def make_app(root: Path, events: tuple[EventBinding, ...] = (), settings: dict | None = None) -> AppModel:
    return AppModel(
        project_name="shop",
        stage="dev",
        provider="aws",
        project_dir=root,
        config_file=root / "lw.yml",
        app_function="app.app",
        events=events,
        settings=settings or {},
    )


SQS_EVENT = EventBinding(
    name="jobs", function="app.handle", kind="sqs", source="arn:aws:sqs:eu-west-1:123456789012:jobs"
)


def test_document_has_logs_then_events_then_code(project, monkeypatch):
    root = project({"app.py": CODE})
    fake = types.ModuleType("lw.providers.aws.events")
    seen = {}

    def policy_statements(app, account_id, region):
        seen["args"] = (app.name, account_id, region)
        return [
            {"Sid": "LwEventsSqs", "Effect": "Allow", "Action": ["sqs:ReceiveMessage"], "Resource": SQS_EVENT.source}
        ]

    fake.policy_statements = policy_statements  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lw.providers.aws.events", fake)
    document = policy_document(make_app(root, (SQS_EVENT,)), account_id="123456789012", region="eu-west-1")
    assert seen["args"] == ("shop-dev", "123456789012", "eu-west-1")
    assert document["Version"] == "2012-10-17"
    assert [s["Sid"] for s in document["Statement"]] == ["Logs", "LwEventsSqs", "LwCode1"]
    assert document["Statement"][0] == {
        "Sid": "Logs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev",
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev:*",
        ],
    }
    assert document["Statement"][2]["Resource"] == "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"


def test_events_module_missing_is_skipped_and_said(project, monkeypatch):
    root = project({"app.py": CODE})
    monkeypatch.setitem(sys.modules, "lw.providers.aws.events", None)  # import raises ImportError
    report = policy_report(make_app(root, (SQS_EVENT,)))
    assert [s["Sid"] for s in report.policy["Statement"]] == ["Logs", "LwCode1"]
    assert report.warnings[0].startswith("event sources: lw.providers.aws.events is not available")
    assert policy_report(make_app(root)).warnings == []  # no events configured: nothing to say


def test_real_events_module_contributes_its_statements(project):
    root = project({"app.py": CODE})
    document = policy_document(make_app(root, (SQS_EVENT,)), account_id="123456789012", region="eu-west-1")
    resources = [s["Resource"] for s in document["Statement"]]
    assert any(SQS_EVENT.source in (r if isinstance(r, list) else [r]) for r in resources)


def test_exclude_setting_is_honoured(project):
    root = project({"app.py": CODE, "admin/tool.py": "import boto3\nboto3.client('iam').list_users()\n"})
    everything = policy_document(make_app(root))
    trimmed = policy_document(make_app(root, settings={"exclude": ["admin/"]}))
    assert len(everything["Statement"]) == 3
    assert len(trimmed["Statement"]) == 2


def test_runtime_configuration_reads_are_granted_exactly(project):
    root = project({"app.py": "x = 1\n"})
    app = AppModel(
        project_name="shop",
        stage="dev",
        provider="aws",
        project_dir=root,
        config_file=root / "lw.yml",
        app_function="app.app",
        environment_variables={"DB": "postgres://u:${secretsmanager:shop/db}@h/db", "PLAIN": "x"},
        settings={
            "aws_environment_variables": {
                "KEY": "${ssm:/shop/api-key}",
                "ARN": "${ssm:arn:aws:ssm:eu-west-1:1:parameter/x}",
            },
            "remote_env": "s3://config-bucket/shop/dev.json",
        },
    )
    report = policy_report(app, account_id="123456789012", region="eu-west-1")
    by_sid = {s["Sid"]: s for s in report.policy["Statement"]}
    assert by_sid["LwRemoteEnv"]["Resource"] == "arn:aws:s3:::config-bucket/shop/dev.json"
    assert by_sid["LwSsmReferences"]["Resource"] == [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/api-key",
        "arn:aws:ssm:eu-west-1:1:parameter/x",
    ]
    assert by_sid["LwSecretReferences"] == {
        "Sid": "LwSecretReferences",
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-*",
    }
    assert any(w.startswith("remote_env: references inside s3://config-bucket/shop/dev.json") for w in report.warnings)


def test_stage_environment_narrows_the_code_statements(project):
    root = project({"app.py": "import os, boto3\nboto3.client('s3').put_object(Bucket=os.environ['B'], Key='k')\n"})
    app = AppModel(
        project_name="shop",
        stage="dev",
        provider="aws",
        project_dir=root,
        config_file=root / "lw.yml",
        app_function="app.app",
        environment_variables={"B": "uploads"},
        settings={"aws_environment_variables": {"B": "overridden", "SECRET": "${ssm:/x}"}},
    )
    statements = policy_document(app)["Statement"]
    assert statements[-1]["Resource"] == "arn:aws:s3:::uploads/*"
