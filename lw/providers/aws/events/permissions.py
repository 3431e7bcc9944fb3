"""Resource-based invoke permissions on the alias for push sources (S3, SNS, EventBridge).

Those services call the function with their own identity, so they need a statement in
the function's policy rather than anything in its role. lw's statements have an Sid
starting with ``lwevent-``, which also makes the policy a record of which buckets and
topics lw wired: undeploy and redeploy read it to find sources no longer configured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lw.core.plan import Change, Outputs
from lw.providers.aws.errors import is_not_found
from lw.providers.aws.events.reads import read_optional
from lw.providers.aws.events.target import ALIAS_NAME, Target

SID_PREFIX = "lwevent-"
PRINCIPALS = {"s3": "s3.amazonaws.com", "sns": "sns.amazonaws.com", "schedule": "events.amazonaws.com"}


@dataclass(frozen=True)
class Grant:
    """One statement letting ``principal`` invoke the alias, from ``source_arn`` only."""

    sid: str
    principal: str
    source_arn: str
    source_account: str | None = None


def grant_sid(key: str) -> str:
    return f"{SID_PREFIX}{key}"[:100]


def read_grants(target: Target) -> dict[str, Grant]:
    """lw's event statements in the alias policy (none when the alias does not exist yet)."""
    client = target.aws.client("lambda")
    response = read_optional(
        "read the policy of",
        f"function {target.function_name}:{ALIAS_NAME}",
        lambda: client.get_policy(FunctionName=target.function_name, Qualifier=ALIAS_NAME),
    )
    if response is None:
        return {}
    statements = json.loads(response.get("Policy") or "{}").get("Statement") or []
    grants = (_grant_from_statement(s) for s in statements)
    return {g.sid: g for g in grants if g is not None}


def _grant_from_statement(statement: dict[str, Any]) -> Grant | None:
    sid = str(statement.get("Sid") or "")
    if not sid.startswith(SID_PREFIX):
        return None
    principal = statement.get("Principal")
    service = principal.get("Service") if isinstance(principal, dict) else principal
    condition = statement.get("Condition") or {}
    source_arn = (condition.get("ArnLike") or {}).get("AWS:SourceArn") or ""
    account = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
    return Grant(sid=sid, principal=str(service or ""), source_arn=str(source_arn), source_account=account)


def plan_grants(target: Target, wanted: list[Grant], current: dict[str, Grant]) -> tuple[list[Change], list[Change]]:
    """Changes that add or fix the wanted statements, and those that drop stale ones.

    They are returned apart because adds must run before a source starts pushing (S3
    checks the permission when the notification is written) and drops only after the
    source stopped.
    """
    adds: list[Change] = []
    for grant in wanted:
        existing = current.get(grant.sid)
        resource = f"lambda permission {grant.sid} ({grant.principal} from {grant.source_arn})"
        if existing == grant:
            adds.append(Change("noop", resource, "up to date"))
        elif existing is None:
            adds.append(Change("create", resource, "new event source", _add(target, grant), step="add permission"))
        else:
            adds.append(
                Change("update", resource, "source changed", _replace(target, grant), step="replace permission")
            )
    wanted_sids = {g.sid for g in wanted}
    drops = [
        Change(
            "delete",
            f"lambda permission {sid} ({grant.principal} from {grant.source_arn})",
            "event no longer configured",
            _remove(target, sid),
            step="remove permission",
        )
        for sid, grant in sorted(current.items())
        if sid not in wanted_sids
    ]
    return adds, drops


def _add(target: Target, grant: Grant) -> Any:
    def apply(outputs: Outputs) -> None:
        params: dict[str, Any] = {
            "FunctionName": target.function_name,
            "Qualifier": ALIAS_NAME,
            "StatementId": grant.sid,
            "Action": "lambda:InvokeFunction",
            "Principal": grant.principal,
            "SourceArn": grant.source_arn,
        }
        if grant.source_account:
            params["SourceAccount"] = grant.source_account
        target.aws.client("lambda").add_permission(**params)

    return apply


def _remove(target: Target, sid: str) -> Any:
    def apply(outputs: Outputs) -> None:
        import botocore.exceptions

        try:
            target.aws.client("lambda").remove_permission(
                FunctionName=target.function_name, Qualifier=ALIAS_NAME, StatementId=sid
            )
        except botocore.exceptions.ClientError as exc:
            if not is_not_found(exc):
                raise

    return apply


def _replace(target: Target, grant: Grant) -> Any:
    remove, add = _remove(target, grant.sid), _add(target, grant)

    def apply(outputs: Outputs) -> None:
        remove(outputs)
        add(outputs)

    return apply
