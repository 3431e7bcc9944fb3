"""Route 53: the hosted zone that holds a domain, and the records lw keeps in it.

Records carry no tags, so lw recognises its own by what they point to: an alias
record is lw's when it targets the API Gateway domain lw created. Writes are
``UPSERT``s planned only when the record differs, so a second run writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lw.core.plan import Change, Outputs
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession

ALIAS_TYPES = ("A", "AAAA")


@dataclass(frozen=True)
class HostedZone:
    id: str
    name: str  # without the trailing dot


@dataclass(frozen=True)
class Record:
    """One DNS record lw wants: a plain value (``CNAME``) or an alias to a target."""

    name: str
    type: str
    value: str | None = None
    alias_zone_id: str | None = None

    def to_record_set(self) -> dict[str, Any]:
        record: dict[str, Any] = {"Name": fqdn(self.name), "Type": self.type}
        if self.alias_zone_id:
            record["AliasTarget"] = {
                "HostedZoneId": self.alias_zone_id,
                "DNSName": fqdn(self.value or ""),
                "EvaluateTargetHealth": False,
            }
        else:
            record["TTL"] = 300
            record["ResourceRecords"] = [{"Value": fqdn(self.value or "")}]
        return record

    def describe(self) -> str:
        target = f"alias {self.value}" if self.alias_zone_id else self.value
        return f"{fqdn(self.name)} {self.type} {target}"

    def matches(self, found: dict[str, Any] | None) -> bool:
        if not found:
            return False
        if self.alias_zone_id:
            alias = found.get("AliasTarget") or {}
            return (
                same_name(alias.get("DNSName", ""), self.value or "")
                and alias.get("HostedZoneId") == self.alias_zone_id
            )
        values = [r.get("Value", "") for r in found.get("ResourceRecords") or []]
        return len(values) == 1 and same_name(values[0], self.value or "")


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def same_name(a: str, b: str) -> bool:
    """DNS names compare case-insensitively and with or without the root dot."""
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def in_zone(zone: HostedZone, name: str) -> bool:
    """Whether ``name`` may live in ``zone`` (Route 53 refuses names outside it)."""
    wanted = name.rstrip(".").lower()
    return wanted == zone.name or wanted.endswith("." + zone.name)


def find_zone(aws: AwsSession, domain: str) -> HostedZone | None:
    """The public hosted zone of this account that holds ``domain``: the longest zone
    name that is the domain or one of its parents (``api.example.com`` goes to a zone
    ``api.example.com`` before ``example.com``)."""
    client = aws.client("route53")
    pages = aws_call(
        "list", "Route 53 hosted zones", lambda: list(client.get_paginator("list_hosted_zones").paginate())
    )
    wanted = domain.rstrip(".").lower()
    best: HostedZone | None = None
    for page in pages:
        for zone in page.get("HostedZones") or []:
            if (zone.get("Config") or {}).get("PrivateZone"):
                continue
            name = zone["Name"].rstrip(".").lower()
            if (wanted == name or wanted.endswith("." + name)) and (best is None or len(name) > len(best.name)):
                best = HostedZone(id=zone["Id"].split("/")[-1], name=name)
    return best


def read_record(aws: AwsSession, zone: HostedZone, name: str, record_type: str) -> dict[str, Any] | None:
    """The record set ``name``/``record_type`` of the zone, or ``None`` (one small read)."""
    client = aws.client("route53")
    found = aws_call(
        "read",
        f"Route 53 record {fqdn(name)} {record_type}",
        lambda: client.list_resource_record_sets(
            HostedZoneId=zone.id, StartRecordName=fqdn(name), StartRecordType=record_type, MaxItems="1"
        ),
    )
    for record in found.get("ResourceRecordSets") or []:
        if same_name(record["Name"].replace("\\052", "*"), name) and record["Type"] == record_type:
            return dict(record)
    return None


def _submit(aws: AwsSession, zone: HostedZone, action: str, record_sets: list[dict[str, Any]], comment: str) -> None:
    """One change batch: Route 53 applies it atomically (an A and its AAAA together)."""
    aws.client("route53").change_resource_record_sets(
        HostedZoneId=zone.id,
        ChangeBatch={"Comment": comment, "Changes": [{"Action": action, "ResourceRecordSet": r} for r in record_sets]},
    )


def upsert_change(aws: AwsSession, zone: HostedZone, record: Record, why: str) -> Change:
    """A noop when the record already says the same thing, else one ``UPSERT``."""
    found = read_record(aws, zone, record.name, record.type)
    resource = f"Route 53 record {fqdn(record.name)} {record.type}"
    if record.matches(found):
        return Change("noop", resource, record.describe())

    def write(outputs: Outputs) -> None:
        _submit(aws, zone, "UPSERT", [record.to_record_set()], f"lw: {why}")

    return Change(
        "create" if found is None else "update", resource, f"{why}: {record.describe()}", write, step="write DNS record"
    )


def upsert_deferred(aws: AwsSession, zone: HostedZone, resource: str, why: str, key: str) -> Change:
    """Write records only known once an earlier change ran (``outputs[key]``: a list of
    ``Record``), such as the validation record of a certificate being requested."""

    def write(outputs: Outputs) -> None:
        stale = [r for r in outputs.get(key) or [] if not r.matches(read_record(aws, zone, r.name, r.type))]
        if stale:
            _submit(aws, zone, "UPSERT", [r.to_record_set() for r in stale], f"lw: {why}")

    return Change("create", resource, why, write, step="write DNS record")


def delete_alias_changes(aws: AwsSession, zone: HostedZone, name: str, target: str, why: str) -> list[Change]:
    """Delete the alias records of ``name`` only if they still point to ``target``: a
    record the user repointed elsewhere is no longer lw's to remove."""
    changes: list[Change] = []
    for record_type in ALIAS_TYPES:
        found = read_record(aws, zone, name, record_type)
        alias = (found or {}).get("AliasTarget") or {}
        if not found or not same_name(alias.get("DNSName", ""), target):
            continue
        record_set = found

        def delete(outputs: Outputs, record_set: dict[str, Any] = record_set) -> None:
            _submit(aws, zone, "DELETE", [record_set], f"lw: {why}")

        changes.append(
            Change("delete", f"Route 53 record {fqdn(name)} {record_type}", why, delete, step="delete DNS record")
        )
    return changes
