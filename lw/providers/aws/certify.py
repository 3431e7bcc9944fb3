"""``lw certify``: certificate, custom domain, mapping and DNS for ``domain``, planned.

The steps depend on each other (the domain needs an issued certificate, the alias
needs the domain's target), so values found while applying travel through the plan's
outputs. Planning still only reads: ``--dry-run`` shows every step and writes nothing.

A domain whose DNS is not in Route 53 cannot be validated by lw; the records to create
by hand are reported instead, and the command fails (exit 1) only while the
certificate is still waiting for them, because nothing can be served until then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError, UsageError
from lw.core.plan import Change, Outputs, Plan
from lw.providers.aws import certificates, dns, domain, footprint
from lw.providers.aws.routes import gateway_kind
from lw.providers.aws.session import AwsSession

CERT_KEY = "certificate_arn"
VALIDATION_KEY = "validation_records"
ALIAS_KEY = "alias_records"
TARGET_KEY = "domain_target"


@dataclass
class CertifyPlan:
    plan: Plan
    spec: domain.DomainSpec
    zone: dns.HostedZone | None
    # Known while planning; the rest is filled in from the outputs after applying.
    validation_records: list[dns.Record] = field(default_factory=list)
    certificate_issued: bool = False
    target: str | None = None

    def manual_records(self, outputs: Outputs) -> list[dns.Record]:
        """What the user must create at their DNS host when the zone is not in Route 53."""
        if self.zone is not None:
            return []
        records = list(outputs.get(VALIDATION_KEY) or self.validation_records)
        target = outputs.get(TARGET_KEY) or self.target
        if target:
            records.append(dns.Record(name=self.spec.name, type="CNAME", value=target))
        return records

    def blocked(self) -> bool:
        """No Route 53 zone and a certificate that ACM has not issued yet: nothing more
        can be done until the user creates the validation record."""
        return self.zone is None and not self.certificate_issued


def plan_certify(ctx: Context, aws: AwsSession, *, timeout: float) -> CertifyPlan:
    wanted = domain.spec(ctx, gateway_kind(ctx))
    if wanted is None:
        raise UsageError(
            f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': set domain (for example "
            "domain: api.example.com) to use lw certify"
        )
    zone = dns.find_zone(aws, wanted.name)
    result = CertifyPlan(plan=Plan(), spec=wanted, zone=zone)
    certificate_arn = _plan_certificate(ctx, aws, result, timeout)
    if result.blocked():
        result.plan.messages.append(
            f"{wanted.name} is not in a Route 53 hosted zone of this account: lw prints the DNS records to create"
        )
        return result
    _plan_domain(ctx, aws, result, certificate_arn)
    return result


def _plan_certificate(ctx: Context, aws: AwsSession, result: CertifyPlan, timeout: float) -> str | None:
    """Use ``certificate_arn`` as is, else an ACM certificate for the domain (found or
    requested), with its validation records kept in the zone so ACM can renew it."""
    wanted, zone, plan = result.spec, result.zone, result.plan
    region = certificates.region_for(aws, wanted.endpoint_type)
    if wanted.certificate_arn:
        return _given_certificate(ctx, aws, result, region)
    acm = certificates.acm_client(aws, region)
    resource = f"ACM certificate {wanted.name} ({region})"
    found = certificates.find(acm, wanted.name)
    if found is None:

        def request(outputs: Outputs) -> None:
            arn = certificates.request(acm, wanted.name, ctx.app.tags)
            outputs[CERT_KEY] = arn
            outputs[VALIDATION_KEY] = certificates.wait_for_validation_records(acm, arn)

        plan.changes.append(
            Change("create", resource, "DNS-validated, renewed by ACM", request, step="request certificate")
        )
        if zone is not None:
            plan.changes.append(
                dns.upsert_deferred(
                    aws, zone, f"Route 53 validation record of {wanted.name}", "ACM DNS validation", VALIDATION_KEY
                )
            )
            plan.changes.append(_wait_change(ctx, acm, resource, wanted.name, None, timeout))
        return None

    arn = str(found["CertificateArn"])
    result.certificate_issued = found.get("Status") == "ISSUED"
    result.validation_records = certificates.validation_records(certificates.describe(acm, arn))
    if zone is not None:  # a wildcard's record may belong to a parent zone: left to whoever made it
        plan.changes += [
            dns.upsert_change(aws, zone, record, "ACM DNS validation (needed for renewals)")
            for record in result.validation_records
            if dns.in_zone(zone, record.name)
        ]
    if result.certificate_issued:
        plan.changes.append(Change("noop", resource, f"issued: {arn}", outputs={CERT_KEY: arn}))
    elif zone is not None:
        plan.changes.append(_wait_change(ctx, acm, resource, wanted.name, arn, timeout))
    return arn


def _given_certificate(ctx: Context, aws: AwsSession, result: CertifyPlan, region: str) -> str:
    wanted = result.spec
    arn = wanted.certificate_arn or ""
    parts = arn.split(":")
    where = f"{ctx.app.config_file.name}: stage '{ctx.app.stage}'"
    if len(parts) < 6 or parts[2] != "acm":
        raise ConfigError(f"{where}: certificate_arn {arn!r} is not an ACM certificate ARN")
    if parts[3] != region:
        why = (
            "EDGE domains use CloudFront, which reads certificates from us-east-1"
            if wanted.endpoint_type == "EDGE"
            else "a REGIONAL domain needs a certificate of its own region"
        )
        raise ConfigError(f"{where}: certificate_arn is in {parts[3]} but must be in {region} ({why})")
    status = certificates.describe(certificates.acm_client(aws, region), arn).get("Status")
    if status != "ISSUED":
        raise ProviderError(
            f"certificate_arn {arn} is {status}, not ISSUED; validate it in ACM or remove "
            "certificate_arn to let lw certify request one"
        )
    result.certificate_issued = True
    result.plan.changes.append(
        Change("noop", f"ACM certificate {wanted.name}", f"given: {arn}", outputs={CERT_KEY: arn})
    )
    return arn


def _wait_change(ctx: Context, acm: Any, resource: str, name: str, arn: str | None, timeout: float) -> Change:
    def wait(outputs: Outputs) -> None:
        certificate = arn or outputs[CERT_KEY]
        certificates.wait_issued(acm, certificate, name, ctx.reporter, timeout=timeout)
        outputs[CERT_KEY] = certificate

    return Change(
        "update", resource, f"wait for DNS validation (up to {int(timeout)} s)", wait, step="validate certificate"
    )


def _plan_domain(ctx: Context, aws: AwsSession, result: CertifyPlan, certificate_arn: str | None) -> None:
    """The custom domain on that certificate, the stage's mapping, and the alias."""
    wanted, zone, plan = result.spec, result.zone, result.plan
    remote = domain.read_domain(aws, wanted.name, wanted.kind)
    resource = f"API Gateway domain {wanted.name}"
    if remote is None:

        def create(outputs: Outputs) -> None:
            created = domain.create_domain(ctx, aws, wanted, certificate_arn or outputs[CERT_KEY])
            outputs[TARGET_KEY] = created.target
            outputs[ALIAS_KEY] = _alias_records(wanted.name, created)

        plan.changes.append(
            Change("create", resource, f"{wanted.endpoint_type}, TLS 1.2", create, step="create custom domain")
        )
    elif certificate_arn:
        plan.changes.append(domain.certificate_update_change(aws, wanted, remote, certificate_arn))
        result.target = remote.target

    api_id = domain.find_api_id(ctx, aws, wanted.kind)
    if api_id is None:
        plan.messages.append(f"API {ctx.app.name} is not deployed yet: lw deploy will map it on {wanted.name}")
    else:
        plan.changes += domain.mapping_changes(
            ctx, aws, wanted, api_id, domain_is_new=remote is None, apis=footprint.used(ctx, aws)
        )

    if zone is None:
        return
    if remote is None:
        plan.changes.append(
            dns.upsert_deferred(
                aws, zone, f"Route 53 alias records of {wanted.name}", "alias to the custom domain", ALIAS_KEY
            )
        )
        return
    records = _alias_records(wanted.name, remote)
    plan.changes += [dns.upsert_change(aws, zone, record, "alias to the custom domain") for record in records]


def _alias_records(name: str, remote: domain.RemoteDomain) -> list[dns.Record]:
    if not remote.target or not remote.target_zone_id:
        raise ProviderError(
            f"API Gateway did not report the DNS target of custom domain {name}; run lw certify again in a minute"
        )
    return [
        dns.Record(name=name, type=t, value=remote.target, alias_zone_id=remote.target_zone_id) for t in dns.ALIAS_TYPES
    ]
