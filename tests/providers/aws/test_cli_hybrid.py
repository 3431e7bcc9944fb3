"""A hybrid app (HTTP plus every AWS event type) deployed and removed by the real CLI."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import boto3
import pytest
from cli_helpers import leftovers, lw_run

NAME = "hybrid-dev"
ACCOUNT = "123456789012"

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hybrid"]


def on_upload(event, context):
    return len(event["Records"])
"""


def _sources() -> dict[str, str]:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="hybrid-uploads")
    foreign = {
        "Id": "not-lw",
        "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other",
        "Events": ["s3:ObjectRemoved:*"],
    }
    s3.put_bucket_notification_configuration(
        Bucket="hybrid-uploads", NotificationConfiguration={"LambdaFunctionConfigurations": [foreign]}
    )
    topic = boto3.client("sns").create_topic(Name="hybrid-orders")["TopicArn"]
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="hybrid-jobs")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    table = boto3.client("dynamodb").create_table(
        TableName="hybrid-orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName="hybrid-clicks", ShardCount=1)
    stream = kinesis.describe_stream_summary(StreamName="hybrid-clicks")["StreamDescriptionSummary"]["StreamARN"]
    return {"topic": topic, "queue": queue, "table": table["LatestStreamArn"], "kinesis": stream}


@pytest.fixture
def hybrid(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    sources = _sources()
    project = tmp_path / "hybrid"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "lw.yml").write_text(
        textwrap.dedent(f"""\
        dev:
          project_name: hybrid
          app_function: app.app
          apigateway: http
          function_url: true
          keep_warm: true
          events:
            - function: app.on_upload
              event_source:
                arn: arn:aws:s3:::hybrid-uploads
                events: ["s3:ObjectCreated:*"]
                key_filters: [{{type: prefix, value: "in/"}}]
            - function: app.on_upload
              event_source:
                arn: {sources["topic"]}
                filters: {{kind: [order]}}
            - function: app.on_upload
              event_source: {{arn: {sources["queue"]}, batch_size: 5}}
            - function: app.on_upload
              event_source: {{arn: "{sources["table"]}", starting_position: LATEST}}
            - function: app.on_upload
              event_source: {{arn: {sources["kinesis"]}, starting_position: TRIM_HORIZON, batch_size: 50}}
            - function: app.on_upload
              expressions: ["rate(1 hour)", "cron(0 3 * * ? *)"]
        """)
    )
    return project


def test_hybrid_app_deploys_every_event_type_and_undeploys_cleanly(hybrid: Path, call_counter) -> None:
    first = lw_run(hybrid, "deploy")
    assert first.exit_code == 0, first.stderr
    urls = first.stdout.split()
    assert any("execute-api" in u for u in urls) and any("lambda-url" in u for u in urls)

    lam = boto3.client("lambda")
    alias_arn = lam.get_alias(FunctionName=NAME, Name="live")["AliasArn"]
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    # AWS keeps the alias ARN; moto reports the version the alias resolved to
    assert len(mappings) == 3
    assert all(m["FunctionArn"].startswith(alias_arn.rsplit(":", 1)[0] + ":") for m in mappings)
    notifications = boto3.client("s3").get_bucket_notification_configuration(Bucket="hybrid-uploads")
    targets = {c["Id"]: c["LambdaFunctionArn"] for c in notifications["LambdaFunctionConfigurations"]}
    assert "not-lw" in targets and alias_arn in targets.values()
    subs = boto3.client("sns").list_subscriptions()["Subscriptions"]
    assert [s["Endpoint"] for s in subs] == [alias_arn]
    rules = [r["Name"] for r in boto3.client("events").list_rules()["Rules"]]
    assert len(rules) >= 3  # two schedules plus keep-warm

    policy = boto3.client("iam").get_role_policy(RoleName=NAME, PolicyName="lw-execution")["PolicyDocument"]
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert "*" not in resources, statement  # every grant is scoped to an ARN
    assert "hybrid-jobs" in json.dumps(policy) and "hybrid-clicks" in json.dumps(policy)

    status = json.loads(lw_run(hybrid, "status", "--json").stdout)
    assert len(status["events"]) >= 6

    call_counter.clear()
    again = lw_run(hybrid, "deploy")
    assert again.exit_code == 0, again.stderr
    assert call_counter.mutating == []

    assert lw_run(hybrid, "undeploy", "--yes").exit_code == 0
    assert leftovers(NAME, "hybrid", "dev") == []
    remaining = boto3.client("s3").get_bucket_notification_configuration(Bucket="hybrid-uploads")
    assert [c["Id"] for c in remaining["LambdaFunctionConfigurations"]] == ["not-lw"]
