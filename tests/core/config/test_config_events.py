"""The events list: kinds, sources, schedules, scoping and deterministic names."""

from __future__ import annotations

import re

import pytest
from config_helpers import load, problems_of
from hypothesis import given
from hypothesis import strategies as st

from lw.core.config_names import binding_name
from lw.core.config_values import check_schedule_expression


def events_yaml(*entries: str) -> str:
    return "dev:\n  app_function: app.app\n  events:\n" + "".join(entries)


@pytest.mark.parametrize(
    ("arn", "kind", "extra"),
    [
        ("arn:aws:s3:::bucket", "s3", "      events: [s3:ObjectCreated:*, s3:ObjectRemoved:Delete]\n"),
        ("arn:aws:sns:us-east-1:123456789012:topic", "sns", "      events: [sns:Publish]\n"),
        ("arn:aws:sqs:us-east-1:123456789012:queue", "sqs", "      batch_size: 10\n      batch_window: 5\n"),
        (
            "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000",
            "dynamodb",
            "      starting_position: TRIM_HORIZON\n",
        ),
        ("arn:aws:kinesis:us-east-1:123456789012:stream/s", "kinesis", "      starting_position: LATEST\n"),
        ("arn:aws-cn:sqs:cn-north-1:123456789012:queue", "sqs", ""),
    ],
)
def test_event_source_kind_comes_from_the_arn(write, arn, kind, extra):
    app = load(write(events_yaml(f"  - function: jobs.handle\n    event_source:\n      arn: '{arn}'\n{extra}")))
    (event,) = app.events
    assert (event.kind, event.source, event.function) == (kind, arn, "jobs.handle")
    assert re.fullmatch(rf"handle-{kind}-[0-9a-f]{{6}}", event.name)
    assert "arn" not in event.options


def test_schedules_from_expression_string_or_list(write):
    app = load(
        write(
            events_yaml(
                "  - function: jobs.nightly\n    expression: cron(0 2 * * ? *)\n    description: nightly\n",
                "  - function: jobs.often\n    expression: [rate(1 minute), rate(2 hours)]\n    kwargs: {a: 1}\n",
                "  - function: jobs.zappa_style\n    expressions: [rate(1 day)]\n    enabled: false\n",
            )
        )
    )
    nightly, often, zappa_style = app.events
    assert (nightly.kind, nightly.expressions, nightly.source) == ("schedule", ("cron(0 2 * * ? *)",), None)
    assert nightly.options == {"description": "nightly"}
    assert often.expressions == ("rate(1 minute)", "rate(2 hours)") and often.options == {"kwargs": {"a": 1}}
    assert zappa_style.expressions == ("rate(1 day)",) and zappa_style.enabled is False


def test_trigger_and_feed_events(write):
    app = load(
        write(
            events_yaml(
                "  - function: jobs.on_signal\n    trigger: signals\n    providers: [openwhisk]\n",
                "  - function: jobs.on_message\n    feed: /whisk.system/messaging/messageHubFeed\n"
                "    parameters: {topic: orders}\n    provider: openwhisk\n",
            )
        )
    )
    trigger, feed = app.events
    assert (trigger.kind, trigger.source, trigger.providers) == ("trigger", "signals", ("openwhisk",))
    assert (feed.kind, feed.source) == ("feed", "/whisk.system/messaging/messageHubFeed")
    assert feed.options == {"parameters": {"topic": "orders"}}
    assert feed.providers == ("openwhisk",)
    assert app.events_for("aws") == () and app.events_for("openwhisk") == (trigger, feed)


def test_keep_warm_is_a_setting_not_an_event(write):
    app = load(write("dev:\n  app_function: app.app\n  keep_warm: false\n"))
    assert app.events == () and app.keep_warm is False


def test_event_problems_are_all_reported(write):
    path = write(
        events_yaml(
            "  - event_source: {arn: 'arn:aws:s3:::b', events: ['s3:ObjectCreated:*']}\n",
            "  - function: jobs.a\n",
            "  - function: jobs.b\n    expression: rate(5 minutes)\n    trigger: t\n",
            "  - function: jobs.c\n    event_source: {arn: 'arn:aws:lambda:us-east-1:123456789012:function:f'}\n",
            "  - function: jobs.d\n    event_source: {arn: 'arn:aws:s3:::b'}\n",
            "  - function: jobs.e\n    event_source: {arn: 'arn:aws:s3:::b', events: [ObjectCreated], "
            "key_filters: [{type: middle, value: x}]}\n",
            "  - function: jobs.f\n    event_source: {arn: 'arn:aws:sqs:us-east-1:123456789012:q', batch_sise: 5}\n",
            "  - function: jobs.g\n    event_source: {arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t'}\n",
            "  - function: jobs.h\n    expression: cron(0 12 * * *)\n    fuction: x\n",
            "  - function: jobs.i\n    expression: cron(0 12 1 * 1 *)\n    parameters: {a: 1}\n",
            "  - just a string\n",
        )
    )
    p = "lw.yml: stage 'dev': events"
    assert problems_of(path) == [
        f"{p}[0].function: missing: expected the dotted path of the function to call",
        f"{p}[1]: expected exactly one of event_source, expression, trigger, feed, got none",
        f"{p}[2]: expected exactly one of event_source, expression, trigger, feed, got expression and trigger",
        f"{p}[3].event_source.arn: expected an ARN of s3, sns, sqs, dynamodb, kinesis (arn:aws:<service>:...), "
        "got 'arn:aws:lambda:us-east-1:123456789012:function:f'",
        f"{p}[4].event_source.events: missing: expected S3 event types such as ['s3:ObjectCreated:*']",
        f"{p}[5].event_source.events[0]: expected an S3 event type such as 's3:ObjectCreated:*', got 'ObjectCreated'",
        f"{p}[5].event_source.key_filters[0]: expected {{type: prefix|suffix, value: <string>}}",
        f"{p}[6].event_source.batch_sise: unknown key for sqs sources (did you mean 'batch_size'?); "
        "expected some of arn, enabled, batch_size, batch_window",
        f"{p}[7].event_source.arn: expected a dynamodb stream ARN (…/stream/…), "
        "got 'arn:aws:dynamodb:us-east-1:123456789012:table/t'",
        f"{p}[8].fuction: unknown event key (did you mean 'function'?)",
        f"{p}[8].expression: expected 6 cron fields (minutes hours day-of-month month day-of-week year), "
        "got 5 in 'cron(0 12 * * *)'",
        f"{p}[9].parameters: parameters apply only to trigger and feed events",
        f"{p}[9].expression: expected '?' in exactly one of day-of-month and day-of-week, got 'cron(0 12 1 * 1 *)'",
        f"{p}[10]: expected a mapping with 'function' and a source, got 'just a string'",
    ]


def test_events_must_be_a_list(write):
    assert problems_of(write("dev:\n  app_function: app.app\n  events: {function: a.b}\n")) == [
        "lw.yml: stage 'dev': events: expected list, got a mapping"
    ]


def test_provider_scoping_typos_of_installed_providers(write):
    path = write(
        events_yaml(
            "  - function: jobs.a\n    expression: rate(5 minutes)\n    providers: [openwisk]\n",
            "  - function: jobs.b\n    expression: rate(5 minutes)\n    providers: [aws]\n    provider: aws\n",
            "  - function: jobs.c\n    expression: rate(5 minutes)\n    providers: []\n",
        )
    )
    assert problems_of(path) == [
        "lw.yml: stage 'dev': events[0].providers: unknown provider 'openwisk' (did you mean 'openwhisk'?)",
        "lw.yml: stage 'dev': events[1].providers: expected either providers or provider, got both",
        "lw.yml: stage 'dev': events[2].providers: expected a provider name or a list of them, got a list",
    ]


def test_scoping_to_a_provider_not_installed_here_is_allowed(write):
    app = load(write(events_yaml("  - function: jobs.a\n    expression: rate(5 minutes)\n    provider: gcp\n")))
    assert app.events[0].providers == ("gcp",) and app.events_for("aws") == ()


def test_names_are_deterministic_and_distinct(write):
    text = events_yaml(
        "  - function: pkg.users.thumbnailer\n    event_source: {arn: 'arn:aws:s3:::a', events: ['s3:ObjectCreated:*']}\n",
        "  - function: pkg.users.thumbnailer\n    event_source: {arn: 'arn:aws:s3:::b', events: ['s3:ObjectCreated:*']}\n",
        "  - function: pkg.other.thumbnailer\n    event_source: {arn: 'arn:aws:s3:::a', events: ['s3:ObjectCreated:*']}\n",
    )
    first = [e.name for e in load(write(text)).events]
    assert first == [e.name for e in load(write(text)).events]
    assert len(set(first)) == 3
    batch_changed = text.replace("events: ['s3:ObjectCreated:*']}\n", "events: ['s3:ObjectRemoved:*']}\n", 1)
    assert [e.name for e in load(write(batch_changed)).events] == first  # options do not rename


def test_explicit_names_and_duplicates(write):
    app = load(write(events_yaml("  - function: jobs.a\n    expression: rate(5 minutes)\n    name: Nightly_Report\n")))
    assert app.events[0].name == "nightly-report"
    same = "  - function: jobs.a\n    expression: rate(5 minutes)\n"
    assert problems_of(write(events_yaml(same, same))) == [
        "lw.yml: stage 'dev': events[1]: same name "
        f"{load(write(events_yaml(same))).events[0].name!r} as events[0] "
        "(same function and source, or same 'name'); remove one or give each a name"
    ]


def test_events_alone_are_a_deployable_stage(write):
    app = load(write("dev:\n  events:\n  - function: jobs.a\n    expression: rate(5 minutes)\n"))
    assert app.app_function is None and len(app.events) == 1


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(10 minutes)",
        "rate(1 hour)",
        "rate(3 days)",
        "cron(0 12 * * ? *)",
        "cron(15 10 ? * MON-FRI *)",
        "cron(0/5 8-17 ? * 2-6 2026)",
        "cron(0 0 L * ? *)",
    ],
)
def test_valid_schedule_expressions(expression):
    assert check_schedule_expression(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(2 minute)",
        "rate(5 seconds)",
        "rate(five minutes)",
        "cron(0 12 * * ? * *)",
        "cron(0 12 * * * *)",
        "cron(0 12 ? * ? *)",
        "cron(0 12 * * ? $)",
        "*/5 * * * *",
        5,
    ],
)
def test_invalid_schedule_expressions(expression):
    assert check_schedule_expression(expression) is not None


@given(
    function=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}(\.[A-Za-z_][A-Za-z0-9_]{0,60}){1,4}", fullmatch=True),
    kind=st.sampled_from(["s3", "sns", "sqs", "dynamodb", "kinesis", "schedule", "trigger", "feed"]),
    source=st.one_of(st.none(), st.text(max_size=200)),
)
def test_binding_names_fit_every_provider(function, kind, source):
    name = binding_name(function, kind, source, ())
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", name)
    assert len(name) <= 40
    assert name == binding_name(function, kind, source, ())
