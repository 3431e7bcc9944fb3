"""Builders shared by the event-source tests (a uniquely named module, so that it
never collides with another directory's ``conftest``)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from lw.core.context import Context, Reporter
from lw.core.model import AppModel, EventBinding
from lw.core.plan import Change, Plan, apply_plan

PROJECT, STAGE = "shop", "dev"
FUNCTION = f"{PROJECT}-{STAGE}"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ALIAS_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}:live"


def make_app(
    events: list[EventBinding] | tuple[EventBinding, ...] = (),
    *,
    keep_warm: bool = False,
    keep_warm_expression: str = "rate(4 minutes)",
    settings: dict[str, Any] | None = None,
    project: str = PROJECT,
    stage: str = STAGE,
) -> AppModel:
    return AppModel(
        project_name=project,
        stage=stage,
        provider="aws",
        project_dir=Path("/nonexistent/project"),
        config_file=Path("/nonexistent/project/lw.yml"),
        app_function="app.app",
        events=tuple(events),
        keep_warm=keep_warm,
        keep_warm_expression=keep_warm_expression,
        settings=settings or {},
    )


def make_ctx(events: list[EventBinding] | tuple[EventBinding, ...] = (), **kwargs: Any) -> Context:
    return Context(app=make_app(events, **kwargs), reporter=Reporter(json_mode=True))


def s3_event(name: str = "thumb-s3-aaaaaa", bucket: str = "upload-bucket", **options: Any) -> EventBinding:
    options.setdefault("events", ["s3:ObjectCreated:*"])
    return EventBinding(
        name=name, function="app.thumbnailer", kind="s3", source=f"arn:aws:s3:::{bucket}", options=options
    )


def sns_event(topic_arn: str, name: str = "notify-sns-bbbbbb", **options: Any) -> EventBinding:
    return EventBinding(name=name, function="app.notify", kind="sns", source=topic_arn, options=options)


def sqs_event(queue_arn: str, name: str = "work-sqs-cccccc", enabled: bool = True, **options: Any) -> EventBinding:
    return EventBinding(name=name, function="app.work", kind="sqs", source=queue_arn, options=options, enabled=enabled)


def stream_event(kind: str, arn: str, name: str | None = None, **options: Any) -> EventBinding:
    return EventBinding(
        name=name or f"changes-{kind}-dddddd", function="app.changes", kind=kind, source=arn, options=options
    )


def schedule_event(*expressions: str, name: str = "nightly-schedule-eeeeee", enabled: bool = True) -> EventBinding:
    return EventBinding(
        name=name, function="app.nightly", kind="schedule", expressions=tuple(expressions), enabled=enabled
    )


def apply(changes: list[Change]) -> dict[str, Any]:
    return apply_plan(Plan(changes=list(changes)))


def mutating(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.mutating]


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def create_function(aws: Any, name: str = FUNCTION) -> str:
    """A published function with a ``live`` alias, as lw's deploy leaves it."""
    iam = aws.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=f"{name}-role")["Role"]["Arn"]
    lam = aws.client("lambda")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _tiny_zip()},
        Publish=True,
    )
    return lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")["AliasArn"]
