"""The AWS provider's own verbs, registered like any plugin's: ``lw policy``, ``lw template``,
``lw certify``.

Kept apart from the provider plugin so that adding a command never touches the
deploy path, and so that ``lw --help`` stays fast: the analysis code is imported only
when the command runs.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import click

from lw.plugin import Invocation, UsageError, command, hookimpl


def _policy(inv: Invocation, account_id: str) -> None:
    """Print the least-privilege execution policy derived from the app's code."""
    from lw.providers.aws.policygen import policy_report

    session = inv.session()
    app = session.ctx.app
    if app.provider != "aws":
        raise UsageError(
            f"lw policy describes an AWS execution role; stage '{app.stage}' uses provider "
            f"{app.provider!r} (pass --provider aws)"
        )
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
    @cli.command(name="policy")
    @click.option(
        "--account-id", default="*", show_default=True, help="AWS account id to put in the ARNs (default: any account)."
    )
    @command(provider="aws")
    def policy(inv: Any, account_id: str) -> None:
        """Print the least-privilege IAM policy the app's code needs (static analysis
        of its boto3 calls, plus its event sources and log group)."""
        _policy(inv, account_id)

    @cli.command(name="template")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["cloudformation", "sam"]),
        default="cloudformation",
        show_default=True,
        help="Plain CloudFormation or an AWS SAM template.",
    )
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False),
        help="Write the template here (.json: JSON, else YAML); default: stdout.",
    )
    @click.option("--s3-bucket", help="Bucket for the package the template references (default: s3_bucket).")
    @click.option("--no-upload", is_flag=True, help="SAM only: reference the local zip; sam deploy uploads it.")
    @command(provider="aws")
    def template(
        inv: Any, fmt: Literal["cloudformation", "sam"], output: str | None, s3_bucket: str | None, no_upload: bool
    ) -> None:
        """Export the stage as a CloudFormation or SAM template of the same resources,
        names and policy that lw deploy plans."""
        from lw.providers.aws.template.command import run_template

        run_template(inv, fmt, output, s3_bucket, no_upload)

    @cli.command(name="certify")
    @click.option("--dry-run", is_flag=True, help="Print the plan and change nothing.")
    @click.option(
        "--timeout",
        type=click.IntRange(min=0),
        default=600,
        show_default=True,
        help="Seconds to wait for ACM to validate a new certificate.",
    )
    @command(provider="aws")
    def certify(inv: Any, dry_run: bool, timeout: int) -> None:
        """Give the stage its custom `domain`: an ACM certificate validated through
        Route 53 (unless certificate_arn is set), the API Gateway domain, its mapping
        to the stage's API and the DNS alias records."""
        from lw.providers.aws.certify_command import run_certify

        run_certify(inv, dry_run, timeout)

    _ = policy, template, certify
