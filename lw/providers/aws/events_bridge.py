"""The single place that calls into the events module (owned separately).

Keeping the import here means the rest of the provider depends on four named
functions, not on the events package's layout.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.model import AppModel
from lw.core.plan import Change
from lw.providers.aws.session import AwsSession


def _events() -> Any:
    from lw.providers.aws import events

    return events


def policy_statements(app: AppModel, account_id: str, region: str) -> list[dict[str, Any]]:
    return list(_events().policy_statements(app, account_id, region) or [])


def plan_events(ctx: Context, aws: AwsSession, function: str, alias_arn: str) -> list[Change]:
    return list(_events().plan_events(ctx, aws, function, alias_arn) or [])


def plan_events_removal(ctx: Context, aws: AwsSession, function: str) -> list[Change]:
    return list(_events().plan_events_removal(ctx, aws, function) or [])


def describe_events(ctx: Context, aws: AwsSession, function: str) -> list[dict[str, Any]]:
    return list(_events().describe_events(ctx, aws, function) or [])
