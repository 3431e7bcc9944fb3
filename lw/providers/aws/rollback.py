"""``lw rollback``: point the ``live`` alias at an earlier published version.

Versions are immutable, so a rollback is one alias move; HTTP front doors and event
sources target the alias and follow it with no other change.
"""

from __future__ import annotations

from lw.core.context import Context
from lw.core.errors import ProviderError, UsageError
from lw.core.plan import Change
from lw.core.provider import RollbackTarget
from lw.providers.aws import names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.session import AwsSession
from lw.providers.aws.versions import version_numbers


def plan_rollback(ctx: Context, aws: AwsSession, target: RollbackTarget) -> list[Change]:
    function = names.function_name(ctx.app)
    lam = aws.client("lambda")
    resource = f"Lambda alias {function}:{names.ALIAS}"
    alias = read_or_none(resource, lambda: lam.get_alias(FunctionName=function, Name=names.ALIAS))
    if alias is None:
        raise ProviderError(f"{resource} not found: stage '{ctx.app.stage}' is not deployed")
    current = alias["FunctionVersion"]
    versions = version_numbers(aws, function)
    wanted = _choose(versions, current, target, function)
    if wanted == current:
        return [Change("noop", resource, f"already on version {current}")]
    return [
        Change(
            "update",
            resource,
            f"version {current} -> {wanted}",
            lambda o: lam.update_alias(FunctionName=function, Name=names.ALIAS, FunctionVersion=wanted),
            phase="release",
            step="move alias",
        )
    ]


def _choose(versions: list[int], current: str, target: RollbackTarget, function: str) -> str:
    if target.version is not None:
        if not str(target.version).isdigit() or int(target.version) not in versions:
            known = ", ".join(map(str, versions)) or "none"
            raise UsageError(
                f"version {target.version} of Lambda function {function} does not exist (published: {known})"
            )
        return str(int(target.version))
    if target.steps < 1:
        raise UsageError("--steps must be 1 or more")
    if not current.isdigit() or int(current) not in versions:
        raise ProviderError(f"alias {names.ALIAS} of {function} points to {current}, not a published version")
    index = versions.index(int(current)) - target.steps
    if index < 0:
        raise UsageError(
            f"cannot go back {target.steps} release(s) from version {current}: "
            f"only {versions.index(int(current))} earlier version(s) exist"
        )
    return str(versions[index])
