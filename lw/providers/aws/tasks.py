"""``lw.tasks`` on AWS: the role's grants, the task topic, the result table and the
failure destination, planned like every other resource (reads only; writes in changes).

- ``async_source: lambda`` (default): a task is an asynchronous ``Invoke`` of the
  function's own ``live`` alias, so the role may invoke exactly that alias.
- ``async_source: sns``: a task is a message to the topic ``<project>-<stage>-tasks``,
  which the alias subscribes to; the role may publish to that topic only.
- ``async_response_table: true``: captured results go to the DynamoDB table
  ``<project>-<stage>-tasks`` (on-demand, TTL on ``expires``, tagged); the role may
  read and write its items only.
- ``async_failure_destination``: the alias's event-invoke config sends a task that still
  fails after Lambda's two retries to that SQS queue or SNS topic.
- ``async_resources: false``: the topic and table exist already; lw only wires them.

Nothing is granted or created for an app whose sources never import ``lw.tasks`` and
that sets none of these keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.plan import Change, Outputs
from lw.core.task_sources import app_uses_tasks
from lw.providers.aws import names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.propagation import reporter_progress, retry_iam
from lw.providers.aws.session import AwsSession
from lw.providers.aws.waits import pause

TOPIC_SID = "lwtasks-sns"  # not "lwevent-": the events planner must not take it for a stale event
TTL_ATTRIBUTE = "expires"
RETRY_ATTEMPTS = 2  # Lambda's default for asynchronous invocations, said explicitly
TOPIC_PRINCIPAL = "sns.amazonaws.com"


@dataclass(frozen=True)
class TaskWiring:
    """What the stage's tasks need on AWS."""

    used: bool
    source: str  # lambda | sns
    table: bool
    failure_destination: str | None
    manage_resources: bool


def resource_name(app: Any) -> str:
    """``<project>-<stage>-tasks``: the topic's and the table's name."""
    return f"{app.name}-tasks"


def wiring(ctx: Context) -> TaskWiring:
    app = ctx.app
    source = str(app.setting("async_source") or "lambda")
    table = bool(app.setting("async_response_table", False))
    destination = app.setting("async_failure_destination") or None
    explicit = source == "sns" or table or bool(destination)
    used = explicit or app_uses_tasks(app)
    return TaskWiring(
        used=used,
        source=source,
        table=table,
        failure_destination=str(destination) if destination else None,
        manage_resources=bool(app.setting("async_resources", True)),
    )


def topic_arn(aws: AwsSession, app: Any) -> str:
    return f"arn:{aws.partition}:sns:{aws.region}:{aws.account_id}:{resource_name(app)}"


def table_arn(aws: AwsSession, app: Any) -> str:
    return f"arn:{aws.partition}:dynamodb:{aws.region}:{aws.account_id}:table/{resource_name(app)}"


def role_statements(ctx: Context, aws: AwsSession, function: str) -> list[dict[str, Any]]:
    """Exactly what starting tasks and keeping their results takes."""
    wired = wiring(ctx)
    if not wired.used:
        return []
    statements: list[dict[str, Any]] = []
    if wired.source == "sns":
        statements.append(
            {"Sid": "TasksPublish", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn(aws, ctx.app)}
        )
    else:
        statements.append(
            {
                "Sid": "TasksInvoke",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": names.alias_arn(aws, function),
            }
        )
    if wired.table:
        statements.append(
            {
                "Sid": "TasksResults",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                "Resource": table_arn(aws, ctx.app),
            }
        )
    if wired.failure_destination:
        arn = wired.failure_destination
        action = "sns:Publish" if ":sns:" in arn else "sqs:SendMessage"
        statements.append({"Sid": "TasksFailureDestination", "Effect": "Allow", "Action": action, "Resource": arn})
    return statements


# --------------------------------------------------------------------------- plan


def plan_tasks(ctx: Context, aws: AwsSession, function: str, alias_arn: str) -> list[Change]:
    """The table, the topic and its subscription, and the failure destination."""
    wired = wiring(ctx)
    changes = _plan_table(ctx, aws, wired)
    changes += _plan_topic(ctx, aws, function, alias_arn, wired)
    changes += _plan_destination(ctx, aws, function, wired)
    return changes


def plan_tasks_removal(ctx: Context, aws: AwsSession) -> list[Change]:
    """The topic and table lw made for the stage (found by name and tags, not lw.yml)."""
    changes = [_delete_topic(ctx, aws, "stage removed"), _delete_table(ctx, aws, "stage removed")]
    return [c for c in changes if c is not None]


def _tags(app: Any) -> list[dict[str, str]]:
    return names.tag_list(app)


def _read_table(aws: AwsSession, name: str) -> dict[str, Any] | None:
    client = aws.client("dynamodb")
    answer = read_or_none(f"DynamoDB table {name}", lambda: client.describe_table(TableName=name))
    return answer["Table"] if answer else None


def _table_tags(aws: AwsSession, arn: str) -> dict[str, str]:
    client = aws.client("dynamodb")
    answer = aws_call("read tags of", arn, lambda: client.list_tags_of_resource(ResourceArn=arn))
    return {t["Key"]: t["Value"] for t in answer.get("Tags") or []}


def _ttl_enabled(aws: AwsSession, name: str) -> bool:
    client = aws.client("dynamodb")
    answer = aws_call("read the TTL of", f"DynamoDB table {name}", lambda: client.describe_time_to_live(TableName=name))
    description = answer.get("TimeToLiveDescription") or {}
    return description.get("TimeToLiveStatus") in ("ENABLED", "ENABLING") and (
        description.get("AttributeName") == TTL_ATTRIBUTE
    )


def table_definition(app: Any) -> dict[str, Any]:
    """``CreateTable``'s parameters for the result table (``lw template`` exports the same)."""
    return {
        "TableName": resource_name(app),
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "Tags": _tags(app),
    }


def invoke_config(destination: str) -> dict[str, Any]:
    """The alias's event-invoke settings for ``async_failure_destination``."""
    return {"MaximumRetryAttempts": RETRY_ATTEMPTS, "DestinationConfig": {"OnFailure": {"Destination": destination}}}


def _plan_table(ctx: Context, aws: AwsSession, wired: TaskWiring) -> list[Change]:
    app = ctx.app
    name = resource_name(app)
    resource = f"DynamoDB table {name}"
    if not wired.table:
        removal = _delete_table(ctx, aws, "async_response_table is off") if wired.manage_resources else None
        return [removal] if removal else []
    table = _read_table(aws, name)
    client = aws.client("dynamodb")
    if table is None:
        if not wired.manage_resources:
            raise _missing(app, f"table {name}", "create it (key 'id', string)")

        def create(outputs: Outputs) -> None:
            client.create_table(**table_definition(app))
            _wait_active(aws, name)
            _enable_ttl(aws, name)

        return [Change("create", resource, "results of tasks (capture_response)", create, step="create task table")]
    changes: list[Change] = []
    if wired.manage_resources:
        tags = _table_tags(aws, str(table["TableArn"]))
        if not names.owns(tags, app):
            raise _not_ours(app, resource, "table")
        missing = [t for t in _tags(app) if tags.get(t["Key"]) != t["Value"]]
        if missing:
            arn = str(table["TableArn"])
            changes.append(
                Change(
                    "update",
                    resource,
                    "tags differ",
                    lambda o: client.tag_resource(ResourceArn=arn, Tags=missing),
                    step="tag task table",
                )
            )
    if not _ttl_enabled(aws, name):
        changes.append(
            Change("update", resource, f"TTL on {TTL_ATTRIBUTE} is off", lambda o: _enable_ttl(aws, name), step="ttl")
        )
    return changes or [Change("noop", resource, "up to date")]


def _missing(app: Any, what: str, how: str) -> ConfigError:
    """``async_resources: false`` and the task table or topic is not there: the user
    said they bring it, so lw stops and says how."""
    return ConfigError(
        f"{app.config_file.name}: stage '{app.stage}': async_resources is false but the task {what} "
        f"does not exist; {how} or set async_resources: true"
    )


def _not_ours(app: Any, resource: str, kind: str) -> ProviderError:
    """The stage's task table or topic exists without lw's tags: someone else's, never
    adopted (lw would otherwise change or delete it)."""
    return ProviderError(
        f"{resource} exists but is not tagged lw:project={app.project_name}, lw:stage={app.stage}; "
        f"lw will not use a {kind} it did not make",
        hint="set async_resources: false to use it as it is, or remove it",
    )


def _wait_active(aws: AwsSession, name: str) -> None:
    client = aws.client("dynamodb")
    for _ in range(300):
        status = client.describe_table(TableName=name)["Table"].get("TableStatus")
        if status == "ACTIVE":
            return
        pause(1)
    raise ProviderError(f"DynamoDB table {name} did not become ACTIVE in 5 minutes")


def _enable_ttl(aws: AwsSession, name: str) -> None:
    aws.client("dynamodb").update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )


def _delete_table(ctx: Context, aws: AwsSession, reason: str) -> Change | None:
    app = ctx.app
    name = resource_name(app)
    table = _read_table(aws, name)
    if table is None or not names.owns(_table_tags(aws, str(table["TableArn"])), app):
        return None
    client = aws.client("dynamodb")
    return Change(
        "delete",
        f"DynamoDB table {name}",
        reason,
        lambda o: client.delete_table(TableName=name),
        phase="cleanup",
        step="delete task table",
    )


# --------------------------------------------------------------------------- SNS


def _topic_tags(aws: AwsSession, arn: str) -> dict[str, str] | None:
    """The topic's tags, or ``None`` when it does not exist."""
    client = aws.client("sns")
    if read_or_none(f"SNS topic {arn}", lambda: client.get_topic_attributes(TopicArn=arn)) is None:
        return None
    answer = aws_call("read tags of", f"SNS topic {arn}", lambda: client.list_tags_for_resource(ResourceArn=arn))
    return {t["Key"]: t["Value"] for t in answer.get("Tags") or []}


def _alias_grant(aws: AwsSession, function: str) -> dict[str, Any] | None:
    client = aws.client("lambda")
    answer = read_or_none(
        f"function {function}:{names.ALIAS}",
        lambda: client.get_policy(FunctionName=function, Qualifier=names.ALIAS),
    )
    statements = json.loads((answer or {}).get("Policy") or "{}").get("Statement") or []
    return next((s for s in statements if s.get("Sid") == TOPIC_SID), None)


def _subscription(aws: AwsSession, topic: str, alias_arn: str) -> str | None:
    client = aws.client("sns")
    token: str | None = None
    while True:
        params: dict[str, Any] = {"TopicArn": topic}
        if token:
            params["NextToken"] = token
        page = aws_call(
            "list the subscriptions of", f"SNS topic {topic}", lambda: client.list_subscriptions_by_topic(**params)
        )
        for sub in page.get("Subscriptions") or []:
            if sub.get("Protocol") == "lambda" and sub.get("Endpoint") == alias_arn:
                arn = str(sub.get("SubscriptionArn") or "")
                if arn.startswith("arn:"):
                    return arn
        token = page.get("NextToken")
        if not token:
            return None


def _plan_topic(ctx: Context, aws: AwsSession, function: str, alias_arn: str, wired: TaskWiring) -> list[Change]:
    app = ctx.app
    arn = topic_arn(aws, app)
    resource = f"SNS topic {resource_name(app)}"
    if wired.source != "sns":
        removal = _delete_topic(ctx, aws, "async_source is not sns") if wired.manage_resources else None
        return [removal] if removal else []
    sns = aws.client("sns")
    lam = aws.client("lambda")
    tags = _topic_tags(aws, arn)
    changes: list[Change] = []
    if tags is None:
        if not wired.manage_resources:
            raise _missing(app, f"topic {resource_name(app)}", "create it")
        changes.append(
            Change(
                "create",
                resource,
                "tasks are sent to it (async_source: sns)",
                lambda o: sns.create_topic(Name=resource_name(app), Tags=_tags(app)),
                step="create task topic",
            )
        )
        subscription = None
    else:
        if wired.manage_resources and not names.owns(tags, app):
            raise _not_ours(app, resource, "topic")
        subscription = _subscription(aws, arn, alias_arn)
    grant = _alias_grant(aws, function)
    wanted_condition = {"ArnLike": {"AWS:SourceArn": arn}}
    if grant is None or grant.get("Condition") != wanted_condition:

        def allow(outputs: Outputs) -> None:
            if grant is not None:
                lam.remove_permission(FunctionName=function, Qualifier=names.ALIAS, StatementId=TOPIC_SID)
            lam.add_permission(
                FunctionName=function,
                Qualifier=names.ALIAS,
                StatementId=TOPIC_SID,
                Action="lambda:InvokeFunction",
                Principal=TOPIC_PRINCIPAL,
                SourceArn=arn,
            )

        changes.append(
            Change(
                "create" if grant is None else "update",
                f"lambda permission {TOPIC_SID} ({TOPIC_PRINCIPAL} from {arn})",
                "the task topic invokes the alias",
                allow,
                step="add permission",
            )
        )
    if subscription is None:
        changes.append(
            Change(
                "create",
                f"sns subscription of {function}:{names.ALIAS} to {arn}",
                "tasks reach the function",
                lambda o: sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=alias_arn),
                step="subscribe task topic",
            )
        )
    return changes or [Change("noop", resource, "up to date")]


def _delete_topic(ctx: Context, aws: AwsSession, reason: str) -> Change | None:
    """Deleting the topic also removes its subscriptions (the alias grant goes with the
    function, or is harmless without the topic)."""
    app = ctx.app
    arn = topic_arn(aws, app)
    tags = _topic_tags(aws, arn)
    if tags is None or not names.owns(tags, app):
        return None
    client = aws.client("sns")
    return Change(
        "delete",
        f"SNS topic {resource_name(app)}",
        reason,
        lambda o: client.delete_topic(TopicArn=arn),
        phase="cleanup",
        step="delete task topic",
    )


# --------------------------------------------------------------------------- failure destination


def _plan_destination(ctx: Context, aws: AwsSession, function: str, wired: TaskWiring) -> list[Change]:
    client = aws.client("lambda")
    resource = f"event invoke config of {function}:{names.ALIAS}"
    current = read_or_none(
        resource, lambda: client.get_function_event_invoke_config(FunctionName=function, Qualifier=names.ALIAS)
    )
    now = ((current or {}).get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
    wanted = wired.failure_destination
    if wanted is None:
        if current is None or not now:
            return []
        return [
            Change(
                "delete",
                resource,
                "async_failure_destination removed",
                lambda o: client.delete_function_event_invoke_config(FunctionName=function, Qualifier=names.ALIAS),
                step="delete failure destination",
            )
        ]
    if now == wanted and (current or {}).get("MaximumRetryAttempts") == RETRY_ATTEMPTS:
        return [Change("noop", resource, "up to date")]
    return [
        Change(
            "create" if current is None else "update",
            resource,
            f"failed tasks go to {wanted}",
            # Lambda checks that the role may reach the destination: a grant just added
            # to the role is not visible to it for a while.
            lambda o: retry_iam(
                lambda: client.put_function_event_invoke_config(
                    FunctionName=function, Qualifier=names.ALIAS, **invoke_config(wanted)
                ),
                reporter_progress(ctx),
            ),
            step="set failure destination",
        )
    ]


# --------------------------------------------------------------------------- status


def describe(ctx: Context, aws: AwsSession, function: str) -> dict[str, Any]:
    """The task wiring for ``lw status``, read from AWS."""
    wired = wiring(ctx)
    if not wired.used:
        return {}
    app = ctx.app
    facts: dict[str, Any] = {}
    if wired.source == "sns":
        arn = topic_arn(aws, app)
        present = _topic_tags(aws, arn) is not None
        facts["tasks"] = f"SNS topic {arn}" + ("" if present else " (missing)")
    else:
        facts["tasks"] = f"asynchronous Invoke of {names.alias_arn(aws, function)}"
    if wired.table:
        table = _read_table(aws, resource_name(app))
        facts["task_results"] = (
            f"DynamoDB table {resource_name(app)} ({table.get('TableStatus', '?').lower()})"
            if table
            else f"DynamoDB table {resource_name(app)} (missing)"
        )
    if wired.failure_destination:
        facts["task_failures"] = wired.failure_destination
    return facts
