"""Non-HTTP AWS events routed to the functions of the stage's ``events`` setting."""

from __future__ import annotations

import pytest

import rt_events
from lw.runtime.aws import make_handler

from .conftest import load_event


def binding(name: str, function: str, kind: str, source: str | None) -> dict:
    return {"name": name, "function": function, "kind": kind, "source": source}


EVENTS = [
    binding("uploads", "rt_events.record", "s3", "arn:aws:s3:::example-bucket"),
    binding("alerts", "rt_events.record", "sns", "arn:aws:sns:us-east-1:123456789012:sns-lambda"),
    binding("jobs", "rt_events.partial_failure", "sqs", "arn:aws:sqs:us-east-2:123456789012:my-queue"),
    binding(
        "changes",
        "rt_events.record",
        "dynamodb",
        "arn:aws:dynamodb:us-west-2:123456789012:table/ExampleTableWithStream",
    ),
    binding(
        "clicks", "rt_events.not_a_report", "kinesis", "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
    ),
    {"name": "nightly", "function": "rt_events.scheduled", "kind": "schedule", "source": None},
    {"name": "keep-warm", "function": "", "kind": "keep_warm", "source": None},
]


def untouchable_app(environ, start_response):
    raise AssertionError("the app must not be called for events")


@pytest.fixture
def handler():
    rt_events.CALLS.clear()
    return make_handler(untouchable_app, events=EVENTS, project_name="shop", stage="dev", log_requests=False)


def test_s3_goes_to_its_function(handler, context):
    assert handler(load_event("aws/s3_put"), context) == {"handled": 1}
    assert rt_events.CALLS[0][0] == "record"


def test_s3_binding_may_name_the_bucket_only(context):
    events = [{"name": "b", "function": "rt_events.record", "kind": "s3", "source": "example-bucket"}]
    handler = make_handler(untouchable_app, events=events)
    assert handler(load_event("aws/s3_put"), context) == {"handled": 1}


def test_sns_goes_to_its_function(handler, context):
    assert handler(load_event("aws/sns"), context) == {"handled": 1}


def test_sqs_partial_batch_failure_is_passed_back(handler, context):
    event = load_event("aws/sqs")
    result = handler(event, context)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_stream_result_without_report_is_success(handler, context):
    assert handler(load_event("aws/kinesis"), context) is None
    assert rt_events.CALLS[0][0] == "not_a_report"


def test_dynamodb_stream_matches_its_table_arn(handler, context):
    assert handler(load_event("aws/dynamodb"), context) is None  # batch kind: only reports pass
    assert rt_events.CALLS[0][0] == "record"


def test_dynamodb_stream_matches_a_stream_arn_binding(context):
    arn = load_event("aws/dynamodb")["Records"][0]["eventSourceARN"]
    handler = make_handler(
        untouchable_app,
        events=[{"name": "t", "function": "rt_events.partial_failure", "kind": "dynamodb", "source": arn}],
    )
    event = load_event("aws/dynamodb")
    event["Records"][1]["messageId"] = "2"
    assert handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def test_scheduled_event_by_rule_name(handler, context):
    event = load_event("aws/eventbridge_scheduled")
    event["resources"] = ["arn:aws:events:us-east-2:123456789012:rule/shop-dev-nightly"]
    assert handler(event, context) == "done"


def test_scheduled_event_by_lw_binding(handler, context):
    event = load_event("aws/eventbridge_scheduled")
    event["lw_binding"] = "nightly"
    assert handler(event, context) == "done"
    assert rt_events.CALLS[0][1]["lw_binding"] == "nightly"


def test_keep_warm_returns_at_once(handler, context):
    event = load_event("aws/eventbridge_scheduled")
    event["lw_binding"] = "keep-warm"
    assert handler(event, context) == {"lw": "warm"}
    assert rt_events.CALLS == []


@pytest.mark.parametrize(
    "event, words",
    [
        ({"foo": 1, "bar": 2}, "keys: bar, foo"),
        ({"Records": [{"eventSource": "aws:ses"}]}, "aws:ses"),
        ({"Records": [{"eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:x:1:other"}]}, "arn:aws:sqs:x:1:other"),
        ({"source": "aws.events", "resources": ["arn:aws:events:r:1:rule/unknown"]}, "rule/unknown"),
        ({"lw_binding": "nope"}, "'nope'"),
        ([1, 2], "list"),
        ("text", "str"),
    ],
)
def test_unknown_events_get_a_clear_error(handler, context, event, words, capsys):
    result = handler(event, context)
    assert set(result) == {"error"} and words in result["error"]
    assert words in capsys.readouterr().err


def test_event_function_errors_propagate_for_retries_and_are_reported(context):
    rt_events.REPORTED.clear()
    events = [binding("q", "rt_events.fail", "sqs", "arn:aws:sqs:us-east-2:123456789012:my-queue")]
    handler = make_handler(untouchable_app, events=events, exception_handler="rt_events.report")
    with pytest.raises(ValueError, match="on purpose"):
        handler(load_event("aws/sqs"), context)
    assert len(rt_events.REPORTED) == 1


def test_events_only_stage_needs_no_app(context):
    handler = make_handler(None, events=EVENTS)
    assert handler(load_event("aws/sns"), context) == {"handled": 1}
