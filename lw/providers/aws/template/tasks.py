"""``lw.tasks`` as CloudFormation: the result table, the task topic with the alias's
subscription and invoke grant, and the alias's on-failure destination, from the same
builders ``lw deploy`` plans with (see ``lw.providers.aws.tasks``).

The role's statements for them are already in the execution policy (deploy's own
``execution_policy``). With ``async_resources: false`` the table and the topic are the
user's: the template, like deploy, only wires them (subscription, grant) by name.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.providers.aws import names, tasks
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.function import FUNCTION_ID
from lw.providers.aws.template.resources import TemplateParts

TABLE_ID = "TaskTable"
TOPIC_ID = "TaskTopic"
SUBSCRIPTION_ID = "TaskTopicSubscription"
PERMISSION_ID = "TaskTopicPermission"
INVOKE_CONFIG_ID = "TaskInvokeConfig"


def add_tasks(ctx: Context, aws: AwsSession, parts: TemplateParts, alias_arn: str) -> None:
    wired = tasks.wiring(ctx)
    if not wired.used:
        return
    if wired.table and wired.manage_resources:
        _add_table(ctx, parts)
    elif wired.table:
        parts.notes.append(
            f"async_resources is false: DynamoDB table {tasks.resource_name(ctx.app)} is yours and not exported; "
            f"lw deploy turns on its TTL on '{tasks.TTL_ATTRIBUTE}', which the template leaves to you"
        )
    if wired.source == "sns":
        _add_topic(ctx, aws, parts, alias_arn, wired.manage_resources)
    if wired.failure_destination:
        parts.add(
            INVOKE_CONFIG_ID,
            "AWS::Lambda::EventInvokeConfig",
            {
                "FunctionName": {"Ref": FUNCTION_ID},
                "Qualifier": names.ALIAS,
                **tasks.invoke_config(wired.failure_destination),
            },
            [parts.alias_id],  # the qualifier must exist; the role's grant on the destination comes with it
        )


def _add_table(ctx: Context, parts: TemplateParts) -> None:
    definition = tasks.table_definition(ctx.app)
    tags = definition.pop("Tags")
    parts.add(
        TABLE_ID,
        "AWS::DynamoDB::Table",
        {
            **definition,
            "TimeToLiveSpecification": {"AttributeName": tasks.TTL_ATTRIBUTE, "Enabled": True},
            "Tags": tags,
        },
    )
    parts.output("TaskTableName", {"Ref": TABLE_ID}, "Where captured task results are kept")


def _add_topic(ctx: Context, aws: AwsSession, parts: TemplateParts, alias_arn: str, manage: bool) -> None:
    topic: Any = tasks.topic_arn(aws, ctx.app)
    if manage:
        parts.add(
            TOPIC_ID,
            "AWS::SNS::Topic",
            {"TopicName": tasks.resource_name(ctx.app), "Tags": names.tag_list(ctx.app)},
        )
        topic = {"Ref": TOPIC_ID}  # a topic's Ref is its ARN
        parts.output("TaskTopicArn", topic, "Tasks are published to this topic (async_source: sns)")
    parts.permission(PERMISSION_ID, alias_arn, principal=tasks.TOPIC_PRINCIPAL, source_arn=topic)
    parts.add(
        SUBSCRIPTION_ID,
        "AWS::SNS::Subscription",
        {"TopicArn": topic, "Protocol": "lambda", "Endpoint": alias_arn},
        [parts.alias_id, PERMISSION_ID],
    )
