"""The AWS lifecycle through the real CLI against moto behind the strict layer
(tests/providers/aws/strict_aws/): every transitional state and propagation delay AWS has, in
milliseconds. Each finding of issue #11 has a test here that failed before its fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_run
from secure_helpers import NAME, configure, deploy_ok, moto_mock_integrations, project, project_template  # noqa: F401

pytestmark = pytest.mark.usefixtures("moto_mock_integrations")


def _alias_version() -> str:
    return boto3.client("lambda").get_alias(FunctionName=NAME, Name="live")["FunctionVersion"]


def _touch(project: Path, text: str) -> None:
    (project / "app.py").write_text((project / "app.py").read_text() + f"\n# {text}\n")


def test_lifecycle_first_deploy_noop_code_config_rollback_undeploy(project: Path, strict_aws: Any) -> None:
    deploy_ok(project)
    # the new role could not be used at once, and lw waited it out
    assert ("lambda", "CreateFunction", "InvalidParameterValueException") in strict_aws.errors()
    assert _alias_version() == "1"

    strict_aws.journal.clear()
    again = deploy_ok(project)
    assert "no changes" in again.stderr
    assert [e for e in strict_aws.journal if not e[1].startswith(("Get", "List", "Describe"))] == []

    _touch(project, "code-only change")
    deploy_ok(project)
    assert _alias_version() == "2"

    configure(project, memory_size=512, aws_environment_variables={"GREETING": "hi"})
    deploy_ok(project)
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["MemorySize"] == 512 and _alias_version() == "3"

    assert lw_run(project, "rollback").exit_code == 0
    assert _alias_version() == "2"
    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    strict_aws.settle()
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_function_updates_wait_out_in_progress(project: Path, strict_aws: Any) -> None:
    """Code and configuration change in one deploy: the second update and the publish
    come while the first is InProgress unless lw waits."""
    deploy_ok(project)
    _touch(project, "v2")
    configure(project, memory_size=384)
    _touch(project, "v2")
    deploy_ok(project)
    assert not [e for e in strict_aws.errors() if e[2] == "ResourceConflictException"]
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["MemorySize"] == 384


# --------------------------------------------------------------------------- finding 1


def test_rest_cors_preflight_with_binary_support_is_answered(project: Path, strict_aws: Any) -> None:
    configure(project, cors=True)  # binary_support defaults to true: */* is a binary media type
    deploy_ok(project)
    [api] = boto3.client("apigateway").get_rest_apis()["items"]
    status, headers = strict_aws.rest_preflight(api["id"], "/items/1")
    assert status == 200, "the mock integration could not transform the binary preflight request"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert strict_aws.rest_preflight(api["id"], "/")[0] == 200


# --------------------------------------------------------------------------- finding 2


@pytest.mark.parametrize(
    "security",
    [
        {"jwt_authorizer": {"issuer": "https://issuer.example.com", "audience": ["app"]}},
        {"iam_authorization": True},
    ],
)
def test_http_api_cors_with_an_authorizer_lets_preflights_through(
    project: Path, strict_aws: Any, security: dict[str, Any]
) -> None:
    configure(project, apigateway="http", cors=True, **security)
    deploy_ok(project)
    [api] = boto3.client("apigatewayv2").get_apis()["Items"]
    assert strict_aws.http_preflight(api["ApiId"], "/items/1")[0] == 204
    assert strict_aws.http_preflight(api["ApiId"], "/")[0] == 204
    routes = {r["RouteKey"]: r for r in boto3.client("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]}
    assert routes["$default"]["AuthorizationType"] != "NONE"  # everything else still needs the authorizer

    configure(project, apigateway="http", **security)  # CORS off: the open OPTIONS routes go
    deploy_ok(project)
    keys = {r["RouteKey"] for r in boto3.client("apigatewayv2").get_routes(ApiId=api["ApiId"])["Items"]}
    assert keys == {"$default"}


# --------------------------------------------------------------------------- finding 3


def test_vpc_and_dead_letter_permissions_are_waited_for(project: Path, strict_aws: Any) -> None:
    deploy_ok(project)
    sqs = boto3.client("sqs")
    with strict_aws.paused():
        url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    strict_aws.journal.clear()
    configure(project, vpc_config={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}, dead_letter_arn=dlq)
    deploy_ok(project)
    refused = [e for e in strict_aws.errors() if e[1] == "UpdateFunctionConfiguration"]
    assert refused, "the role's policy changed: Lambda must have refused at first"
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["VpcConfig"]["SubnetIds"] == ["subnet-1"]  # (moto does not keep DeadLetterConfig)


# --------------------------------------------------------------------------- finding 6


def test_snap_start_alias_moves_only_to_an_active_version(project: Path, strict_aws: Any) -> None:
    strict_aws.delays.snapstart_pending = 1.0  # longer than a release takes, however busy the machine
    configure(project, runtime="python3.12", snap_start=True)
    deploy_ok(project)
    _touch(project, "v2")
    deploy_ok(project)
    assert _alias_version() == "2"
    moved = [e for e in strict_aws.journal if e[1] in ("CreateAlias", "UpdateAlias")]
    assert moved and all(code == "" for _, _, code in moved)


# --------------------------------------------------------------------------- finding 7


def test_provisioned_concurrency_is_set_once_the_alias_settled(project: Path, strict_aws: Any) -> None:
    strict_aws.delays.alias_weights = 0.3
    configure(project, provisioned_concurrency=2)
    deploy_ok(project)
    assert strict_aws.provisioned("us-east-1", NAME) == 2
    configure(project, provisioned_concurrency=3)
    _touch(project, "v2")
    deploy_ok(project)
    assert strict_aws.provisioned("us-east-1", NAME) == 3 and _alias_version() == "2"


# --------------------------------------------------------------------------- events, finding 10


def _event_sources(strict_aws: Any) -> dict[str, str]:
    with strict_aws.paused():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        kinesis = boto3.client("kinesis")
        kinesis.create_stream(StreamName="clicks", ShardCount=1)
        stream = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
        topic = boto3.client("sns").create_topic(Name="orders")["TopicArn"]
        boto3.client("s3").create_bucket(Bucket="uploads-strict")
    return {"queue": queue, "stream": stream, "topic": topic, "bucket": "arn:aws:s3:::uploads-strict"}


def _events(
    sources: dict[str, str],
    *,
    batch: int = 5,
    position: str = "TRIM_HORIZON",
    kinds: tuple[str, ...] = ("sqs", "kinesis", "sns", "s3", "schedule"),
) -> list[dict[str, Any]]:
    every = {
        "sqs": {"function": "app.on_event", "event_source": {"arn": sources["queue"], "batch_size": batch}},
        "kinesis": {
            "function": "app.on_event",
            "event_source": {"arn": sources["stream"], "starting_position": position},
        },
        "sns": {"function": "app.on_event", "event_source": {"arn": sources["topic"]}},
        "s3": {
            "function": "app.on_event",
            "event_source": {"arn": sources["bucket"], "events": ["s3:ObjectCreated:*"]},
        },
        "schedule": {"function": "app.on_event", "expression": "rate(1 hour)"},
    }
    return [every[k] for k in kinds]


def _with_handler(project: Path) -> None:
    _touch(project, "events")
    (project / "app.py").write_text(
        (project / "app.py").read_text() + "\n\ndef on_event(event, context):\n    return None\n"
    )


def _wired() -> dict[str, Any]:
    lam = boto3.client("lambda")
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    return {
        "mappings": sorted(
            (m["EventSourceArn"].split(":")[2], m["BatchSize"], m.get("StartingPosition", ""), m["State"])
            for m in mappings
        ),
        "rules": sorted(r["ScheduleExpression"] for r in boto3.client("events").list_rules()["Rules"]),
        "subscriptions": len(boto3.client("sns").list_subscriptions()["Subscriptions"]),
        "notifications": len(
            boto3.client("s3")
            .get_bucket_notification_configuration(Bucket="uploads-strict")
            .get("LambdaFunctionConfigurations")
            or []
        ),
    }


def test_events_added_changed_removed(project: Path, strict_aws: Any) -> None:
    sources = _event_sources(strict_aws)
    deploy_ok(project)
    strict_aws.journal.clear()
    _with_handler(project)
    configure(project, events=_events(sources))
    deploy_ok(project)  # new code and new sources: the sources only after the alias moved
    [move] = [i for i, (_, op, code) in enumerate(strict_aws.journal) if op == "UpdateAlias" and not code]
    wiring = [
        i
        for i, (_, op, code) in enumerate(strict_aws.journal)
        if op in ("CreateEventSourceMapping", "Subscribe", "PutTargets", "PutBucketNotificationConfiguration")
        and not code
    ]
    assert wiring and min(wiring) > move, "a new source was wired while the old version was serving"
    strict_aws.settle()
    assert _wired() == {
        "mappings": [("kinesis", 100, "TRIM_HORIZON", "Enabled"), ("sqs", 5, "", "Enabled")],
        "rules": ["rate(1 hour)"],
        "subscriptions": 1,
        "notifications": 1,
    }

    configure(project, events=_events(sources, batch=7, position="LATEST"))
    deploy_ok(project)
    strict_aws.settle()
    assert _wired()["mappings"] == [("kinesis", 100, "LATEST", "Enabled"), ("sqs", 7, "", "Enabled")]

    configure(project, events=_events(sources, kinds=("sqs",)))
    deploy_ok(project)
    strict_aws.settle()
    assert _wired() == {"mappings": [("sqs", 5, "", "Enabled")], "rules": [], "subscriptions": 0, "notifications": 0}

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    strict_aws.settle()
    assert leftovers(NAME, "flask-hello", "dev") == []


# --------------------------------------------------------------------------- chaos


def _final_state(strict_aws: Any) -> dict[str, Any]:
    """What a deploy leaves, with AWS's generated ids left out."""
    with strict_aws.paused():
        lam = boto3.client("lambda")
        config = lam.get_function_configuration(FunctionName=NAME, Qualifier="live")
        [api] = boto3.client("apigateway").get_rest_apis()["items"]
        return {
            "alias": _alias_version(),
            "config": {k: config.get(k) for k in ("MemorySize", "Handler", "Runtime", "Timeout", "CodeSha256")},
            "versions": len(lam.list_versions_by_function(FunctionName=NAME)["Versions"]),
            "api": api["name"],
            "events": _wired(),
        }


def test_random_latency_and_throttling_converge_to_the_same_state(
    project: Path, strict_aws: Any, fast_botocore_retries: None
) -> None:
    sources = _event_sources(strict_aws)

    def lifecycle() -> dict[str, Any]:
        deploy_ok(project)
        _with_handler(project)
        configure(project, cors=True, memory_size=384, events=_events(sources))
        deploy_ok(project)
        strict_aws.settle()
        return _final_state(strict_aws)

    calm = lifecycle()
    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    strict_aws.settle()
    (project / "app.py").write_text((project / "app.py").read_text().split("\n# events")[0])
    configure(project)

    strict_aws.chaos(seed=11, throttle_rate=0.3)
    stormy = lifecycle()
    assert strict_aws._chaos["throttled"] > 10  # the run really was throttled, often
    assert stormy == calm
