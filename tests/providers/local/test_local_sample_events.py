"""``lw invoke --event KIND``: documented AWS record shapes, filled from the stage."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lw.core.errors import UsageError
from lw.core.model import AppModel, EventBinding
from lw.core.sample_events import kinds, make, schedule_event

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def app(*events: EventBinding) -> AppModel:
    return AppModel(
        project_name="demo",
        stage="dev",
        provider="local",
        project_dir=Path("."),
        config_file=Path("lw.yml"),
        app_function="app.app",
        events=events,
    )


THUMBS = EventBinding(name="thumbs", function="t.make", kind="s3", source="arn:aws:s3:::upload-bucket")
QUEUE = EventBinding(name="jobs", function="t.job", kind="sqs", source="arn:aws:sqs:eu-west-1:111122223333:jobs")
NIGHTLY = EventBinding(name="nightly", function="t.clean", kind="schedule", expressions=("cron(0 3 * * ? *)",))


def test_every_kind_builds() -> None:
    assert set(kinds()) == {"s3", "sqs", "sns", "schedule", "dynamodb", "kinesis"}
    for kind in kinds():
        assert make(kind, now=NOW)


def test_s3_takes_the_bucket_from_the_stage_binding() -> None:
    record = make("s3", app=app(THUMBS), key="a.png", now=NOW)["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"].startswith("ObjectCreated")
    assert record["s3"]["bucket"] == {
        "name": "upload-bucket",
        "ownerIdentity": {"principalId": "EXAMPLE"},
        "arn": "arn:aws:s3:::upload-bucket",
    }
    assert record["s3"]["object"]["key"] == "a.png"


def test_bucket_on_the_command_line_wins() -> None:
    record = make("s3", app=app(THUMBS), bucket="other", key="k", now=NOW)["Records"][0]
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::other"


def test_sqs_uses_the_queue_arn_and_its_region() -> None:
    record = make("sqs", app=app(QUEUE), body="hello", now=NOW)["Records"][0]
    assert record["eventSourceARN"] == QUEUE.source and record["awsRegion"] == "eu-west-1"
    assert record["body"] == "hello" and record["eventSource"] == "aws:sqs"


def test_kinesis_data_is_base64_and_dynamodb_arn_is_a_stream() -> None:
    kinesis = make("kinesis", body="payload", now=NOW)["Records"][0]
    assert base64.b64decode(kinesis["kinesis"]["data"]) == b"payload"
    dynamodb = make("dynamodb", source="arn:aws:dynamodb:us-east-1:123456789012:table/t", now=NOW)["Records"][0]
    assert "/stream/" in dynamodb["eventSourceARN"]


def test_schedule_names_the_binding_and_its_rule() -> None:
    event = make("schedule", app=app(NIGHTLY), now=NOW)
    assert event["detail-type"] == "Scheduled Event" and event["lw_binding"] == "nightly"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/demo-dev-nightly"]
    assert event["time"] == "2026-11-26T15:00:00Z"


def test_a_source_that_is_not_an_arn_names_a_binding() -> None:
    event = make("schedule", app=app(THUMBS, NIGHTLY), source="nightly", now=NOW)
    assert event["lw_binding"] == "nightly"
    with pytest.raises(UsageError, match="no event named 'nope'"):
        make("schedule", app=app(NIGHTLY), source="nope")


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match="choose one of: dynamodb, kinesis, s3"):
        make("ftp")


def test_schedule_event_without_binding_has_no_lw_binding() -> None:
    assert "lw_binding" not in schedule_event(None, rule_name="r", when=NOW)
