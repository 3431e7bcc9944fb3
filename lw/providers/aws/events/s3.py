"""S3 bucket notifications, merged into whatever else the bucket already notifies.

A bucket has ONE notification configuration shared by every consumer; writing only
lw's entries would silently cut off other teams' queues and functions. lw therefore
rewrites only the entries it owns, recognised by their ``Id`` (``lw-<project>-<stage>-
<binding>``) *and* by pointing at this function, and keeps every other entry as read.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lw.core.errors import ProviderError
from lw.core.model import EventBinding
from lw.core.plan import Action, Change, Outputs
from lw.providers.aws.errors import aws_message
from lw.providers.aws.events.arns import bucket_arn, parse_source
from lw.providers.aws.events.bindings import label, option, source_arn
from lw.providers.aws.events.permissions import PRINCIPALS, Grant, grant_sid
from lw.providers.aws.events.reads import read_optional
from lw.providers.aws.events.target import Target

Configuration = dict[str, Any]


def notification_id(target: Target, binding: EventBinding) -> str:
    return f"lw-{target.prefix}-{binding.name}"


def bucket_of(binding: EventBinding) -> str:
    parsed = parse_source("s3", source_arn(binding))
    assert parsed is not None, "validated before planning"
    return parsed.name


def grant_for(target: Target, binding: EventBinding) -> Grant:
    """S3 names buckets without an account, so ``SourceAccount`` stops a bucket of the
    same name in another account from invoking the function."""
    return Grant(
        sid=grant_sid(binding.name),
        principal=PRINCIPALS["s3"],
        source_arn=bucket_arn(target.partition, bucket_of(binding)),
        source_account=target.account_id,
    )


def desired_entry(target: Target, binding: EventBinding) -> Configuration:
    entry: Configuration = {
        "Id": notification_id(target, binding),
        "LambdaFunctionArn": target.alias_arn,
        "Events": list(option(binding, "events", ["s3:ObjectCreated:*"])),
    }
    rules = _filter_rules(binding)
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return entry


def _filter_rules(binding: EventBinding) -> list[dict[str, str]]:
    """Zappa's ``key_filters`` list, or the shorter ``prefix``/``suffix`` keys."""
    rules = {str(f["type"]): str(f["value"]) for f in option(binding, "key_filters", [])}
    for name in ("prefix", "suffix"):
        if option(binding, name) is not None:
            rules[name] = str(option(binding, name))
    return [{"Name": name, "Value": rules[name]} for name in sorted(rules)]


def is_own(target: Target, entry: Configuration) -> bool:
    return str(entry.get("Id") or "").startswith(f"lw-{target.prefix}-") and target.targets_this_function(
        str(entry.get("LambdaFunctionArn") or "")
    )


def comparable(entry: Configuration) -> tuple[Any, ...]:
    """An entry in a form where AWS's echo equals what lw wrote (AWS capitalises
    filter rule names and may reorder events)."""
    rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    return (
        entry.get("Id"),
        entry.get("LambdaFunctionArn"),
        tuple(sorted(entry.get("Events") or [])),
        tuple(sorted((str(r["Name"]).lower(), r["Value"]) for r in rules)),
    )


def read_configuration(target: Target, bucket: str) -> Configuration | None:
    """The bucket's notification configuration, or ``None`` when the bucket is gone."""
    client = target.aws.client("s3")
    response = read_optional(
        "read the notifications of",
        f"bucket {bucket}",
        lambda: client.get_bucket_notification_configuration(Bucket=bucket),
    )
    if response is None:
        return None
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def plan_s3(target: Target, bindings: list[EventBinding], grants: dict[str, Grant]) -> list[Change]:
    """One change per bucket whose lw entries differ; ``grants`` name buckets wired
    earlier whose binding has since been removed from ``lw.yml``."""
    by_bucket: dict[str, list[EventBinding]] = defaultdict(list)
    for binding in bindings:
        by_bucket[bucket_of(binding)].append(binding)
    for bucket in buckets_in_grants(grants):
        by_bucket.setdefault(bucket, [])
    changes: list[Change] = []
    for bucket in sorted(by_bucket):
        configured = by_bucket[bucket]
        current = read_configuration(target, bucket)
        if current is None:
            if configured:
                raise ProviderError(f"{label(configured[0])}: S3 bucket {bucket!r} does not exist")
            continue
        changes.append(_bucket_change(target, bucket, configured, current))
    return changes


def buckets_in_grants(grants: dict[str, Grant]) -> list[str]:
    prefix = "s3:::"
    return sorted(
        {
            g.source_arn.split(prefix, 1)[1]
            for g in grants.values()
            if g.principal == PRINCIPALS["s3"] and prefix in g.source_arn
        }
    )


def _bucket_change(target: Target, bucket: str, configured: list[EventBinding], current: Configuration) -> Change:
    wanted = {e["Id"]: e for e in (desired_entry(target, b) for b in configured)}
    existing = {e["Id"]: e for e in current.get("LambdaFunctionConfigurations") or [] if is_own(target, e)}
    resource = f"s3 notifications of bucket {bucket}"
    added = sorted(set(wanted) - set(existing))
    removed = sorted(set(existing) - set(wanted))
    changed = sorted(i for i in set(wanted) & set(existing) if comparable(wanted[i]) != comparable(existing[i]))
    if not (added or removed or changed):
        return Change("noop", resource, "up to date")
    reason = "; ".join(
        f"{what} {', '.join(ids)}" for what, ids in (("add", added), ("update", changed), ("remove", removed)) if ids
    )
    action: Action = "create" if not existing else "delete" if not wanted else "update"
    return Change(
        action,
        resource,
        reason + " (other entries kept)",
        _merge(target, bucket, list(wanted.values())),
        step="write bucket notifications",
        phase="release" if added else "build",
    )  # new: after the alias move


def _merge(target: Target, bucket: str, entries: list[Configuration]) -> Any:
    """Re-read at apply time so entries another tool added since planning survive."""

    def apply(outputs: Outputs) -> None:
        client = target.aws.client("s3")
        current = client.get_bucket_notification_configuration(Bucket=bucket)
        merged = {k: v for k, v in current.items() if k != "ResponseMetadata"}
        foreign = [e for e in merged.get("LambdaFunctionConfigurations") or [] if not is_own(target, e)]
        merged["LambdaFunctionConfigurations"] = foreign + entries
        if not merged["LambdaFunctionConfigurations"]:
            del merged["LambdaFunctionConfigurations"]
        write_notifications(target, bucket, merged, foreign)

    return apply


_UNVALIDATED = "Unable to validate the following destination configurations"


def write_notifications(
    target: Target, bucket: str, configuration: Configuration, foreign: list[Configuration]
) -> None:
    """Write the merged configuration, waiting while S3 cannot yet validate lw's entry.

    S3 checks every destination of the configuration on each write. For lw's own
    entry the refusal means the Lambda permission written just before has not
    propagated: that passes, so wait (with backoff). For an entry lw keeps but does
    not own (a stale entry on a shared bucket: its function deleted or its permission
    revoked) waiting cannot help, and the error must say whose entry it is."""
    from lw.providers.aws import backoff
    from lw.providers.aws.waits import retry_while

    client = target.aws.client("s3")
    owners = {
        str(e.get("LambdaFunctionArn") or e.get("QueueArn") or e.get("TopicArn") or ""): str(e.get("Id") or "")
        for e in foreign
        + [e for key in ("QueueConfigurations", "TopicConfigurations") for e in configuration.get(key) or []]
    }

    def transient(exc: BaseException) -> str | None:
        if _UNVALIDATED not in aws_message(exc):
            return None
        stale = [arn for arn in failed_destinations(exc) if arn in owners]
        if stale:
            raise ProviderError(
                f"S3 cannot validate the entry {owners[stale[0]]!r} "
                f"({stale[0]}), which lw did not write: its destination is gone or no longer lets S3 invoke it. "
                "S3 checks every entry on each write, so fix or remove that entry first"
            ) from exc
        return "the new Lambda permission to reach S3"

    retry_while(
        lambda: client.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration),
        transient,
        delays=backoff.LAMBDA_PERMISSION_DELAYS,
        progress=target.aws.progress,
        what=f"s3 notifications of bucket {bucket}",
    )


def failed_destinations(exc: BaseException) -> list[str]:
    """The destination ARNs S3 names in an ``InvalidArgument`` answer (it lists them
    as ``ArgumentName1``, ``ArgumentName2``…, each with its reason as the value)."""
    error = (getattr(exc, "response", None) or {}).get("Error") or {}
    return [str(v) for k, v in sorted(error.items()) if k.startswith("ArgumentName")]


def describe_s3(target: Target, bindings: list[EventBinding], grants: dict[str, Grant]) -> list[dict[str, Any]]:
    """Configured S3 bindings with whether their entry is live, plus leftover entries."""
    rows: list[dict[str, Any]] = []
    buckets = sorted({bucket_of(b) for b in bindings} | set(buckets_in_grants(grants)))
    by_id = {notification_id(target, b): b for b in bindings}
    for bucket in buckets:
        source = bucket_arn(target.partition, bucket)
        current = read_configuration(target, bucket) or {}
        live = {e["Id"]: e for e in current.get("LambdaFunctionConfigurations") or [] if is_own(target, e)}
        for entry_id, binding in sorted(by_id.items()):
            if bucket_of(binding) == bucket:
                state = "enabled" if entry_id in live else "missing"
                rows.append(_row(binding.name, binding.function, source, entry_id, state))
        for entry_id in sorted(set(live) - set(by_id)):
            rows.append(_row(entry_id, "", source, entry_id, "not configured"))
    return rows


def _row(name: str, function: str, source: str, entry_id: str, state: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "s3",
        "function": function,
        "source": source,
        "resource": f"notification {entry_id}",
        "state": state,
    }
