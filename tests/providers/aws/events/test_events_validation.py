"""Invalid entries are rejected before any AWS call, all at once, naming each event."""

from __future__ import annotations

from pathlib import Path

import pytest
from events_helpers import FUNCTION, make_ctx, mutating, s3_event, schedule_event, sqs_event, stream_event

from lw.core.errors import ConfigError
from lw.core.model import EventBinding
from lw.providers.aws.events import plan_events
from lw.providers.aws.events.expressions import expression_problem

SEED = """\
dev:
  app_function: your_project.main.app
  events:
  - function: your_project.users.thumbnailer
    event_source:
      arn: arn:aws:s3:::upload-bucket
      events:
      - s3:ObjectCreated:*
"""


def test_invalid_entries_are_all_reported_before_any_call(aws, call_counter):
    bindings = [
        sqs_event("arn:aws:sns:us-east-1:123456789012:orders", name="wrong-kind"),
        schedule_event("rate(5 minute)", name="bad-rate"),
        schedule_event("cron(0 12 * * *)", name="five-field-cron"),
        stream_event("kinesis", "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks", name="other-region"),
        sqs_event("arn:aws:sqs:us-east-1:123456789012:jobs", name="big-batch", batch_size=100),
        EventBinding(name="ow-trigger", function="app.fn", kind="trigger", source="my-trigger"),
        s3_event(name="bad-filter", key_filters=[{"type": "middle", "value": "x"}]),
    ]
    with pytest.raises(ConfigError) as raised:
        plan_events(make_ctx(bindings), aws, FUNCTION, "arn:aws:lambda:us-east-1:123456789012:function:shop-dev:live")
    assert call_counter.calls == []
    problems = "\n".join(raised.value.problems)
    assert len(raised.value.problems) == 7
    for expected in (
        "'wrong-kind'",
        "is not a sqs ARN",
        "'bad-rate'",
        "'minutes' with 5",
        "'five-field-cron'",
        "6 fields",
        "'other-region'",
        "eu-west-1",
        "'big-batch'",
        "batch_window",
        "'ow-trigger'",
        "cannot run on AWS",
        "'bad-filter'",
        "key_filters",
    ):
        assert expected in problems
    assert "lw.yml" in str(raised.value) and "'dev'" in str(raised.value)


def test_duplicate_sources_are_rejected(aws, call_counter):
    queue = "arn:aws:sqs:us-east-1:123456789012:jobs"
    with pytest.raises(ConfigError, match="same source"):
        plan_events(make_ctx([sqs_event(queue, name="a"), sqs_event(queue, name="b")]), aws, FUNCTION, "x")
    assert call_counter.calls == []


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(2 days)",
        "cron(0 12 * * ? *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(0 10 L * ? 2027)",
    ],
)
def test_valid_expressions(expression):
    assert expression_problem(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(0 minutes)",
        "rate(5 weeks)",
        "every day",
        "cron(0 12 * * *)",
        "cron(0 12 1 * MON *)",
        "cron(0 12 * * ? * *)",
        5,
    ],
)
def test_invalid_expressions(expression):
    assert expression_problem(expression)


def test_the_seed_example_plans_as_written(aws, function, tmp_path: Path, call_counter):
    """The founding document's lw.yml, loaded by the real config loader, plans the S3
    notification and its permission plus the default keep-warm rule."""
    from lw.core.config import load_app
    from lw.core.context import Context, Reporter
    from lw.core.plugins import Providers, make_plugin_manager

    (tmp_path / "lw.yml").write_text(SEED)
    providers = [p.info for p in Providers(make_plugin_manager()).all()]
    app = load_app(tmp_path / "lw.yml", stage=None, provider=None, providers=providers)
    aws.client("s3").create_bucket(Bucket="upload-bucket")
    ctx = Context(app=app, reporter=Reporter(json_mode=True))
    function_name = app.name
    from events_helpers import create_function

    alias = create_function(aws, function_name)
    call_counter.clear()

    changes = plan_events(ctx, aws, function_name, alias)
    assert call_counter.mutating == []  # planning (a dry run) writes nothing
    described = [(c.action, c.resource.split(" (")[0]) for c in mutating(changes)]
    (binding,) = app.events
    assert described == [
        ("create", f"lambda permission lwevent-{binding.name}"),
        ("create", f"lambda permission lwevent-{app.name}-keep-warm"),
        ("create", "s3 notifications of bucket upload-bucket"),
        ("create", f"eventbridge rule {app.name}-keep-warm"),
    ]
    from events_helpers import apply

    apply(changes)
    config = aws.client("s3").get_bucket_notification_configuration(Bucket="upload-bucket")
    (entry,) = config["LambdaFunctionConfigurations"]
    assert entry["Id"] == f"lw-{app.name}-{binding.name}" and entry["Events"] == ["s3:ObjectCreated:*"]
    assert entry["LambdaFunctionArn"] == alias and "Filter" not in entry
