"""The task table and topic lw refuses to use: one that ``async_resources: false`` says
the user brings but is missing (a one-line config error saying how), and one that
exists under the stage's name without lw's tags (someone else's: never adopted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_helpers import make_app, make_context

from lw.core.errors import ConfigError, ProviderError
from lw.providers.aws import plugin, tasks

ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:demo-dev:live"


def plan(tmp_path: Path, **settings: Any) -> Any:
    ctx = make_context(make_app(tmp_path, apigateway=False, **settings))
    return tasks.plan_tasks(ctx, plugin.session_for(ctx), "demo-dev", ALIAS_ARN)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"async_response_table": True}, "task table demo-dev-tasks does not exist; create it (key 'id', string)"),
        ({"async_source": "sns"}, "task topic demo-dev-tasks does not exist; create it or set async_resources: true"),
    ],
)
def test_a_missing_resource_the_user_brings_is_a_config_error(
    tmp_path: Path, aws_env: str, settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path, async_resources=False, **settings)
    text = str(caught.value)
    assert message in text and "\n" not in text and "async_resources is false" in text


def test_an_untagged_table_or_topic_of_the_stages_name_is_not_adopted(tmp_path: Path, aws_env: str) -> None:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="demo-dev-tasks",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("sns", region_name="us-east-1").create_topic(Name="demo-dev-tasks")
    for settings, kind in (({"async_response_table": True}, "table"), ({"async_source": "sns"}, "topic")):
        with pytest.raises(ProviderError, match=f"lw will not use a {kind} it did not make") as caught:
            plan(tmp_path, **settings)
        assert "not tagged lw:project=demo, lw:stage=dev" in str(caught.value)
        assert caught.value.hint == "set async_resources: false to use it as it is, or remove it"
