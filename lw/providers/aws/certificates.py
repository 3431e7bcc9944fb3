"""ACM certificates for custom domains: found, requested with DNS validation, awaited.

DNS validation is what makes the certificate free and renewed by ACM for as long as
the validation record stays in the zone, so nothing (no private key, no renewal job)
ever passes through lw. The certificate must live where API Gateway reads it:
us-east-1 for an EDGE domain (CloudFront), the stage's region for a REGIONAL one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from lw.core.context import Reporter
from lw.core.errors import ProviderError
from lw.providers.aws.dns import Record
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession

EDGE_REGION = "us-east-1"
USABLE = ("ISSUED", "PENDING_VALIDATION")
# ListCertificates returns only RSA_1024/RSA_2048 certificates unless asked for the
# other key types: an ECDSA certificate (which ACM issues too) would look missing.
KEY_TYPES = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
FAILED = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")
DEFAULT_TIMEOUT_SECONDS = 600


def region_for(aws: AwsSession, endpoint_type: str) -> str:
    return EDGE_REGION if endpoint_type == "EDGE" else aws.region


def acm_client(aws: AwsSession, region: str) -> Any:
    """ACM in ``region``; a second session only when it is not the stage's region."""
    if region == aws.region:
        return aws.client("acm")
    return AwsSession(profile=aws.profile, region=region).client("acm")


def covers(certificate_names: list[str], domain: str) -> bool:
    """Whether a certificate for these names serves ``domain`` (exact, or a wildcard
    one level up: ``*.example.com`` covers ``api.example.com``)."""
    wanted = domain.lower().rstrip(".")
    parent = wanted.split(".", 1)[1] if "." in wanted else ""
    for name in certificate_names:
        name = name.lower().rstrip(".")
        if name == wanted or (name.startswith("*.") and name[2:] == parent):
            return True
    return False


def find(acm: Any, domain: str) -> dict[str, Any] | None:
    """An issued certificate serving ``domain``, else one still pending validation
    (so that a second ``lw certify`` waits for it instead of requesting another)."""
    pages = aws_call(
        "list",
        "ACM certificates",
        lambda: list(
            acm.get_paginator("list_certificates").paginate(
                CertificateStatuses=list(USABLE), Includes={"keyTypes": list(KEY_TYPES)}
            )
        ),
    )
    found: list[dict[str, Any]] = []
    for page in pages:
        for summary in page.get("CertificateSummaryList") or []:
            names = [summary.get("DomainName", "")] + list(summary.get("SubjectAlternativeNameSummaries") or [])
            if covers(names, domain):
                found.append(summary)
    found.sort(key=lambda s: (s.get("Status") != "ISSUED", s.get("DomainName") != domain))
    return found[0] if found else None


def describe(acm: Any, arn: str) -> dict[str, Any]:
    result = aws_call("read", f"ACM certificate {arn}", lambda: acm.describe_certificate(CertificateArn=arn))
    return dict(result["Certificate"])


def validation_records(certificate: dict[str, Any]) -> list[Record]:
    """The CNAME records that prove control of each name (one per distinct record)."""
    records: list[Record] = []
    for option in certificate.get("DomainValidationOptions") or []:
        rr = option.get("ResourceRecord")
        if rr and not any(r.name == rr["Name"] for r in records):
            records.append(Record(name=rr["Name"], type=rr.get("Type", "CNAME"), value=rr["Value"]))
    return records


def request(acm: Any, domain: str, tags: dict[str, str]) -> str:
    """Request a DNS-validated certificate. The idempotency token makes a retried run
    within the hour get the same certificate back rather than a duplicate."""
    token = hashlib.sha256(f"lw:{domain}".encode()).hexdigest()[:32]
    created = acm.request_certificate(
        DomainName=domain,
        ValidationMethod="DNS",
        IdempotencyToken=token,
        Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    )
    return str(created["CertificateArn"])


def wait_for_validation_records(
    acm: Any,
    arn: str,
    *,
    timeout: float = 60.0,
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Record]:
    """ACM fills in the validation records a few seconds after the request."""
    deadline = clock() + timeout
    while True:
        certificate = describe(acm, arn)
        options = certificate.get("DomainValidationOptions") or []
        if options and all(o.get("ResourceRecord") for o in options):
            return validation_records(certificate)
        if clock() >= deadline:
            raise ProviderError(
                f"ACM certificate {arn} has no DNS validation record after {int(timeout)} s; run lw certify again"
            )
        sleep(interval)


def wait_issued(
    acm: Any,
    arn: str,
    domain: str,
    reporter: Reporter,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Poll until ACM has validated the records. Bounded, because DNS that never
    resolves (a delegation missing at the registrar) would otherwise hang forever."""
    started = clock()
    while True:
        status = describe(acm, arn).get("Status")
        if status == "ISSUED":
            return
        if status in FAILED:
            raise ProviderError(
                f"ACM certificate for {domain} is {status} ({arn}); check that the domain's DNS "
                "is served by the Route 53 zone, then run lw certify again"
            )
        elapsed = clock() - started
        if elapsed >= timeout:
            raise ProviderError(
                f"ACM certificate for {domain} is still {status} after {int(elapsed)} s ({arn}); DNS validation "
                "can take up to 30 minutes: run lw certify again later (or pass a longer --timeout)"
            )
        reporter.progress(f"waiting for ACM to validate {domain} ({status}, {int(elapsed)} s)")
        sleep(interval)
