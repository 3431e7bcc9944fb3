"""Waiting on a Lambda function, and publishing exactly what was waited for.

botocore's waiters end a failed update with "Waiter FunctionUpdatedV2 failed: Waiter
encountered a terminal failure state: For expression "LastUpdateStatus" we matched
expected path: "Failed"", which hides the one thing the user needs: Lambda's own
reason (``LastUpdateStatusReason``/``StateReason``, e.g. a subnet without free IPs or a
layer that is gone). ``wait_with_reason`` reports that reason instead.

``publish_guarded`` publishes a version only of the code this deploy uploaded: two
deploys of one stage at once (two CI runs) would otherwise each publish and release
whatever ``$LATEST`` holds at that moment, possibly the other run's code.
"""

from __future__ import annotations

from typing import Any

from lw.core.errors import ProviderError
from lw.providers.aws.errors import error_code


def wait_with_reason(lam: Any, waiter: str, function: str, config: dict[str, Any]) -> None:
    """Wait with botocore's ``waiter``; a failure names Lambda's reason for it."""
    import botocore.exceptions

    try:
        lam.get_waiter(waiter).wait(FunctionName=function, WaiterConfig=config)
    except botocore.exceptions.WaiterError as exc:
        last = exc.last_response or {}
        configuration = last.get("Configuration") or last  # GetFunction or GetFunctionConfiguration
        reason = configuration.get("LastUpdateStatusReason") or configuration.get("StateReason")
        code = configuration.get("LastUpdateStatusReasonCode") or configuration.get("StateReasonCode")
        status = configuration.get("LastUpdateStatus") or configuration.get("State")
        if reason or status:
            what = "update" if waiter == "function_updated_v2" else "creation"
            detail = f"{code}: {reason}" if code and reason else (reason or f"status {status}")
            raise ProviderError(f"Lambda function {function}: the {what} failed: {detail}") from exc
        raise ProviderError(f"Lambda function {function}: {str(exc).splitlines()[0]}") from exc


def publish_guarded(lam: Any, function: str, sha: str) -> str:
    """Publish ``$LATEST`` only if it still holds ``sha`` (this deploy's package) and
    has not changed since it was read; otherwise stop and say another deploy ran."""
    import botocore.exceptions

    latest = lam.get_function_configuration(FunctionName=function)
    if latest.get("CodeSha256") != sha:
        raise ProviderError(_concurrent(function, "its code"))
    guard = {"CodeSha256": sha, **({"RevisionId": latest["RevisionId"]} if latest.get("RevisionId") else {})}
    try:
        return str(lam.publish_version(FunctionName=function, **guard)["Version"])
    except botocore.exceptions.ClientError as exc:
        code, message = error_code(exc), str(exc).lower()
        if code in {"PreconditionFailedException", "InvalidParameterValueException"} and (
            "revision" in message or "codesha256" in message
        ):
            raise ProviderError(_concurrent(function, "it")) from exc
        if code == "ResourceConflictException" and "update is in progress" in message:
            # this run waited for its own update just before: the one in progress is
            # another writer's, and whatever it lands differs from what was read
            raise ProviderError(_concurrent(function, "it")) from exc
        raise


def _concurrent(function: str, what: str) -> str:
    return (
        f"Lambda function {function}: another deploy changed {what} while this one ran; "
        "nothing was released by this run, deploy again once the other one has finished"
    )
