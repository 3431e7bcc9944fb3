"""The AWS provider's own verbs, registered like any plugin's: ``lw policy``.

Kept apart from the provider plugin so that adding a command never touches the
deploy path, and so that ``lw --help`` stays fast: the analysis code is imported only
when the command runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from lw.core.hookspecs import hookimpl

if TYPE_CHECKING:
    from lw.cli import Invocation


def _policy(inv: Invocation, account_id: str) -> None:
    """Print the least-privilege execution policy derived from the app's code."""
    from lw.core.errors import UsageError
    from lw.providers.aws.policygen import policy_report

    session = inv.session()
    app = session.ctx.app
    if app.provider != "aws":
        raise UsageError(f"lw policy describes an AWS execution role; stage '{app.stage}' uses provider "
                         f"{app.provider!r} (pass --provider aws)")
    region = str(inv.values.get("region") or app.setting("aws_region") or "*")
    report = policy_report(app, account_id=account_id, region=region)
    if inv.json_mode:
        inv.emit("", report.to_json())
        return
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    inv.emit(json.dumps(report.policy, indent=2), None)


@hookimpl
def lw_register_commands(cli: click.Group) -> None:
    from lw.cli import lw_command

    @cli.command(name="policy")
    @click.option("--account-id", default="*", show_default=True,
                  help="AWS account id to put in the ARNs (default: any account).")
    @lw_command
    def policy(inv: Any, account_id: str) -> None:
        """Print the least-privilege IAM policy the app's code needs (static analysis
        of its boto3 calls, plus its event sources and log group)."""
        _policy(inv, account_id)

    _ = policy
