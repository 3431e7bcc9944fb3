"""Custom domains: ``lw certify``, the mapping kept by ``lw deploy``, and ``lw undeploy``,
driven through the real CLI against moto server.

Two moto gaps are filled in-process (the server runs in this process), so that the
code sees what AWS returns: an HTTP API domain's configuration carries its
``ApiGatewayDomainName``/``HostedZoneId`` (moto leaves them out), and reading the
base path mappings of a domain that never had one gives an empty list (moto fails
with a KeyError). Waiting and timeouts are tested with a fake ACM and clock, since
moto issues certificates at once.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any

import boto3
import pytest
from cli_helpers import leftovers, lw_json, lw_run

from lw.core.context import Reporter
from lw.core.errors import ProviderError
from lw.providers.aws import certificates, dns

NAME = "shop-dev"
DOMAIN = "api.example.com"
REGIONAL_ZONE_ID = "Z1UJRXOUMOOFQ8"  # API Gateway's regional hosted zone in us-east-1

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ.get("SCRIPT_NAME", "").encode()]
"""


@pytest.fixture
def moto_gaps(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.apigateway.models import APIGatewayBackend
    from moto.apigatewayv2.models import DomainName

    original_mappings = APIGatewayBackend.get_base_path_mappings

    def mappings(self: Any, domain_name: str) -> Any:
        if domain_name in self.domain_names and domain_name not in self.base_path_mappings:
            return []
        return original_mappings(self, domain_name)

    original_json = DomainName.to_json

    def to_json(self: Any) -> dict[str, Any]:
        data = original_json(self)
        digest = hashlib.sha256(self.domain_name.encode()).hexdigest()[:10]
        data["domainNameConfigurations"] = [
            {
                **c,
                "apiGatewayDomainName": f"d-{digest}.execute-api.us-east-1.amazonaws.com",
                "hostedZoneId": REGIONAL_ZONE_ID,
            }
            for c in data["domainNameConfigurations"]
        ]
        return data

    monkeypatch.setattr(APIGatewayBackend, "get_base_path_mappings", mappings)
    monkeypatch.setattr(DomainName, "to_json", to_json)


def write_project(root: Path, **settings: Any) -> Path:
    project = root / "shop"
    project.mkdir(parents=True, exist_ok=True)
    (project / "app.py").write_text(APP)
    lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in settings.items())
    (project / "lw.yml").write_text(
        textwrap.dedent("""\
        dev:
          project_name: shop
          app_function: app.app
          keep_warm: false
        """)
        + lines
    )
    return project


@pytest.fixture
def shop(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_gaps: None) -> Path:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CI", "1")
    return write_project(tmp_path, domain=DOMAIN, base_path="v1")


def make_zone(name: str = "example.com", *, private: bool = False) -> str:
    params: dict[str, Any] = {"Name": name, "CallerReference": name + str(private)}
    if private:
        params["VPC"] = {"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"}
        params["HostedZoneConfig"] = {"PrivateZone": True, "Comment": "private"}
    return boto3.client("route53").create_hosted_zone(**params)["HostedZone"]["Id"].split("/")[-1]


def records(zone_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    found = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"], r["Type"]): r for r in found if r["Type"] not in ("NS", "SOA")}


def rest_api_id() -> str:
    return boto3.client("apigateway").get_rest_apis()["items"][0]["id"]


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


# --------------------------------------------------------------------------- REST API


def test_certify_after_deploy_then_idempotent_then_undeploy(shop: Path, call_counter) -> None:
    zone = make_zone()
    ok(lw_run(shop, "deploy"))
    api_id = rest_api_id()

    call_counter.clear()
    certified = ok(lw_run(shop, "certify"))
    assert certified.stdout.strip() == "https://api.example.com/v1/"
    assert call_counter.mutating == [
        ("acm", "RequestCertificate"),
        ("route53", "ChangeResourceRecordSets"),
        ("apigateway", "CreateDomainName"),
        ("apigateway", "CreateBasePathMapping"),
        ("route53", "ChangeResourceRecordSets"),
    ]

    acm = boto3.client("acm")
    [cert] = acm.list_certificates()["CertificateSummaryList"]
    described = acm.describe_certificate(CertificateArn=cert["CertificateArn"])["Certificate"]
    assert described["DomainName"] == DOMAIN and described["Status"] == "ISSUED"
    tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=cert["CertificateArn"])["Tags"]}
    assert tags["lw:project"] == "shop" and tags["lw:stage"] == "dev"
    custom = boto3.client("apigateway").get_domain_name(domainName=DOMAIN)
    assert custom["regionalCertificateArn"] == cert["CertificateArn"]
    assert custom["endpointConfiguration"]["types"] == ["REGIONAL"] and custom["tags"]["lw:stage"] == "dev"
    mappings = boto3.client("apigateway").get_base_path_mappings(domainName=DOMAIN)["items"]
    assert [(m["basePath"], m["restApiId"], m["stage"]) for m in mappings] == [("v1", api_id, "dev")]
    dns_records = records(zone)
    validation = described["DomainValidationOptions"][0]["ResourceRecord"]
    cname = dns_records[(validation["Name"], "CNAME")]
    assert cname["ResourceRecords"] == [{"Value": validation["Value"]}]
    for record_type in ("A", "AAAA"):
        alias = dns_records[("api.example.com.", record_type)]["AliasTarget"]
        assert alias["DNSName"].rstrip(".") == custom["regionalDomainName"]
        assert alias["HostedZoneId"] == custom["regionalHostedZoneId"]

    call_counter.clear()
    again = ok(lw_run(shop, "certify"))
    assert call_counter.mutating == []
    assert "no changes" in again.stderr and again.stdout == certified.stdout

    call_counter.clear()
    redeploy = ok(lw_run(shop, "deploy"))
    assert call_counter.mutating == []
    assert redeploy.stdout.splitlines() == [
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/dev/",
        "https://api.example.com/v1/",
    ]
    assert lw_json(shop, "status")["urls"][-1] == "https://api.example.com/v1/"

    preview = ok(lw_run(shop, "undeploy", "--dry-run"))
    assert "delete API Gateway domain api.example.com" in preview.stdout
    call_counter.clear()
    ok(lw_run(shop, "undeploy", "--yes"))
    assert call_counter.count()[("apigateway", "DeleteBasePathMapping")] == 1
    assert call_counter.count()[("apigateway", "DeleteDomainName")] == 1
    assert boto3.client("apigateway").get_domain_names()["items"] == []
    remaining = records(zone)
    assert ("api.example.com.", "A") not in remaining and ("api.example.com.", "AAAA") not in remaining
    assert (validation["Name"], "CNAME") in remaining  # ACM renews with it: kept
    assert [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]] == [cert["CertificateArn"]]
    assert leftovers(NAME, "shop", "dev") == [f"tagged {cert['CertificateArn']}"]


def test_certify_dry_run_changes_nothing(shop: Path, call_counter) -> None:
    make_zone()
    ok(lw_run(shop, "deploy"))
    call_counter.clear()
    preview = ok(lw_run(shop, "certify", "--dry-run"))
    assert call_counter.mutating == []
    for line in (
        "create ACM certificate api.example.com (us-east-1)",
        "create Route 53 validation record of api.example.com",
        "update ACM certificate api.example.com (us-east-1)  (wait for DNS validation (up to 600 s))",
        "create API Gateway domain api.example.com",
        "create base path mapping api.example.com/v1",
        "create Route 53 alias records of api.example.com",
    ):
        assert line in preview.stdout
    assert boto3.client("acm").list_certificates()["CertificateSummaryList"] == []


def test_certify_before_deploy_then_deploy_maps_the_new_api(shop: Path, call_counter) -> None:
    make_zone()
    certified = ok(lw_run(shop, "certify"))
    assert "lw deploy will map it" in certified.stderr
    assert boto3.client("apigateway").get_base_path_mappings(domainName=DOMAIN)["items"] == []

    call_counter.clear()
    deployed = ok(lw_run(shop, "deploy"))
    assert ("apigateway", "CreateBasePathMapping") in call_counter.mutating
    assert deployed.stdout.splitlines()[-1] == "https://api.example.com/v1/"
    [mapping] = boto3.client("apigateway").get_base_path_mappings(domainName=DOMAIN)["items"]
    assert mapping["restApiId"] == rest_api_id() and mapping["basePath"] == "v1"

    call_counter.clear()
    ok(lw_run(shop, "deploy"))
    assert call_counter.mutating == []


def test_base_path_change_moves_the_mapping(shop: Path, call_counter) -> None:
    make_zone()
    ok(lw_run(shop, "deploy"))
    ok(lw_run(shop, "certify"))
    (shop / "lw.yml").write_text((shop / "lw.yml").read_text().replace('base_path: "v1"', 'base_path: "shop"'))
    call_counter.clear()
    moved = ok(lw_run(shop, "deploy"))
    # base_path is also in the package's settings (the runtime strips it), hence a new release too.
    assert [c for c in call_counter.mutating if c[0] == "apigateway"] == [
        ("apigateway", "DeleteBasePathMapping"),
        ("apigateway", "CreateBasePathMapping"),
    ]
    assert moved.stdout.splitlines()[-1] == "https://api.example.com/shop/"
    mappings = boto3.client("apigateway").get_base_path_mappings(domainName=DOMAIN)["items"]
    assert [m["basePath"] for m in mappings] == ["shop"]


def test_deploy_without_certify_warns_and_maps_nothing(shop: Path) -> None:
    deployed = ok(lw_run(shop, "deploy"))
    assert "custom domain api.example.com is not set up yet: run lw certify" in deployed.stderr
    assert len(deployed.stdout.splitlines()) == 1
    assert boto3.client("acm").list_certificates()["CertificateSummaryList"] == []


def test_mapping_of_someone_elses_api_is_refused(shop: Path) -> None:
    make_zone()
    ok(lw_run(shop, "certify"))
    apigw = boto3.client("apigateway")
    other = apigw.create_rest_api(name="not-lw")["id"]
    root = apigw.get_resources(restApiId=other)["items"][0]["id"]
    apigw.put_method(restApiId=other, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=other, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=other, stageName="prod")
    apigw.create_base_path_mapping(domainName=DOMAIN, restApiId=other, stage="prod", basePath="v1")
    refused = lw_run(shop, "deploy")
    assert refused.exit_code == 1
    assert f"custom domain api.example.com already maps /v1 to API {other}" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_given_certificate_arn_is_used_as_is(shop: Path, call_counter) -> None:
    make_zone()
    acm = boto3.client("acm")
    arn = acm.request_certificate(DomainName="*.example.com", ValidationMethod="DNS")["CertificateArn"]
    acm.describe_certificate(CertificateArn=arn)  # moto issues it on the first describe
    (shop / "lw.yml").write_text((shop / "lw.yml").read_text() + f"  certificate_arn: {arn}\n")
    call_counter.clear()
    ok(lw_run(shop, "certify"))
    assert ("acm", "RequestCertificate") not in call_counter.calls
    assert boto3.client("apigateway").get_domain_name(domainName=DOMAIN)["regionalCertificateArn"] == arn

    elsewhere = arn.replace(":us-east-1:", ":eu-west-1:")
    (shop / "lw.yml").write_text((shop / "lw.yml").read_text().replace(arn, elsewhere))
    wrong = lw_run(shop, "certify")
    assert wrong.exit_code == 2
    assert "certificate_arn is in eu-west-1 but must be in us-east-1" in wrong.stderr


def test_new_certificate_arn_updates_the_domain_in_the_plan(shop: Path, call_counter) -> None:
    """``UpdateDomainName`` is not in moto (500): the planned change is what is checked."""
    make_zone()
    ok(lw_run(shop, "certify"))
    first = boto3.client("apigateway").get_domain_name(domainName=DOMAIN)["regionalCertificateArn"]
    acm = boto3.client("acm")
    other = acm.request_certificate(DomainName=DOMAIN, ValidationMethod="DNS", IdempotencyToken="other")[
        "CertificateArn"
    ]
    acm.describe_certificate(CertificateArn=other)
    (shop / "lw.yml").write_text((shop / "lw.yml").read_text() + f"  certificate_arn: {other}\n")
    call_counter.clear()
    preview = ok(lw_run(shop, "certify", "--dry-run"))
    assert f"update API Gateway domain api.example.com  (certificate {first} -> {other})" in preview.stdout
    assert call_counter.mutating == []


def test_existing_wildcard_certificate_is_reused(shop: Path, call_counter) -> None:
    make_zone()
    acm = boto3.client("acm")
    arn = acm.request_certificate(DomainName="*.example.com", ValidationMethod="DNS")["CertificateArn"]
    call_counter.clear()
    ok(lw_run(shop, "certify"))
    assert ("acm", "RequestCertificate") not in call_counter.calls
    assert boto3.client("apigateway").get_domain_name(domainName=DOMAIN)["regionalCertificateArn"] == arn


def test_failed_step_is_one_line_and_rerun_finishes(shop: Path, fault) -> None:
    zone = make_zone()
    ok(lw_run(shop, "deploy"))
    # (a quota refusal would be waited out: see test_aws_quirks)
    fault.fail("apigateway", "CreateDomainName", "BadRequestException", "Certificate not ready", status=400)
    failed = lw_run(shop, "certify")
    assert failed.exit_code == 1
    assert failed.stderr.strip().endswith(
        "create custom domain of API Gateway domain api.example.com failed: BadRequestException: Certificate not ready"
    )
    assert len(failed.stderr.strip().splitlines()) == 1
    ok(lw_run(shop, "certify"))
    assert len(boto3.client("acm").list_certificates()["CertificateSummaryList"]) == 1
    assert ("api.example.com.", "A") in records(zone)


# --------------------------------------------------------------------------- HTTP API, EDGE, no zone


def test_http_api_mapping_certify_idempotent_and_undeploy(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_gaps: None, call_counter
) -> None:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = write_project(tmp_path, domain=DOMAIN, apigateway="http")
    zone = make_zone()
    ok(lw_run(project, "deploy"))
    call_counter.clear()
    certified = ok(lw_run(project, "certify"))
    assert certified.stdout.strip() == "https://api.example.com/"
    assert call_counter.mutating == [
        ("acm", "RequestCertificate"),
        ("route53", "ChangeResourceRecordSets"),
        ("apigatewayv2", "CreateDomainName"),
        ("apigatewayv2", "CreateApiMapping"),
        ("route53", "ChangeResourceRecordSets"),
    ]
    v2 = boto3.client("apigatewayv2")
    [mapping] = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert mapping["ApiId"] == v2.get_apis()["Items"][0]["ApiId"] and mapping["Stage"] == "$default"
    alias = records(zone)[("api.example.com.", "A")]["AliasTarget"]
    assert alias["HostedZoneId"] == REGIONAL_ZONE_ID and alias["DNSName"].startswith("d-")

    call_counter.clear()
    ok(lw_run(project, "certify"))
    ok(lw_run(project, "deploy"))
    assert call_counter.mutating == []

    ok(lw_run(project, "undeploy", "--yes"))
    assert v2.get_domain_names()["Items"] == []
    assert ("api.example.com.", "A") not in records(zone)


def test_edge_domain_takes_its_certificate_from_us_east_1(
    aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_gaps: None
) -> None:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    project = write_project(tmp_path, domain=DOMAIN, domain_endpoint_type="EDGE", aws_region="eu-west-1")
    zone = make_zone()
    ok(lw_run(project, "deploy"))
    ok(lw_run(project, "certify"))
    assert len(boto3.client("acm", region_name="us-east-1").list_certificates()["CertificateSummaryList"]) == 1
    assert boto3.client("acm", region_name="eu-west-1").list_certificates()["CertificateSummaryList"] == []
    custom = boto3.client("apigateway", region_name="eu-west-1").get_domain_name(domainName=DOMAIN)
    assert (
        custom["endpointConfiguration"]["types"] == ["EDGE"] and custom["certificateArn"].split(":")[3] == "us-east-1"
    )
    alias = records(zone)[("api.example.com.", "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == custom["distributionDomainName"]


def test_domain_outside_route53_prints_records_to_create(shop: Path, call_counter) -> None:
    ok(lw_run(shop, "deploy"))
    first = lw_run(shop, "certify")
    # A new certificate cannot be validated without the record: exit 1, the record in the message.
    assert first.exit_code == 1
    [cert] = boto3.client("acm").list_certificates()["CertificateSummaryList"]
    record = boto3.client("acm").describe_certificate(CertificateArn=cert["CertificateArn"])["Certificate"][
        "DomainValidationOptions"
    ][0]["ResourceRecord"]
    assert "is not in a Route 53 hosted zone" in first.stderr
    assert f"{record['Name']} CNAME {record['Value']}" in first.stderr
    assert ("route53", "ChangeResourceRecordSets") not in call_counter.mutating

    # Once ACM has issued it, the domain is set up and the final CNAME is printed.
    second = lw_json(shop, "certify")
    custom = boto3.client("apigateway").get_domain_name(domainName=DOMAIN)
    assert second["urls"] == ["https://api.example.com/v1/"]
    assert second["dns_records_to_create"] == [
        {"name": record["Name"], "type": "CNAME", "value": record["Value"]},
        {"name": DOMAIN, "type": "CNAME", "value": custom["regionalDomainName"]},
    ]
    call_counter.clear()
    third = ok(lw_run(shop, "certify"))
    assert call_counter.mutating == []
    assert f"api.example.com. CNAME {custom['regionalDomainName']}" in third.stderr


def test_config_errors_exit_2(aws_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
    cases = [
        ({"domain": "https://api.example.com"}, "is not a DNS name"),
        ({"domain": DOMAIN, "base_path": "a b"}, "base_path 'a b' may only hold"),
        ({"domain": DOMAIN, "apigateway": "http", "domain_endpoint_type": "EDGE"}, "can only be REGIONAL"),
        ({"domain": DOMAIN, "apigateway": False, "function_url": True}, "domain needs an API Gateway"),
        ({}, "set domain"),
    ]
    for index, (settings, message) in enumerate(cases):
        project = write_project(tmp_path / str(index), **settings)
        result = lw_run(project, "certify")
        assert result.exit_code == 2, (settings, result.stderr)
        assert message in result.stderr


# --------------------------------------------------------------------------- units: zones, names, waiting


def test_zone_is_the_longest_public_suffix(aws_env: str) -> None:
    from lw.providers.aws.session import AwsSession

    example = dns.HostedZone(id=make_zone("example.com"), name="example.com")
    shop_zone = make_zone("shop.example.com")
    make_zone("api.shop.example.com", private=True)
    aws = AwsSession()
    assert dns.find_zone(aws, "api.shop.example.com") == dns.HostedZone(id=shop_zone, name="shop.example.com")
    assert dns.find_zone(aws, "www.example.com").name == "example.com"
    assert dns.find_zone(aws, "example.org") is None
    assert dns.find_zone(aws, "notexample.com") is None
    assert dns.in_zone(example, "_x.api.example.com.") and not dns.in_zone(example, "_x.example.org.")


def test_certificate_names_cover_exact_and_one_wildcard_level() -> None:
    assert certificates.covers(["api.example.com"], "API.example.com.")
    assert certificates.covers(["example.com", "*.example.com"], "api.example.com")
    assert not certificates.covers(["*.example.com"], "a.b.example.com")
    assert not certificates.covers(["*.example.com"], "example.com")


class FakeAcm:
    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.calls = 0

    def describe_certificate(self, CertificateArn: str) -> dict[str, Any]:
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"Certificate": {"CertificateArn": CertificateArn, "Status": status}}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_issued_polls_until_issued() -> None:
    acm, clock = FakeAcm(["PENDING_VALIDATION"] * 3 + ["ISSUED"]), FakeClock()
    certificates.wait_issued(
        acm, "arn", DOMAIN, Reporter(json_mode=True), timeout=60, interval=10, sleep=clock.sleep, clock=clock
    )
    assert acm.calls == 4 and clock.now == 30


def test_wait_issued_times_out_with_a_clear_message() -> None:
    acm, clock = FakeAcm(["PENDING_VALIDATION"]), FakeClock()
    with pytest.raises(ProviderError, match=r"still PENDING_VALIDATION after 60 s .*run lw certify again later"):
        certificates.wait_issued(
            acm, "arn", DOMAIN, Reporter(json_mode=True), timeout=60, interval=10, sleep=clock.sleep, clock=clock
        )
    assert clock.now == 60


def test_wait_issued_stops_on_failure() -> None:
    acm, clock = FakeAcm(["PENDING_VALIDATION", "FAILED"]), FakeClock()
    with pytest.raises(ProviderError, match="is FAILED"):
        certificates.wait_issued(acm, "arn", DOMAIN, Reporter(json_mode=True), sleep=clock.sleep, clock=clock)


def test_alias_record_comparison_ignores_case_and_root_dot() -> None:
    wanted = dns.Record(
        name=DOMAIN, type="A", value="d-abc.execute-api.us-east-1.amazonaws.com", alias_zone_id=REGIONAL_ZONE_ID
    )
    assert wanted.matches(
        {"AliasTarget": {"DNSName": "D-ABC.execute-api.us-east-1.amazonaws.com.", "HostedZoneId": REGIONAL_ZONE_ID}}
    )
    assert not wanted.matches(
        {"AliasTarget": {"DNSName": "d-other.execute-api.us-east-1.amazonaws.com.", "HostedZoneId": REGIONAL_ZONE_ID}}
    )
    assert not wanted.matches(None)


def test_custom_domain_lifecycle_under_the_strict_layer(shop: Path, strict_aws: Any, call_counter) -> None:
    """The same lifecycle against AWS's delays, states and quotas (tests/providers/aws/strict_aws/)."""
    test_certify_after_deploy_then_idempotent_then_undeploy(shop, call_counter)
    assert strict_aws.errors(), "the strict layer refused nothing: it was not in the way"


# --------------------------------------------------------------------------- multi-segment base_path (#11 finding 8)


@pytest.fixture
def shared_domains(monkeypatch: pytest.MonkeyPatch) -> None:
    """On AWS a REGIONAL custom domain is one resource both API Gateway APIs see, and a
    v2 API mapping may point at a REST API's stage. moto keeps v1 and v2 domains apart
    and takes only HTTP API ids, so v2 mappings onto a v1 domain are let through here,
    with AWS's checks: the domain, the REST API and its stage must exist. (moto's v1
    already refuses a base path holding '/', as AWS does.)"""
    from moto.apigateway.models import apigateway_backends
    from moto.apigatewayv2.exceptions import APIGatewayV2Error, BadRequestException
    from moto.apigatewayv2.models import ApiGatewayV2Backend, ApiMapping

    original = ApiGatewayV2Backend.create_api_mapping

    def create(self: Any, api_id: str, api_mapping_key: str, domain_name: str, stage: str) -> Any:
        v1 = apigateway_backends[self.account_id][self.region_name]
        if domain_name in self.domain_names or domain_name not in v1.domain_names:
            return original(self, api_id, api_mapping_key, domain_name, stage)
        if api_id in self.apis:  # an HTTP API mapped on the same (REGIONAL) domain
            if stage not in self.apis[api_id].stages:
                raise BadRequestException("Invalid API or stage")
        elif api_id not in v1.apis or stage not in v1.apis[api_id].stages:
            raise BadRequestException("Invalid API or stage")
        if any(
            m.domain_name == domain_name and m.api_mapping_key == api_mapping_key for m in self.api_mappings.values()
        ):
            conflict = APIGatewayV2Error("ConflictException", f"ApiMapping key {api_mapping_key} already exists")
            conflict.code = 409
            raise conflict
        mapping_id = self._generate_api_maping_id(api_mapping_key=api_mapping_key, stage=stage, domain_name=domain_name)
        mapping = ApiMapping(
            domain_name=domain_name,
            api_id=api_id,
            api_mapping_key=api_mapping_key,
            api_mapping_id=mapping_id,
            stage=stage,
        )
        self.api_mappings[mapping_id] = mapping
        return mapping

    monkeypatch.setattr(ApiGatewayV2Backend, "create_api_mapping", create)


def _set_base_path(project: Path, old: str, new: str) -> None:
    config = project / "lw.yml"
    config.write_text(config.read_text().replace(f'base_path: "{old}"', f'base_path: "{new}"'))


def test_multi_segment_rest_base_path_is_a_v2_api_mapping(shop: Path, shared_domains: None, call_counter) -> None:
    _set_base_path(shop, "v1", "api/v1")
    make_zone()
    ok(lw_run(shop, "deploy"))
    certified = ok(lw_run(shop, "certify"))
    assert certified.stdout.strip().splitlines()[-1] == "https://api.example.com/api/v1/"
    assert ("apigatewayv2", "CreateApiMapping") in call_counter.mutating
    v2 = boto3.client("apigatewayv2")
    [mapping] = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert (mapping["ApiMappingKey"], mapping["ApiId"], mapping["Stage"]) == ("api/v1", rest_api_id(), "dev")

    call_counter.clear()
    again = ok(lw_run(shop, "deploy"))
    assert call_counter.mutating == []
    assert again.stdout.splitlines()[-1] == "https://api.example.com/api/v1/"
    assert ok(lw_run(shop, "status")).stdout.count("https://api.example.com/api/v1/") == 1

    _set_base_path(shop, "api/v1", "v1")  # back to one segment: the v2 mapping goes, a base path comes
    call_counter.clear()
    ok(lw_run(shop, "deploy"))
    assert [c for c in call_counter.mutating if c[0].startswith("apigateway")] == [
        ("apigatewayv2", "DeleteApiMapping"),
        ("apigateway", "CreateBasePathMapping"),
    ]
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == []

    _set_base_path(shop, "v1", "api/v2")
    ok(lw_run(shop, "deploy"))
    assert [m["ApiMappingKey"] for m in v2.get_api_mappings(DomainName=DOMAIN)["Items"]] == ["api/v2"]
    assert boto3.client("apigateway").get_base_path_mappings(domainName=DOMAIN).get("items", []) == []
    ok(lw_run(shop, "undeploy", "--yes"))
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == []
    assert boto3.client("apigateway").get_domain_names()["items"] == []
    assert [x for x in leftovers(NAME, "shop", "dev") if ":certificate/" not in x] == []  # ACM keeps renewing it


def test_multi_segment_rest_base_path_under_the_strict_layer(
    shop: Path, shared_domains: None, strict_aws: Any, call_counter
) -> None:
    """The layer refuses a '/' in a v1 base path and a multi-level key on an EDGE
    domain, as API Gateway does (finding 8: lw used CreateBasePathMapping for api/v1)."""
    test_multi_segment_rest_base_path_is_a_v2_api_mapping(shop, shared_domains, call_counter)


def test_multi_segment_base_path_on_an_edge_domain_is_a_config_error(aws_env: str, tmp_path: Path) -> None:
    project = write_project(tmp_path, domain=DOMAIN, base_path="api/v1", domain_endpoint_type="EDGE")
    refused = lw_run(project, "deploy", "--dry-run")
    assert refused.exit_code == 2
    assert "base_path 'api/v1' has several segments" in refused.stderr and "REGIONAL" in refused.stderr


def test_an_http_apis_mapping_at_the_same_key_is_not_taken_over(shop: Path, shared_domains: None, call_counter) -> None:
    """A REGIONAL domain's v2 listing holds HTTP APIs' mappings too: one at the stage's
    key belongs to a live HTTP API, even though no REST API has its id."""
    _set_base_path(shop, "v1", "api/v1")
    make_zone()
    ok(lw_run(shop, "deploy"))
    ok(lw_run(shop, "certify"))
    v2 = boto3.client("apigatewayv2")
    [ours] = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=ours["ApiMappingId"])
    theirs = v2.create_api(Name="not-lw", ProtocolType="HTTP")["ApiId"]
    v2.create_stage(ApiId=theirs, StageName="$default")
    v2.create_api_mapping(DomainName=DOMAIN, ApiId=theirs, Stage="$default", ApiMappingKey="api/v1")

    call_counter.clear()
    refused = lw_run(shop, "deploy")
    assert refused.exit_code == 1, refused.stderr
    assert f"custom domain api.example.com already maps /api/v1 to API {theirs}" in refused.stderr
    assert ("apigatewayv2", "DeleteApiMapping") not in call_counter.mutating
    [kept] = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert (kept["ApiId"], kept["ApiMappingKey"]) == (theirs, "api/v1")

    v2.delete_api(ApiId=theirs)  # once that API is gone, its mapping is stale: lw takes the key
    ok(lw_run(shop, "deploy"))
    [mapped] = v2.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert (mapped["ApiId"], mapped["ApiMappingKey"]) == (rest_api_id(), "api/v1")
