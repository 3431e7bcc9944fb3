"""A Lambda Function URL on the ``live`` alias: the cheapest HTTPS front door.

Public URLs (auth ``NONE``) need two resource-policy statements since AWS's October
2025 change: ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` restricted to
calls made through the URL.
"""

from __future__ import annotations

from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.plan import Change, Outputs
from lw.providers.aws import cors, names
from lw.providers.aws.errors import read_or_none
from lw.providers.aws.outputs import add_url
from lw.providers.aws.permissions import grant_change, revoke_change
from lw.providers.aws.session import AwsSession

AUTH_TYPES = ("NONE", "AWS_IAM")


def auth_type(ctx: Context) -> str:
    default = "AWS_IAM" if ctx.app.setting("iam_authorization", False) else "NONE"
    value = str(ctx.app.setting("function_url_auth") or default).upper()
    if value not in AUTH_TYPES:
        raise ConfigError(
            f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': function_url_auth must be NONE or AWS_IAM"
        )
    return value


def read(aws: AwsSession, function: str) -> dict[str, Any] | None:
    lam = aws.client("lambda")
    return read_or_none(
        f"Lambda function URL of {function}",
        lambda: lam.get_function_url_config(FunctionName=function, Qualifier=names.ALIAS),
    )


def plan(ctx: Context, aws: AwsSession, function: str, statements: dict[str, dict[str, Any]]) -> list[Change]:
    lam = aws.client("lambda")
    auth = auth_type(ctx)
    wanted_cors = cors.native_config(cors.rules(ctx), function_url=True)
    existing = read(aws, function)
    resource = f"Lambda function URL {function}:{names.ALIAS}"
    changes: list[Change] = []
    if existing is None:

        def create(outputs: Outputs) -> None:
            extra = {"Cors": wanted_cors} if wanted_cors else {}
            created = lam.create_function_url_config(
                FunctionName=function, Qualifier=names.ALIAS, AuthType=auth, **extra
            )
            add_url(outputs, created["FunctionUrl"])

        changes.append(
            Change("create", resource, f"auth {auth}, {cors.describe(wanted_cors)}", create, step="create function URL")
        )
    elif existing.get("AuthType") != auth or not cors.same_config(existing.get("Cors"), wanted_cors):

        def update(outputs: Outputs) -> None:
            lam.update_function_url_config(
                FunctionName=function, Qualifier=names.ALIAS, AuthType=auth, Cors=wanted_cors
            )

        changes.append(
            Change(
                "update",
                resource,
                f"auth {existing.get('AuthType')} -> {auth}, {cors.describe(wanted_cors)}",
                update,
                step="update function URL",
                outputs={"urls": [existing["FunctionUrl"]]},
            )
        )
    else:
        changes.append(
            Change("noop", resource, str(existing.get("FunctionUrl")), outputs={"urls": [existing["FunctionUrl"]]})
        )
    if auth == "NONE":
        changes.append(
            grant_change(
                aws,
                function,
                names.SID_URL,
                statements,
                principal="*",
                action="lambda:InvokeFunctionUrl",
                extra={"FunctionUrlAuthType": "NONE"},
                what="the public function URL",
            )
        )
        changes.append(
            grant_change(
                aws,
                function,
                names.SID_URL_INVOKE,
                statements,
                principal="*",
                extra={"InvokedViaFunctionUrl": True},
                what="the public function URL",
            )
        )
    else:
        changes += revoke_change(aws, function, names.SID_URL, statements, "public access")
        changes += revoke_change(aws, function, names.SID_URL_INVOKE, statements, "public access")
    return changes


def removal(aws: AwsSession, function: str, statements: dict[str, dict[str, Any]]) -> list[Change]:
    lam = aws.client("lambda")
    changes = revoke_change(aws, function, names.SID_URL, statements, "the function URL")
    changes += revoke_change(aws, function, names.SID_URL_INVOKE, statements, "the function URL")
    if read(aws, function) is not None:
        changes.append(
            Change(
                "delete",
                f"Lambda function URL {function}:{names.ALIAS}",
                "function_url is off",
                lambda o: lam.delete_function_url_config(FunctionName=function, Qualifier=names.ALIAS),
                step="delete function URL",
            )
        )
    return changes


def current_url(aws: AwsSession, function: str) -> str | None:
    existing = read(aws, function)
    return str(existing["FunctionUrl"]) if existing else None
