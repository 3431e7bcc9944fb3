"""Redeploys, edits, removals and status of event bindings, against moto in server mode."""

from __future__ import annotations

import dataclasses

import pytest
from events_helpers import ALIAS_ARN, FUNCTION, apply, make_ctx, mutating, s3_event, schedule_event, sqs_event

from lw.core.errors import ProviderError
from lw.providers.aws.events import describe_events, plan_events, plan_events_removal

FOREIGN = {
    "Id": "audit",
    "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:audit",
    "Events": ["s3:ObjectRemoved:*"],
}


def _add_foreign_notification(aws) -> None:
    aws.client("s3").put_bucket_notification_configuration(
        Bucket="upload-bucket", NotificationConfiguration={"LambdaFunctionConfigurations": [FOREIGN]}
    )


def _wired(aws, sources) -> dict[str, object]:
    """Everything that could be wired for the stage, read back from AWS."""
    lam, events, sns, s3 = (aws.client(n) for n in ("lambda", "events", "sns", "s3"))
    notifications = s3.get_bucket_notification_configuration(Bucket="upload-bucket")
    return {
        "rules": sorted(r["Name"] for r in events.list_rules(NamePrefix="shop-dev-")["Rules"]),
        "mappings": sorted(
            m["EventSourceArn"] for m in lam.list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
        ),
        "subscriptions": [
            s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=sources["topic"])["Subscriptions"]
        ],
        "notifications": sorted(c["Id"] for c in notifications.get("LambdaFunctionConfigurations") or []),
    }


def test_unchanged_redeploy_makes_zero_mutating_calls(aws, function, all_events, call_counter):
    ctx = make_ctx(all_events(), keep_warm=True)
    apply(plan_events(ctx, aws, FUNCTION, function))

    call_counter.clear()
    changes = plan_events(ctx, aws, FUNCTION, function)
    assert mutating(changes) == []
    assert call_counter.mutating == []
    assert len(changes) >= 9  # every binding is reported, as a noop


def test_changed_options_update_in_place(aws, function, sources, call_counter):
    from events_helpers import sns_event

    before = [
        sqs_event(sources["queue"], batch_size=5),
        schedule_event("rate(1 hour)"),
        sns_event(sources["topic"], filters={"kind": ["a"]}),
    ]
    apply(plan_events(make_ctx(before), aws, FUNCTION, function))
    after = [
        sqs_event(sources["queue"], batch_size=7),
        schedule_event("rate(2 hours)"),
        sns_event(sources["topic"], filters={"kind": ["b"]}),
    ]

    changes = mutating(plan_events(make_ctx(after), aws, FUNCTION, function))
    assert sorted(c.action for c in changes) == ["update", "update", "update"]
    call_counter.clear()
    apply(changes)
    assert sorted(op for _, op in call_counter.mutating) == [
        "PutRule",
        "SetSubscriptionAttributes",
        "UpdateEventSourceMapping",
    ]
    assert mutating(plan_events(make_ctx(after), aws, FUNCTION, function)) == []
    (mapping,) = aws.client("lambda").list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    assert mapping["BatchSize"] == 7


def test_removing_a_binding_deletes_exactly_it(aws, function, sources, all_events):
    _add_foreign_notification(aws)
    bindings = all_events()
    apply(plan_events(make_ctx(bindings, keep_warm=True), aws, FUNCTION, function))
    before = _wired(aws, sources)
    assert before["notifications"] == ["audit", "lw-shop-dev-thumb-s3-aaaaaa"]

    kept = [b for b in bindings if b.kind not in ("s3", "sqs")]
    changes = mutating(plan_events(make_ctx(kept, keep_warm=False), aws, FUNCTION, function))
    assert sorted(c.action for c in changes) == ["delete"] * 5  # notification, mapping, rule, 2 permissions
    apply(changes)

    after = _wired(aws, sources)
    assert after["notifications"] == ["audit"]
    assert after["mappings"] == sorted(m for m in before["mappings"] if m != sources["queue"])
    assert after["rules"] == [r for r in before["rules"] if r != "shop-dev-keep-warm"]
    assert after["subscriptions"] == before["subscriptions"] == [ALIAS_ARN]
    assert mutating(plan_events(make_ctx(kept), aws, FUNCTION, function)) == []


def test_removal_leaves_nothing_and_keeps_foreign_entries(aws, function, sources, all_events):
    _add_foreign_notification(aws)
    ctx = make_ctx(all_events(), keep_warm=True)
    apply(plan_events(ctx, aws, FUNCTION, function))

    removal = plan_events_removal(ctx, aws, FUNCTION)
    assert all(c.action == "delete" for c in removal)
    apply(removal)
    assert _wired(aws, sources) == {"rules": [], "mappings": [], "subscriptions": [], "notifications": ["audit"]}
    assert plan_events_removal(ctx, aws, FUNCTION) == []


def test_removal_from_a_checkout_without_the_events_in_lw_yml(aws, function, sources, all_events):
    """Remote state alone finds what to remove (the policy names buckets and topics)."""
    apply(plan_events(make_ctx(all_events(), keep_warm=True), aws, FUNCTION, function))
    apply(plan_events_removal(make_ctx([], keep_warm=False), aws, FUNCTION))
    assert _wired(aws, sources) == {"rules": [], "mappings": [], "subscriptions": [], "notifications": []}


def test_other_stages_are_left_alone(aws, function, sources):
    """``shop-dev-`` is also the start of stage ``dev-eu``'s names: ownership is by tag
    and function ARN, not by prefix alone."""
    from events_helpers import create_function

    other_alias = create_function(aws, "shop-dev-eu")
    other = make_ctx([schedule_event("rate(1 hour)"), s3_event(name="eu-s3-ffffff")], stage="dev-eu")
    apply(plan_events(other, aws, "shop-dev-eu", other_alias))
    ours = make_ctx([s3_event()])
    apply(plan_events(ours, aws, FUNCTION, function))

    apply(plan_events_removal(ours, aws, FUNCTION))
    rules = [r["Name"] for r in aws.client("events").list_rules(NamePrefix="shop-dev-")["Rules"]]
    assert rules == ["shop-dev-eu-nightly-schedule-eeeeee"]
    ids = [
        c["Id"]
        for c in aws.client("s3").get_bucket_notification_configuration(Bucket="upload-bucket")[
            "LambdaFunctionConfigurations"
        ]
    ]
    assert ids == ["lw-shop-dev-eu-eu-s3-ffffff"]


def test_a_foreign_rule_with_lws_name_is_never_overwritten(aws, function):
    aws.client("events").put_rule(Name="shop-dev-nightly-schedule-eeeeee", ScheduleExpression="rate(1 day)")
    with pytest.raises(ProviderError, match="not tagged"):
        plan_events(make_ctx([schedule_event("rate(1 hour)")]), aws, FUNCTION, function)


def test_starting_position_change_recreates_the_mapping(aws, function, sources):
    from events_helpers import stream_event

    apply(plan_events(make_ctx([stream_event("kinesis", sources["kinesis"])]), aws, FUNCTION, function))
    edited = make_ctx([stream_event("kinesis", sources["kinesis"], starting_position="TRIM_HORIZON")])
    (change,) = mutating(plan_events(edited, aws, FUNCTION, function))
    assert "recreated" in change.reason
    apply([change])
    (mapping,) = aws.client("lambda").list_event_source_mappings(FunctionName=ALIAS_ARN)["EventSourceMappings"]
    assert mapping["StartingPosition"] == "TRIM_HORIZON"


def test_describe_events_reports_each_binding_state(aws, function, sources, all_events):
    bindings = all_events()
    apply(plan_events(make_ctx(bindings[:3]), aws, FUNCTION, function))
    disabled = dataclasses.replace(bindings[2], enabled=False)
    rows = describe_events(make_ctx([bindings[0], bindings[1], disabled, bindings[5]]), aws, FUNCTION)
    states = {(r["kind"], r["name"]): r["state"] for r in rows}
    assert states == {
        ("s3", "thumb-s3-aaaaaa"): "enabled",
        ("sns", "notify-sns-bbbbbb"): "enabled",
        ("sqs", "work-sqs-cccccc"): "enabled",  # what AWS runs, until the next deploy disables it
        ("schedule", "nightly-schedule-eeeeee"): "missing",
    }
    rows = describe_events(make_ctx([bindings[1]]), aws, FUNCTION)
    assert {(r["kind"], r["state"]) for r in rows} == {
        ("sns", "enabled"),
        ("s3", "not configured"),
        ("sqs", "not configured"),
    }
    assert all(set(r) == {"name", "kind", "function", "source", "resource", "state"} for r in rows)


def test_disabling_a_push_source_unwires_it(aws, function, sources):
    from events_helpers import sns_event

    wired = [s3_event(), sns_event(sources["topic"])]
    apply(plan_events(make_ctx(wired), aws, FUNCTION, function))
    disabled = [dataclasses.replace(b, enabled=False) for b in wired]
    changes = mutating(plan_events(make_ctx(disabled), aws, FUNCTION, function))
    assert sorted(c.action for c in changes) == ["delete"] * 4  # notification, subscription, 2 permissions
    apply(changes)
    assert _wired(aws, sources)["notifications"] == [] and _wired(aws, sources)["subscriptions"] == []
    rows = describe_events(make_ctx(disabled), aws, FUNCTION)
    assert {(r["kind"], r["state"]) for r in rows} == {("s3", "disabled"), ("sns", "disabled")}


def test_missing_sources_are_named_at_plan_time(aws, function, call_counter):
    from events_helpers import sns_event

    with pytest.raises(ProviderError, match="bucket 'upload-bucket' does not exist"):
        plan_events(make_ctx([s3_event()]), aws, FUNCTION, function)
    with pytest.raises(ProviderError, match="topic .*:gone does not exist"):
        plan_events(make_ctx([sns_event("arn:aws:sns:us-east-1:123456789012:gone")]), aws, FUNCTION, function)
    assert call_counter.mutating == []


@pytest.mark.parametrize(
    "service, operation, step",
    [
        ("s3", "PutBucketNotificationConfiguration", "write bucket notifications"),
        ("lambda", "CreateEventSourceMapping", "create event source mapping"),
        ("events", "PutTargets", "create schedule rule"),
        ("sns", "Subscribe", "subscribe"),
    ],
)
def test_a_failed_step_is_named_and_a_rerun_converges(aws, function, all_events, fault, service, operation, step):
    from lw.core.errors import ApplyError

    ctx = make_ctx(all_events(), keep_warm=True)
    fault.fail(service, operation)
    with pytest.raises(ApplyError) as raised:
        apply(plan_events(ctx, aws, FUNCTION, function))
    assert raised.value.step == step and "injected failure" in str(raised.value)

    apply(plan_events(ctx, aws, FUNCTION, function))
    assert mutating(plan_events(ctx, aws, FUNCTION, function)) == []
