"""Event sources from the events module's own builders.

Rules carry the same names, input transformer and tags as deploy's; SNS subscriptions
the same filter policy; mappings the same parameters (``WantedMapping.create_params``,
AWS defaults included). In SAM, SNS and polled sources become the function's
``Events`` (SAM wires them to the alias); schedules stay plain rules because SAM's
``Schedule`` event cannot carry an input transformer.

S3 notifications are the exception: CloudFormation can only declare them on a bucket
it creates, and lw's buckets already exist, so they are left out with a note.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.model import EventBinding
from lw.providers.aws.events.bindings import (
    MAPPING_KINDS,
    SCHEDULE_KINDS,
    aws_bindings,
    is_enabled,
    source_arn,
)
from lw.providers.aws.events.mappings import wanted_mapping
from lw.providers.aws.events.permissions import PRINCIPALS
from lw.providers.aws.events.schedules import wanted_rules
from lw.providers.aws.events.sns import filter_policy
from lw.providers.aws.events.target import Target
from lw.providers.aws.events.validation import validate_bindings
from lw.providers.aws.session import AwsSession
from lw.providers.aws.template.ids import logical_id
from lw.providers.aws.template.resources import TemplateParts

# S3 and SNS have no disabled state: deploy does not wire a disabled entry at all.
_PUSH_KINDS = frozenset({"s3", "sns"})
_SAM_MAPPING_TYPES = {"sqs": ("SQS", "Queue"), "dynamodb": ("DynamoDB", "Stream"), "kinesis": ("Kinesis", "Stream")}


def add_events(ctx: Context, aws: AwsSession, parts: TemplateParts, function: str, alias_arn: str) -> None:
    bindings = aws_bindings(ctx.app)
    validate_bindings(ctx.app, bindings, aws.region)
    target = Target(ctx.app, aws, function, alias_arn)
    wired = [b for b in bindings if is_enabled(b) or b.kind not in _PUSH_KINDS]
    for binding in wired:
        if binding.kind == "s3":
            parts.notes.append(
                f"event {binding.name!r}: the S3 notification on {source_arn(binding)} is not exported "
                "(CloudFormation only declares notifications on buckets it creates); wire it with lw deploy or by hand"
            )
        elif binding.kind == "sns":
            _sns(parts, binding, alias_arn)
        elif binding.kind in MAPPING_KINDS:
            _mapping(parts, target, binding)
    _schedules(parts, target, [b for b in wired if b.kind in SCHEDULE_KINDS])


def _schedules(parts: TemplateParts, target: Target, bindings: list[EventBinding]) -> None:
    for rule in wanted_rules(target, bindings):
        rule_id = logical_id("Rule", rule.name)
        parts.add(
            rule_id,
            "AWS::Events::Rule",
            {
                "Name": rule.name,
                "ScheduleExpression": rule.expression,
                "State": rule.state,
                "Description": rule.description,
                "Targets": [rule.target_spec(target)],
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(rule.tags(target).items())],
            },
        )  # no DependsOn the alias: a rule may exist first, its permission may not
        parts.permission(
            logical_id("RulePermission", rule.name),
            target.alias_arn,
            principal=PRINCIPALS["schedule"],
            source_arn={"Fn::GetAtt": [rule_id, "Arn"]},
        )


def _sns(parts: TemplateParts, binding: EventBinding, alias_arn: str) -> None:
    topic = source_arn(binding)
    policy = filter_policy(binding)
    if parts.sam:
        properties: dict[str, Any] = {"Topic": topic}
        if policy:
            properties["FilterPolicy"] = policy
        parts.sam_events[logical_id("Sns", binding.name)] = {"Type": "SNS", "Properties": properties}
        return
    subscription: dict[str, Any] = {"TopicArn": topic, "Protocol": "lambda", "Endpoint": alias_arn}
    if policy:
        subscription["FilterPolicy"] = policy
    parts.add(logical_id("Subscription", binding.name), "AWS::SNS::Subscription", subscription, [parts.alias_id])
    parts.permission(
        logical_id("SnsPermission", binding.name), alias_arn, principal=PRINCIPALS["sns"], source_arn=topic
    )


def _mapping(parts: TemplateParts, target: Target, binding: EventBinding) -> None:
    params = wanted_mapping(target, binding).create_params(target)
    if not params["FunctionResponseTypes"]:
        del params["FunctionResponseTypes"]
    if parts.sam:
        event_type, source_key = _SAM_MAPPING_TYPES[binding.kind]
        properties = {source_key: params.pop("EventSourceArn")}
        params.pop("FunctionName")
        properties.update(params)
        parts.sam_events[logical_id("Mapping", binding.name)] = {"Type": event_type, "Properties": properties}
        return
    parts.add(logical_id("Mapping", binding.name), "AWS::Lambda::EventSourceMapping", params, [parts.alias_id])
