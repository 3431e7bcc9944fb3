"""Reserved concurrency (a cap on the function) and provisioned concurrency (warm
environments kept on the ``live`` alias).

Provisioned concurrency lives on the alias, so AWS moves it with every release; lw
only has to set it when the configured number differs and remove it when unset.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change
from lw.providers.aws import names
from lw.providers.aws.errors import aws_message, error_code, read_or_none
from lw.providers.aws.propagation import reporter_progress
from lw.providers.aws.session import AwsSession
from lw.providers.aws.waits import pause, retry_while

# An alias briefly carries routing weights while Lambda moves it; provisioned
# concurrency is refused on a weighted alias, so lw waits for the move to settle.
ALIAS_SETTLE_POLLS = 60
WEIGHTED_ALIAS = "Alias with weights"


def _count(ctx: Context, *keys: str) -> int | None:
    for key in keys:
        value = ctx.app.setting(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': {key} must be a non-negative integer"
            )
        return value
    return None


def reserved(ctx: Context) -> int | None:
    """``reserved_concurrency`` (Zappa's ``lambda_concurrency`` is accepted too)."""
    return _count(ctx, "reserved_concurrency", "lambda_concurrency")


def provisioned(ctx: Context) -> int | None:
    value = _count(ctx, "provisioned_concurrency")
    return value or None


# AWS keeps at least this many executions unreserved in every account and region
# and refuses a PutFunctionConcurrency that would go below it.
UNRESERVED_MINIMUM = 100


def check_unreserved_minimum(lam: Any, function: str, wanted: int) -> None:
    """Refuse, while planning, a reservation that would leave the account fewer than
    ``UNRESERVED_MINIMUM`` unreserved executions (AWS refuses it mid-deploy).

    The account's numbers come from ``GetAccountSettings``; when they cannot be read
    (an endpoint without it, a policy without ``lambda:GetAccountSettings``) AWS
    stays the judge at apply time."""
    import botocore.exceptions

    try:
        limits = lam.get_account_settings().get("AccountLimit") or {}
        held = (lam.get_function_concurrency(FunctionName=function) or {}).get("ReservedConcurrentExecutions") or 0
    except lam.exceptions.ResourceNotFoundException:
        held = 0
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        return
    unreserved = limits.get("UnreservedConcurrentExecutions")
    if unreserved is None:
        return
    left = int(unreserved) + int(held) - wanted
    if left < UNRESERVED_MINIMUM:
        total = limits.get("ConcurrentExecutions")
        raise ConfigError(
            f"reserved_concurrency {wanted} for {function} would leave {max(left, 0)} unreserved executions in this "
            f"account and region (limit {total}), below AWS's minimum of {UNRESERVED_MINIMUM}; lower it, or ask "
            "AWS for a higher concurrency quota"
        )


def reserved_change(lam: Any, function: str, wanted: int | None) -> Change:
    resource = f"Lambda function {function}"
    if wanted is not None:
        check_unreserved_minimum(lam, function, wanted)
    if wanted is None:
        return Change(
            "delete",
            resource,
            "reserved concurrency no longer configured",
            lambda o: lam.delete_function_concurrency(FunctionName=function),
            step="remove concurrency",
        )
    return Change(
        "update",
        resource,
        f"reserved concurrency -> {wanted}",
        lambda o: lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=wanted),
        step="set concurrency",
    )


def plan_provisioned(ctx: Context, aws: AwsSession, function: str, *, alias_exists: bool) -> list[Change]:
    """Runs in the release phase: the alias must point to the new version first, or
    AWS would warm environments for the version being replaced."""
    lam = aws.client("lambda")
    wanted = provisioned(ctx)
    current = None
    if alias_exists:
        found = read_or_none(
            f"Lambda alias {function}:{names.ALIAS}",
            lambda: lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier=names.ALIAS),
        )
        current = (found or {}).get("RequestedProvisionedConcurrentExecutions")
    resource = f"Lambda alias {function}:{names.ALIAS}"
    if wanted == current:
        return []
    if wanted is None:
        return [
            Change(
                "delete",
                resource,
                "provisioned concurrency no longer configured",
                lambda o: lam.delete_provisioned_concurrency_config(FunctionName=function, Qualifier=names.ALIAS),
                phase="release",
                step="remove provisioned concurrency",
            )
        ]

    def put(outputs: object) -> None:
        wait_alias_settled(lam, function)
        retry_while(
            lambda: lam.put_provisioned_concurrency_config(
                FunctionName=function, Qualifier=names.ALIAS, ProvisionedConcurrentExecutions=wanted
            ),
            _alias_weighted,
            progress=reporter_progress(ctx),
            budget=120.0,
        )

    return [
        Change(
            "update",
            resource,
            f"provisioned concurrency -> {wanted}",
            put,
            phase="release",
            step="set provisioned concurrency",
        )
    ]


def _weights(alias: dict[str, Any]) -> dict[str, Any]:
    return dict((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})


def wait_alias_settled(lam: Any, function: str) -> None:
    """Poll the alias until it has no routing weights (AWS adds some for a moment while
    it moves an alias); gives up quietly after ``ALIAS_SETTLE_POLLS`` seconds, leaving the
    retry of the put itself to cover the rest."""
    for _ in range(ALIAS_SETTLE_POLLS):
        alias = read_or_none(
            f"Lambda alias {function}:{names.ALIAS}", lambda: lam.get_alias(FunctionName=function, Name=names.ALIAS)
        )
        if alias is None or not _weights(alias):
            return
        pause(1)


def _alias_weighted(exc: BaseException) -> str | None:
    if (
        error_code(exc) in {"InvalidParameterValueException", "ResourceConflictException"}
        and WEIGHTED_ALIAS.lower() in aws_message(exc).lower()
    ):
        return f"alias {names.ALIAS} is still moving (it has routing weights)"
    return None
