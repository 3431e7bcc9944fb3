"""What ``lw certify`` prints and returns; the planning lives in ``certify``.

Like ``lw deploy``, the public URL alone goes to stdout and the rest to stderr, so
``url=$(lw certify)`` works; ``--json`` also lists the DNS records to create by hand.
"""

from __future__ import annotations

from lw.plugin import Invocation, ProviderError, UsageError, apply_plan
from lw.providers.aws.certify import plan_certify
from lw.providers.aws.errors import readable_changes


def run_certify(inv: Invocation, dry_run: bool, timeout: int) -> None:
    from lw.providers.aws.plugin import session_for

    session = inv.session(dry_run=dry_run)
    ctx = session.ctx
    if ctx.app.provider != "aws":
        raise UsageError(
            f"lw certify sets up an API Gateway custom domain; stage '{ctx.app.stage}' uses provider "
            f"{ctx.app.provider!r} (pass --provider aws)"
        )
    result = plan_certify(ctx, session_for(ctx), timeout=timeout)
    plan = result.plan
    readable_changes(plan.changes)
    reporter = ctx.reporter
    if dry_run:
        outputs = plan.known_outputs()
        reporter.info("plan (dry run, nothing changed):")
    else:
        outputs = apply_plan(plan, on_change=lambda change: reporter.progress(change.describe()))
    manual = result.manual_records(outputs)
    if result.blocked() and not dry_run:
        lines = "\n".join(f"  {record.describe()}" for record in manual)
        raise ProviderError(
            f"the certificate for {result.spec.name} waits for DNS validation and {result.spec.name} is not in a "
            "Route 53 hosted zone of this account; create this record at your DNS host, then run lw certify "
            f"again:\n{lines}"
        )
    if not dry_run:
        reporter.info(
            "no changes: the custom domain is up to date"
            if plan.is_noop
            else f"certified {result.spec.name} ({len(plan.mutating)} changes)"
        )
        for message in plan.messages:
            reporter.info(message)
        if manual:
            reporter.info(f"{result.spec.name} is not in Route 53; create these records at your DNS host:")
            for record in manual:
                reporter.info(f"  {record.describe()}")
    urls = list(outputs.get("urls") or [])
    human = "\n".join(([plan.render()] if dry_run else []) + urls)
    inv.emit(
        human,
        {
            "plan": plan.to_json(),
            "applied": not dry_run,
            "domain": result.spec.name,
            "urls": urls,
            "certificate_arn": outputs.get("certificate_arn"),
            "dns_records_to_create": [{"name": r.name, "type": r.type, "value": r.value} for r in manual],
        },
    )
