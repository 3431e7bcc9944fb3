"""Each kind of event source is wired as AWS needs it, against moto in server mode."""

from __future__ import annotations

import json
from typing import Any

from events_helpers import (
    ACCOUNT,
    ALIAS_ARN,
    FUNCTION,
    apply,
    make_ctx,
    mutating,
    s3_event,
    schedule_event,
    sns_event,
    sqs_event,
    stream_event,
)

from lw.providers.aws.events import plan_events


def _policy(aws: Any) -> dict[str, dict[str, Any]]:
    policy = json.loads(aws.client("lambda").get_policy(FunctionName=FUNCTION, Qualifier="live")["Policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_s3_notification_merges_with_foreign_entries_and_grants_s3(aws, function, sources):
    s3 = aws.client("s3")
    sqs_arn = sources["queue"]
    foreign_lambda = {
        "Id": "someone-elses",
        "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other",
        "Events": ["s3:ObjectRemoved:*"],
    }
    foreign_queue = {"Id": "audit-queue", "QueueArn": sqs_arn, "Events": ["s3:ObjectCreated:*"]}
    s3.put_bucket_notification_configuration(
        Bucket="upload-bucket",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [foreign_lambda],
            "QueueConfigurations": [foreign_queue],
        },
    )
    binding = s3_event(
        key_filters=[{"type": "prefix", "value": "in/"}, {"type": "suffix", "value": ".png"}],
        events=["s3:ObjectCreated:Put", "s3:ObjectCreated:Post"],
    )

    changes = plan_events(make_ctx([binding]), aws, FUNCTION, function)
    assert [c.action for c in mutating(changes)] == ["create", "create"]
    assert "lambda permission" in mutating(changes)[0].resource  # granted before S3 checks it
    apply(changes)

    config = s3.get_bucket_notification_configuration(Bucket="upload-bucket")
    assert config["QueueConfigurations"] == [foreign_queue]
    lambdas = {c["Id"]: c for c in config["LambdaFunctionConfigurations"]}
    assert lambdas["someone-elses"] == foreign_lambda
    ours = lambdas["lw-shop-dev-thumb-s3-aaaaaa"]
    assert ours["LambdaFunctionArn"] == ALIAS_ARN
    assert sorted(ours["Events"]) == ["s3:ObjectCreated:Post", "s3:ObjectCreated:Put"]
    rules = {r["Name"].lower(): r["Value"] for r in ours["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "in/", "suffix": ".png"}

    statement = _policy(aws)["lwevent-thumb-s3-aaaaaa"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == "arn:aws:s3:::upload-bucket"
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == ACCOUNT


def test_sns_subscription_with_filter_policy(aws, function, sources):
    binding = sns_event(sources["topic"], filters={"kind": ["order"], "size": [{"numeric": [">", 10]}]})
    apply(plan_events(make_ctx([binding]), aws, FUNCTION, function))

    sns = aws.client("sns")
    subs = sns.list_subscriptions_by_topic(TopicArn=sources["topic"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("lambda", ALIAS_ARN)]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subs[0]["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["order"], "size": [{"numeric": [">", 10]}]}
    statement = _policy(aws)["lwevent-notify-sns-bbbbbb"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == sources["topic"]


def test_event_source_mappings_for_sqs_dynamodb_and_kinesis(aws, function, sources):
    bindings = [
        sqs_event(sources["queue"], batch_size=20, batch_window=5),
        stream_event("dynamodb", sources["table"], batch_size=50),  # a table ARN resolves to its stream
        stream_event("kinesis", sources["kinesis"], starting_position="TRIM_HORIZON", enabled=False),
    ]
    apply(plan_events(make_ctx(bindings), aws, FUNCTION, function))

    listed = aws.client("lambda").list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    by_source = {m["EventSourceArn"]: m for m in listed}
    assert set(by_source) == {sources["queue"], sources["table_stream"], sources["kinesis"]}
    queue = by_source[sources["queue"]]
    assert (queue["BatchSize"], queue["MaximumBatchingWindowInSeconds"]) == (20, 5)
    assert queue["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue["State"] == "Enabled"
    table = by_source[sources["table_stream"]]
    assert (table["BatchSize"], table["StartingPosition"]) == (50, "LATEST")
    stream = by_source[sources["kinesis"]]
    assert (stream["StartingPosition"], stream["State"], stream["BatchSize"]) == ("TRIM_HORIZON", "Disabled", 100)


def test_schedule_rules_carry_the_binding_in_their_input(aws, function):
    binding = schedule_event("rate(1 hour)", "cron(0 3 * * ? *)")
    ctx = make_ctx([binding], keep_warm=True, settings={"tags": {"team": "web"}})
    apply(plan_events(ctx, aws, FUNCTION, function))

    events = aws.client("events")
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix="shop-dev-")["Rules"]}
    assert set(rules) == {
        "shop-dev-nightly-schedule-eeeeee-1",
        "shop-dev-nightly-schedule-eeeeee-2",
        "shop-dev-keep-warm",
    }
    assert rules["shop-dev-nightly-schedule-eeeeee-1"]["ScheduleExpression"] == "rate(1 hour)"
    assert rules["shop-dev-nightly-schedule-eeeeee-2"]["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert rules["shop-dev-keep-warm"]["ScheduleExpression"] == "rate(4 minutes)"
    tags = {
        t["Key"]: t["Value"]
        for t in events.list_tags_for_resource(ResourceARN=rules["shop-dev-keep-warm"]["Arn"])["Tags"]
    }
    assert tags == {"lw:project": "shop", "lw:stage": "dev", "lw:binding": "keep-warm", "team": "web"}

    (target,) = events.list_targets_by_rule(Rule="shop-dev-nightly-schedule-eeeeee-2")["Targets"]
    assert target["Arn"] == ALIAS_ARN
    rendered = _render(
        target["InputTransformer"],
        {
            "version": "0",
            "id": "89d1a02d",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": "2026-11-26T03:00:00Z",
            "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/shop-dev-nightly-schedule-eeeeee-2"],
            "detail": {},
        },
    )
    assert rendered["lw_binding"] == "nightly-schedule-eeeeee"
    assert rendered["detail-type"] == "Scheduled Event" and rendered["resources"][0].endswith("eeeeee-2")
    assert rendered["detail"] == {} and rendered["time"] == "2026-11-26T03:00:00Z"

    policy = _policy(aws)
    assert {s["Principal"]["Service"] for s in policy.values()} == {"events.amazonaws.com"}
    assert {s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy.values()} == {r["Arn"] for r in rules.values()}


def test_disabled_schedule_is_a_disabled_rule(aws, function):
    apply(plan_events(make_ctx([schedule_event("rate(5 minutes)", enabled=False)]), aws, FUNCTION, function))
    (rule,) = aws.client("events").list_rules(NamePrefix="shop-dev-")["Rules"]
    assert rule["State"] == "DISABLED"


def test_first_deploy_plans_before_the_function_exists(aws, sources, call_counter):
    """On a first deploy the events are planned while the function is still a plan."""
    from lw.providers.aws.events.target import alias_arn_for

    bindings = [s3_event(), sqs_event(sources["queue"]), schedule_event("rate(5 minutes)")]
    changes = plan_events(make_ctx(bindings), aws, FUNCTION, alias_arn_for(aws, FUNCTION))
    assert call_counter.mutating == []
    assert [c.action for c in changes] == ["create"] * 5  # 2 permissions, bucket, mapping, rule


def _render(transformer: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What EventBridge delivers: quoted placeholders get the string, bare ones JSON."""
    text = transformer["InputTemplate"]
    for key, path in transformer["InputPathsMap"].items():
        value = event[path.removeprefix("$.")]
        text = text.replace(f'"<{key}>"', json.dumps(value)).replace(f"<{key}>", json.dumps(value))
    return json.loads(text)
