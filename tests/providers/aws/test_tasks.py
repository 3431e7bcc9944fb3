"""lw.tasks on AWS, against moto through the real CLI: the role allows exactly starting a
task (an asynchronous Invoke of the ``live`` alias, or a publish to the task topic), the
result table and failure destination are created, an unchanged redeploy writes nothing,
undeploy leaves nothing; the app's task call is an ``Invoke`` with ``InvocationType=Event``
on the alias, run by the deployed package (``lambda_runs_code``)."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_run
from lambda_runner import lambda_runs_code  # noqa: F401 - fixture

NAME = "tasks-dev"
ACCOUNT = "123456789012"
ALIAS_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{NAME}:live"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{NAME}-tasks"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:{NAME}-tasks"

APP = """
import json

import lw.tasks
from shop_jobs import crunch


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/start":
        handle = crunch(21)
        start_response("202 Accepted", [("Content-Type", "application/json")])
        return [json.dumps({"task": handle}).encode()]
    try:
        body = {"result": lw.tasks.result(path.rsplit("/", 1)[-1])}
        start_response("200 OK", [("Content-Type", "application/json")])
    except lw.tasks.TaskPending:
        body = {"status": "running"}
        start_response("202 Accepted", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
"""

JOBS = """
from lw.tasks import task


@task(capture_response=True)
def crunch(n):
    print("crunching", n)
    return {"double": n * 2}
"""

TASK_KEYS = ("LW_TASKS_BACKEND", "LW_TASKS_QUALIFIER", "LW_TASKS_TABLE", "LW_TASKS_TOPIC", "AWS_LAMBDA_FUNCTION_NAME")


@pytest.fixture(scope="module")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lw-cache")


def _project(root: Path, extra: str) -> Path:
    root.mkdir()
    (root / "shop_app.py").write_text(APP)
    (root / "shop_jobs.py").write_text(JOBS)
    (root / "lw.yml").write_text(
        textwrap.dedent("""\
        dev:
          project_name: tasks
          app_function: shop_app.app
          apigateway: http
          keep_warm: false
          async_response_table: true
        """)
        + extra
    )
    return root


@pytest.fixture
def deployed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheel_cache: Path) -> Any:
    """Deploys a project and returns a function giving its app as the deployed shim
    configures it (in this process, so botocore's calls can be seen)."""
    monkeypatch.setenv("LW_CACHE_DIR", str(wheel_cache))
    monkeypatch.setenv("CI", "1")
    for key in TASK_KEYS:
        monkeypatch.setenv(key, "")
    import lw.tasks.backend

    monkeypatch.setattr(lw.tasks.backend, "clients", {})

    def deploy(extra: str = "") -> tuple[Path, Any]:
        project = _project(tmp_path / "project", extra)
        result = lw_run(project, "deploy")
        assert result.exit_code == 0, result.stderr + result.stdout
        monkeypatch.syspath_prepend(str(project))
        for module in ("shop_app", "shop_jobs"):
            monkeypatch.delitem(__import__("sys").modules, module, raising=False)
        from lw.runtime.aws import make_handler
        from lw.runtime.tasks import configure

        artifact = next((project / ".lw" / "dist").glob("*.zip"))
        settings = json.loads(zipfile.ZipFile(artifact).read("lw_settings.json"))
        configure(settings)  # what the deployed shim does at cold start
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", NAME)  # what Lambda sets
        import shop_app

        return project, make_handler(shop_app.app)

    return deploy


def _get(handler: Any, path: str) -> dict[str, Any]:
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "example.com"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "stage": "$default",
            "requestId": "r",
        },
        "isBase64Encoded": False,
    }
    reply = handler(event, None)
    return {"status": reply["statusCode"], "body": json.loads(reply["body"])}


def _recording(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """Every botocore call with its parameters, on top of ``lambda_runs_code``."""
    from botocore.client import BaseClient

    calls: list[tuple[str, str, dict[str, Any]]] = []
    inner = BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation, dict(params)))
        return inner(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def _policy() -> dict[str, Any]:
    return boto3.client("iam").get_role_policy(RoleName=NAME, PolicyName="lw-execution")["PolicyDocument"]


def _statements_with(policy: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    def actions(s: dict[str, Any]) -> list[str]:
        return s["Action"] if isinstance(s["Action"], list) else [s["Action"]]

    return [s for s in policy["Statement"] if any(a.startswith(prefix) for a in actions(s))]


def test_a_task_is_an_async_invoke_of_the_alias_and_the_role_allows_exactly_that(
    lambda_runs_code: Any, deployed_app: Any, monkeypatch: pytest.MonkeyPatch, call_counter: Any
) -> None:
    sqs = boto3.client("sqs")
    queue_url = sqs.create_queue(QueueName="failed-tasks")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    project, handler = deployed_app(f"  async_failure_destination: {queue}\n")

    policy = _policy()
    invoke = _statements_with(policy, "lambda:")
    assert invoke == [
        {"Sid": "TasksInvoke", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": ALIAS_ARN}
    ]
    assert _statements_with(policy, "dynamodb:") == [
        {
            "Sid": "TasksResults",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
            "Resource": TABLE_ARN,
        }
    ]
    assert _statements_with(policy, "sqs:") == [
        {"Sid": "TasksFailureDestination", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue}
    ]
    assert _statements_with(policy, "sns:") == []

    dynamodb = boto3.client("dynamodb")
    table = dynamodb.describe_table(TableName=f"{NAME}-tasks")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = dynamodb.describe_time_to_live(TableName=f"{NAME}-tasks")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    assert tags["lw:project"] == "tasks" and tags["lw:stage"] == "dev"
    config = boto3.client("lambda").get_function_event_invoke_config(FunctionName=NAME, Qualifier="live")
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue
    assert config["MaximumRetryAttempts"] == 2

    calls = _recording(monkeypatch)
    started = _get(handler, "/start")
    assert started["status"] == 202
    invokes = [p for service, op, p in calls if (service, op) == ("lambda", "Invoke")]
    assert len(invokes) == 1
    sent = invokes[0]
    assert (sent["FunctionName"], sent["Qualifier"], sent["InvocationType"]) == (NAME, "live", "Event")
    envelope = json.loads(sent["Payload"])["lw_task"]
    assert envelope["function"] == "shop_jobs.crunch" and envelope["args"] == [21]
    # lambda_runs_code ran that event in the deployed package, which kept the result.
    assert _get(handler, f"/result/{started['body']['task']}") == {"status": 200, "body": {"result": {"double": 42}}}
    assert _get(handler, "/result/0123456789abcdef")["status"] == 202

    invoked = lw_run(project, "invoke", "--task", "shop_jobs.crunch", "[5]")
    assert invoked.exit_code == 0, invoked.stderr
    assert json.loads(invoked.stdout)["result"] == {"double": 10}

    status = json.loads(lw_run(project, "status", "--json").stdout)
    assert status["tasks"] == f"asynchronous Invoke of {ALIAS_ARN}"
    assert status["task_results"] == f"DynamoDB table {NAME}-tasks (active)"

    call_counter.clear()
    again = lw_run(project, "deploy")
    assert again.exit_code == 0, again.stderr
    assert call_counter.mutating == []

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    assert leftovers(NAME, "tasks", "dev") == []
    assert dynamodb.list_tables()["TableNames"] == []


def test_an_app_without_tasks_gets_no_task_grant(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "plain"
    project.mkdir()
    (project / "app.py").write_text(
        "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"
    )
    (project / "lw.yml").write_text("dev:\n  project_name: tasks\n  app_function: app.app\n  keep_warm: false\n")
    plan = lw_run(project, "deploy", "--dry-run")
    assert plan.exit_code == 0, plan.stderr
    assert "tasks" not in plan.stdout.replace("tasks-dev", "")
    assert lw_run(project, "deploy").exit_code == 0
    policy = json.dumps(_policy())
    assert "lambda:InvokeFunction" not in policy and "dynamodb" not in policy


def test_sns_source_publishes_to_the_stage_topic_and_the_shim_runs_it(
    lambda_runs_code: Any, deployed_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, handler = deployed_app("  async_source: sns\n")
    policy = _policy()
    assert _statements_with(policy, "sns:") == [
        {"Sid": "TasksPublish", "Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC_ARN}
    ]
    assert _statements_with(policy, "lambda:") == []
    sns = boto3.client("sns")
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("lambda", ALIAS_ARN)]
    grant = json.loads(boto3.client("lambda").get_policy(FunctionName=NAME, Qualifier="live")["Policy"])
    assert any(
        s["Sid"] == "lwtasks-sns" and s["Condition"]["ArnLike"]["AWS:SourceArn"] == TOPIC_ARN
        for s in grant["Statement"]
    )

    # moto (in this process) would run the subscribed function in Docker: take the
    # delivery instead, and hand it to the deployed package with SNS's record shape.
    from moto.awslambda.models import LambdaBackend

    delivered: list[tuple[str, str, Any]] = []
    monkeypatch.setattr(
        LambdaBackend,
        "send_sns_message",
        lambda self, function_name, message, subject=None, qualifier=None: delivered.append(
            (function_name, message, qualifier)
        ),
    )
    calls = _recording(monkeypatch)
    started = _get(handler, "/start")
    assert started["status"] == 202
    published = [p for service, op, p in calls if (service, op) == ("sns", "Publish")]
    assert [p["TopicArn"] for p in published] == [TOPIC_ARN]
    assert len(delivered) == 1 and delivered[0][1] == published[0]["Message"]
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscriptions[0]["SubscriptionArn"],
        "Sns": {"Type": "Notification", "TopicArn": TOPIC_ARN, "Message": delivered[0][1]},
    }
    boto3.client("lambda").invoke(
        FunctionName=NAME, Qualifier="live", Payload=json.dumps({"Records": [record]}).encode()
    )
    assert _get(handler, f"/result/{started['body']['task']}")["body"] == {"result": {"double": 42}}

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    assert leftovers(NAME, "tasks", "dev") == []
    assert sns.list_topics()["Topics"] == []


def test_arguments_over_the_async_limit_are_refused_at_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    import lw.tasks
    from lw.tasks.envelope import TaskTooLarge, encode, make_envelope

    monkeypatch.setenv("LW_TASKS_BACKEND", "lambda")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", NAME)
    with pytest.raises(TaskTooLarge, match="over the 1024 KB"):
        lw.tasks.run(json.dumps, "x" * (1024 * 1024))
    # Lambda's asynchronous Invoke takes 1 MB (since October 2025), an SNS message 256 KB.
    half = make_envelope("app.f", ["x" * (512 * 1024)], {}, task_id="a1", capture=False)
    assert len(encode(half, "lambda")) > 512 * 1024
    assert len(encode(half, "local")) > 512 * 1024
    with pytest.raises(TaskTooLarge, match="over the 256 KB that sns accepts"):
        encode(half, "sns")


def test_task_resources_under_the_strict_layer(
    aws_env: str, strict_aws: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheel_cache: Path
) -> None:
    """The table is CREATING for a while and the role's new permission on the failure
    destination is not visible to Lambda at once: lw waits both out, then an unchanged
    redeploy makes no write and undeploy removes everything."""
    monkeypatch.setenv("LW_CACHE_DIR", str(wheel_cache))
    with strict_aws.paused():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="failed-tasks")["QueueUrl"]
        queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    project = _project(tmp_path / "strict", "")
    plan = lw_run(project, "deploy", "--dry-run")
    assert plan.exit_code == 0, plan.stderr
    assert f"DynamoDB table {NAME}-tasks" in plan.stdout + plan.stderr
    first = lw_run(project, "deploy")
    assert first.exit_code == 0, first.stderr + first.stdout
    assert ("dynamodb", "DescribeTable", "") in strict_aws.journal  # waited for ACTIVE
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=f"{NAME}-tasks")["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED"

    # Adding the destination changes the role's policy, which Lambda does not see at once.
    with (project / "lw.yml").open("a") as config:
        config.write(f"  async_failure_destination: {queue}\n")
    second = lw_run(project, "deploy")
    assert second.exit_code == 0, second.stderr + second.stdout
    assert ("lambda", "PutFunctionEventInvokeConfig", "InvalidParameterValueException") in strict_aws.errors()
    config = boto3.client("lambda").get_function_event_invoke_config(FunctionName=NAME, Qualifier="live")
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue

    strict_aws.journal.clear()
    again = lw_run(project, "deploy")
    assert again.exit_code == 0 and "no changes" in again.stderr
    assert [e for e in strict_aws.journal if not e[1].startswith(("Get", "List", "Describe"))] == []

    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    strict_aws.settle()
    assert leftovers(NAME, "tasks", "dev") == []
