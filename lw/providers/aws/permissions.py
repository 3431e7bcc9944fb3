"""Resource-policy statements on the ``live`` alias that let a front door invoke it.

Each front door owns one statement id, so lw can check, add and remove exactly its own
statements and leave anything a user added by hand alone.
"""

from __future__ import annotations

import json
from typing import Any

from lw.core.plan import Change, Outputs
from lw.providers.aws import names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.session import AwsSession


def alias_statements(aws: AwsSession, function: str) -> dict[str, dict[str, Any]]:
    """The statements of the alias's resource policy, by statement id."""
    lam = aws.client("lambda")
    found = read_or_none(
        f"Lambda function {function} policy", lambda: lam.get_policy(FunctionName=function, Qualifier=names.ALIAS)
    )
    if not found:
        return {}
    policy = json.loads(found["Policy"])
    return {s.get("Sid", ""): s for s in policy.get("Statement") or []}


def source_arn_of(statement: dict[str, Any]) -> str | None:
    condition = statement.get("Condition") or {}
    for operator in ("ArnLike", "ArnEquals"):
        value = (condition.get(operator) or {}).get("AWS:SourceArn")
        if value:
            return str(value)
    return None


def grant_change(
    aws: AwsSession,
    function: str,
    sid: str,
    existing: dict[str, dict[str, Any]],
    *,
    principal: str,
    source_arn: str | None = None,
    source_pending: bool = False,
    action: str = "lambda:InvokeFunction",
    extra: dict[str, Any] | None = None,
    what: str,
) -> Change:
    """Add (or replace) statement ``sid``.

    ``source_pending`` says the source is an API that is being (re)created, so its ARN
    is only known at apply time (read from ``outputs["source_arn:<sid>"]``): an existing
    statement then names an old API and must be replaced, never kept. Without a source
    and not pending (a Function URL), an existing statement is kept as is."""
    lam = aws.client("lambda")
    resource = f"Lambda permission {function}:{names.ALIAS}/{sid}"
    current = existing.get(sid)
    if current is not None and _still_right(current, source_arn, source_pending):
        return Change("noop", resource, f"{what} may invoke")

    def grant(outputs: Outputs, arn: str | None = source_arn) -> None:
        if current is not None:
            lam.remove_permission(FunctionName=function, StatementId=sid, Qualifier=names.ALIAS)
        params: dict[str, Any] = dict(
            FunctionName=function,
            Qualifier=names.ALIAS,
            StatementId=sid,
            Action=action,
            Principal=principal,
            **(extra or {}),
        )
        arn = arn or outputs.get(f"source_arn:{sid}")
        if arn:
            params["SourceArn"] = arn
        lam.add_permission(**params)

    return Change(
        "update" if current else "create",
        resource,
        f"let {what} invoke the alias",
        grant,
        step="grant invoke permission",
    )


def _still_right(current: dict[str, Any], source_arn: str | None, source_pending: bool) -> bool:
    if source_arn is not None:
        return source_arn_of(current) == source_arn
    return not source_pending


def revoke_change(
    aws: AwsSession, function: str, sid: str, existing: dict[str, dict[str, Any]], what: str
) -> list[Change]:
    if sid not in existing:
        return []
    lam = aws.client("lambda")
    return [
        Change(
            "delete",
            f"Lambda permission {function}:{names.ALIAS}/{sid}",
            f"{what} no longer configured",
            lambda o: lam.remove_permission(FunctionName=function, StatementId=sid, Qualifier=names.ALIAS),
            step="revoke permission",
        )
    ]
