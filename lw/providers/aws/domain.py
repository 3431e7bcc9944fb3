"""API Gateway custom domains and the mapping that puts a stage's API under one.

A REST API is reached through a *base path mapping* (API Gateway v1), an HTTP API
through an *API mapping* (v2). Both are found again by the domain name from
``lw.yml`` and the API lw deployed for the stage, so nothing is recorded locally. The
domain itself is tagged when lw creates it; only then does ``lw undeploy`` remove it.

A REST ``base_path`` of several segments (``api/v1``) cannot be a v1 base path
mapping (``CreateBasePathMapping`` refuses ``/``): it is made as a v2 API mapping,
which API Gateway accepts for REST APIs on a REGIONAL domain. Which API holds a
mapping is kept in ``Mapping.api`` so it is deleted through the API that made it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, cast

from lw.core.context import Context
from lw.core.errors import ConfigError, ProviderError
from lw.core.plan import ApplyFn, Change, Outputs
from lw.providers.aws import footprint, http_rest, http_v2, names
from lw.providers.aws.errors import aws_call, read_or_none
from lw.providers.aws.outputs import add_url
from lw.providers.aws.session import AwsSession

ENDPOINT_TYPES = ("REGIONAL", "EDGE")
NO_BASE_PATH = "(none)"  # how API Gateway v1 spells an empty base path
HTTP_STAGE = http_v2.STAGE
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_BASE_PATH_RE = re.compile(r"^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")


@dataclass(frozen=True)
class DomainSpec:
    """The custom domain a stage asks for in ``lw.yml``."""

    name: str
    base_path: str  # "" for the domain's root
    kind: str  # "rest" or "http": which API Gateway flavour owns the mapping
    endpoint_type: str
    certificate_arn: str | None

    @property
    def url(self) -> str:
        return f"https://{self.name}/{self.base_path}/" if self.base_path else f"https://{self.name}/"


@dataclass(frozen=True)
class RemoteDomain:
    """An API Gateway custom domain as read back, with the DNS target to alias to."""

    name: str
    kind: str
    certificate_arn: str | None
    target: str | None
    target_zone_id: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class Mapping:
    key: str  # "" for the root
    api_id: str
    stage: str
    mapping_id: str | None = None  # v2 only
    api: str = footprint.V1  # the control-plane API it was read from (and is deleted with)


def mapping_api(kind: str, key: str) -> str:
    """v2 for an HTTP API and for a multi-segment key; v1 base paths otherwise."""
    return footprint.V2 if kind == "http" or "/" in key else footprint.V1


def configured_base_path(ctx: Context) -> str:
    """``base_path`` as written (without slashes around it); "" when unset."""
    return str(ctx.app.setting("base_path") or "").strip("/") if ctx.app.setting("domain") else ""


def spec(ctx: Context, kind: str | None) -> DomainSpec | None:
    """The stage's ``domain`` settings, validated; ``None`` when no domain is set."""
    app = ctx.app
    raw = app.setting("domain")
    if not raw:
        return None
    where = f"{app.config_file.name}: stage '{app.stage}'"
    name = str(raw).strip().rstrip(".").lower()
    if name.startswith(("http://", "https://")) or not _DOMAIN_RE.match(name):
        raise ConfigError(f"{where}: domain {raw!r} is not a DNS name such as api.example.com")
    if kind is None:
        raise ConfigError(f"{where}: domain needs an API Gateway front door (apigateway: rest or http)")
    base_path = str(app.setting("base_path") or "").strip("/")
    if base_path and not _BASE_PATH_RE.match(base_path):
        raise ConfigError(
            f"{where}: base_path {app.setting('base_path')!r} may only hold letters, digits, "
            "'.', '_', '~', '-' and '/' between segments"
        )
    endpoint = str(app.setting("domain_endpoint_type") or "REGIONAL").upper()
    if endpoint not in ENDPOINT_TYPES:
        raise ConfigError(f"{where}: domain_endpoint_type must be REGIONAL or EDGE")
    if endpoint == "EDGE" and "/" in base_path:
        raise ConfigError(
            f"{where}: base_path {base_path!r} has several segments, which API Gateway maps only on "
            "a REGIONAL domain (set domain_endpoint_type: REGIONAL or use one segment)"
        )
    if endpoint == "EDGE" and kind == "http":
        raise ConfigError(
            f"{where}: an HTTP API custom domain can only be REGIONAL (domain_endpoint_type: EDGE "
            "needs apigateway: rest)"
        )
    certificate = app.setting("certificate_arn")
    return DomainSpec(
        name=name,
        base_path=base_path,
        kind=kind,
        endpoint_type=endpoint,
        certificate_arn=str(certificate) if certificate else None,
    )


# --------------------------------------------------------------------------- the domain


def read_domain(aws: AwsSession, name: str, kind: str) -> RemoteDomain | None:
    if kind == "rest":
        client = aws.client("apigateway")
        found = read_or_none(f"API Gateway domain {name}", lambda: client.get_domain_name(domainName=name))
        if not found:
            return None
        edge = "EDGE" in ((found.get("endpointConfiguration") or {}).get("types") or [])
        return RemoteDomain(
            name=name,
            kind=kind,
            certificate_arn=found.get("certificateArn") if edge else found.get("regionalCertificateArn"),
            target=found.get("distributionDomainName") if edge else found.get("regionalDomainName"),
            target_zone_id=found.get("distributionHostedZoneId") if edge else found.get("regionalHostedZoneId"),
            tags=dict(found.get("tags") or {}),
        )
    v2 = aws.client("apigatewayv2")
    found = read_or_none(f"API Gateway domain {name}", lambda: v2.get_domain_name(DomainName=name))
    if not found:
        return None
    config = (found.get("DomainNameConfigurations") or [{}])[0]
    return RemoteDomain(
        name=name,
        kind=kind,
        certificate_arn=config.get("CertificateArn"),
        target=config.get("ApiGatewayDomainName"),
        target_zone_id=config.get("HostedZoneId"),
        tags=dict(found.get("Tags") or {}),
    )


def create_domain(ctx: Context, aws: AwsSession, wanted: DomainSpec, certificate_arn: str) -> RemoteDomain:
    """Create the custom domain, tagged as lw's for this stage."""
    tags = ctx.app.tags
    if wanted.kind == "rest":
        client = aws.client("apigateway")
        params: dict[str, Any] = {
            "domainName": wanted.name,
            "endpointConfiguration": {"types": [wanted.endpoint_type]},
            "securityPolicy": "TLS_1_2",
            "tags": tags,
        }
        key = "certificateArn" if wanted.endpoint_type == "EDGE" else "regionalCertificateArn"
        client.create_domain_name(**params, **{key: certificate_arn})
    else:
        aws.client("apigatewayv2").create_domain_name(
            DomainName=wanted.name,
            Tags=tags,
            DomainNameConfigurations=[
                {"CertificateArn": certificate_arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
            ],
        )
    created = read_domain(aws, wanted.name, wanted.kind)
    if created is None:
        raise ProviderError(f"API Gateway domain {wanted.name} was created but cannot be read back")
    return created


def certificate_update_change(
    aws: AwsSession, wanted: DomainSpec, remote: RemoteDomain, certificate_arn: str
) -> Change:
    """Point an existing domain at another certificate (a new ``certificate_arn``)."""
    resource = f"API Gateway domain {wanted.name}"
    if remote.certificate_arn == certificate_arn:
        return Change("noop", resource, f"certificate {certificate_arn}")

    def update(outputs: Outputs) -> None:
        if wanted.kind == "rest":
            path = "/certificateArn" if wanted.endpoint_type == "EDGE" else "/regionalCertificateArn"
            aws.client("apigateway").update_domain_name(
                domainName=wanted.name, patchOperations=[{"op": "replace", "path": path, "value": certificate_arn}]
            )
        else:
            aws.client("apigatewayv2").update_domain_name(
                DomainName=wanted.name,
                DomainNameConfigurations=[
                    {"CertificateArn": certificate_arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
                ],
            )

    return Change(
        "update",
        resource,
        f"certificate {remote.certificate_arn} -> {certificate_arn}",
        update,
        step="update custom domain certificate",
    )


def delete_domain_change(aws: AwsSession, remote: RemoteDomain) -> Change:
    def delete(outputs: Outputs) -> None:
        if remote.kind == "rest":
            aws.client("apigateway").delete_domain_name(domainName=remote.name)
        else:
            aws.client("apigatewayv2").delete_domain_name(DomainName=remote.name)

    return Change(
        "delete", f"API Gateway domain {remote.name}", "made by lw for this stage", delete, step="delete custom domain"
    )


# --------------------------------------------------------------------------- mappings


def read_mappings(aws: AwsSession, name: str, kind: str, apis: frozenset[str] = frozenset()) -> list[Mapping]:
    """The domain's mappings: a REST domain's v1 base paths, plus its v2 API mappings
    when ``apis`` holds v2 (multi-segment keys exist only there); an HTTP domain's v2
    API mappings. A mapping both APIs list is kept once."""
    found: list[Mapping] = []
    if kind == "rest":
        client = aws.client("apigateway")
        pages = aws_call(
            "read",
            f"base path mappings of {name}",
            lambda: list(client.get_paginator("get_base_path_mappings").paginate(domainName=name)),
        )
        found = [
            Mapping(
                key="" if m.get("basePath") in (None, NO_BASE_PATH) else m["basePath"],
                api_id=m.get("restApiId", ""),
                stage=m.get("stage", ""),
            )
            for page in pages
            for m in page.get("items") or []
        ]
        if footprint.V2 not in apis:
            return found
    keys = {m.key for m in found}
    return found + [m for m in _read_api_mappings(aws, name) if m.key not in keys]


def _read_api_mappings(aws: AwsSession, name: str) -> list[Mapping]:
    v2 = aws.client("apigatewayv2")
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:  # botocore has no paginator for GetApiMappings
        params = {"DomainName": name, **({"NextToken": token} if token else {})}
        page = aws_call("read", f"API mappings of {name}", functools.partial(v2.get_api_mappings, **params))
        items += page.get("Items") or []
        token = page.get("NextToken")
        if not token:
            break
    return [
        Mapping(
            key=m.get("ApiMappingKey") or "",
            api_id=m["ApiId"],
            stage=m.get("Stage", ""),
            mapping_id=m.get("ApiMappingId"),
            api=footprint.V2,
        )
        for m in items
    ]


def find_api_id(ctx: Context, aws: AwsSession, kind: str) -> str | None:
    api = http_rest.find(ctx, aws) if kind == "rest" else http_v2.find(ctx, aws)
    if not api:
        return None
    return str(api["id"] if kind == "rest" else api["ApiId"])


def _stage(ctx: Context, kind: str) -> str:
    return ctx.app.stage if kind == "rest" else HTTP_STAGE


def _api_is_replaceable(ctx: Context, aws: AwsSession, kind: str, mapping: Mapping) -> bool:
    """A mapping may be taken over only from an API that is gone or is lw's for this
    stage (an earlier incarnation of it); never from someone else's API.

    The mapping's API is looked up as both flavours (the stage's own first): on a
    REGIONAL domain v2's listing holds REST APIs' and HTTP APIs' mappings alike, so an
    id that names no REST API may well be a live HTTP API (and the reverse). Calling
    it gone after one lookup handed someone else's key to this stage. A v1 base path
    mapping always names a REST API."""
    apigw, v2 = aws.client("apigateway"), aws.client("apigatewayv2")
    lookups = {
        "rest": lambda: read_or_none(
            f"REST API {mapping.api_id}", lambda: apigw.get_rest_api(restApiId=mapping.api_id)
        ),
        "http": lambda: read_or_none(f"HTTP API {mapping.api_id}", lambda: v2.get_api(ApiId=mapping.api_id)),
    }
    order = ["rest"] if mapping.api == footprint.V1 else sorted(lookups, key=lambda k: k != kind)
    for flavour in order:
        found = lookups[flavour]()
        if found is not None:
            return names.owns(found.get("tags" if flavour == "rest" else "Tags"), ctx.app)
    return True


def _create_mapping(aws: AwsSession, name: str, api: str, key: str, api_id: str, stage: str) -> None:
    if api == footprint.V1:
        params = {"domainName": name, "restApiId": api_id, "stage": stage}
        aws.client("apigateway").create_base_path_mapping(**params, **({"basePath": key} if key else {}))
    else:
        aws.client("apigatewayv2").create_api_mapping(DomainName=name, ApiId=api_id, Stage=stage, ApiMappingKey=key)


def _delete_mapping(aws: AwsSession, name: str, mapping: Mapping) -> None:
    if mapping.api == footprint.V1:
        aws.client("apigateway").delete_base_path_mapping(domainName=name, basePath=mapping.key or NO_BASE_PATH)
    else:
        aws.client("apigatewayv2").delete_api_mapping(DomainName=name, ApiMappingId=mapping.mapping_id)


def mapping_changes(
    ctx: Context,
    aws: AwsSession,
    wanted: DomainSpec,
    api_id: str | None,
    *,
    domain_is_new: bool = False,
    apis: frozenset[str] = frozenset(),
) -> list[Change]:
    """Map the stage's API at ``base_path``: noop when it already is, else create it,
    moving it off a stale API and dropping this API's mappings at an old base path.

    ``api_id`` is ``None`` when the API is created by the same plan: the id is then
    looked up by name when the change runs, after the API exists.
    """
    kind = wanted.kind
    stage = _stage(ctx, kind)
    label = f"/{wanted.base_path}" if wanted.base_path else "/"
    resource = f"{'base path' if kind == 'rest' else 'API'} mapping {wanted.name}{label}"
    url_outputs = {"urls": [wanted.url]}
    api = mapping_api(kind, wanted.base_path)
    apis = apis | {api}
    existing = [] if domain_is_new else read_mappings(aws, wanted.name, kind, apis)
    same_key = next((m for m in existing if m.key == wanted.base_path), None)
    stale = [m for m in existing if api_id and m.api_id == api_id and m.key != wanted.base_path]
    changes: list[Change] = []
    for old in stale:
        changes.append(
            Change(
                "delete",
                f"mapping {wanted.name}/{old.key}",
                "base_path changed",
                cast("ApplyFn", lambda o, old=old: _delete_mapping(aws, wanted.name, old)),
                step="delete domain mapping",
            )
        )
    if same_key and api_id and same_key.api_id == api_id and same_key.stage == stage:
        changes.append(Change("noop", resource, wanted.url, outputs=url_outputs))
        return changes
    if same_key and same_key.api_id != api_id and not _api_is_replaceable(ctx, aws, kind, same_key):
        raise ProviderError(
            f"custom domain {wanted.name} already maps {label} to API {same_key.api_id}, which "
            f"lw did not make for stage '{ctx.app.stage}'; set another base_path"
        )

    def apply(outputs: Outputs) -> None:
        target = api_id or find_api_id(ctx, aws, kind)
        if target is None:
            raise ProviderError(f"no {kind.upper()} API {names.api_name(ctx.app)} to map")
        if same_key is not None:  # v1 can patch, v2's update is delete + create everywhere
            _delete_mapping(aws, wanted.name, same_key)
        _create_mapping(aws, wanted.name, api, wanted.base_path, target, stage)
        add_url(outputs, wanted.url)  # after the new API's own URL, as for a known API

    why = "new API" if api_id is None else ("points to another API or stage" if same_key else "missing")
    changes.append(
        Change(
            "update" if same_key else "create",
            resource,
            f"{why}: {wanted.url}",
            apply,
            step="map custom domain",
            outputs=url_outputs if api_id else {},
        )
    )
    return changes


# --------------------------------------------------------------------------- deploy / undeploy / status


def plan_for_deploy(
    ctx: Context, aws: AwsSession, kind: str | None, apis: frozenset[str] = footprint.BOTH
) -> list[Change]:
    """``lw deploy`` keeps the mapping in place but never requests a certificate or
    creates the domain: that is ``lw certify``'s job, because it may wait for DNS."""
    wanted = spec(ctx, kind)
    if wanted is None:
        return []
    remote = read_domain(aws, wanted.name, wanted.kind)
    if remote is None:
        ctx.reporter.warn(f"custom domain {wanted.name} is not set up yet: run lw certify")
        return []
    return mapping_changes(ctx, aws, wanted, find_api_id(ctx, aws, wanted.kind), apis=apis)


def removal_changes(ctx: Context, aws: AwsSession, apis: frozenset[str] = footprint.BOTH) -> list[Change]:
    """Unmap this stage's APIs from its domain; remove the domain and its alias
    records only when lw created it for this stage and no other API is mapped on it."""
    from lw.providers.aws import dns

    raw = ctx.app.setting("domain")
    if not raw:
        return []
    name = str(raw).strip().rstrip(".").lower()
    changes: list[Change] = []
    # A regional domain is one resource that both API Gateway APIs report, so the
    # REST and HTTP passes can both find it (and its mappings): plan each removal once.
    unmapped: set[tuple[str, str]] = set()
    deleted: set[str] = set()
    for kind in ("rest", "http"):
        if (footprint.V1 if kind == "rest" else footprint.V2) not in apis:
            continue  # the stage never had anything there: do not read it
        remote = read_domain(aws, name, kind)
        if remote is None:
            continue
        api_id = find_api_id(ctx, aws, kind)
        mappings = read_mappings(aws, name, kind, apis)
        ours = [m for m in mappings if api_id and m.api_id == api_id]
        for mapping in ours:
            if (mapping.api_id, mapping.key) in unmapped:
                continue
            unmapped.add((mapping.api_id, mapping.key))
            changes.append(
                Change(
                    "delete",
                    f"mapping {name}/{mapping.key}",
                    "API of this stage",
                    cast("ApplyFn", lambda o, m=mapping: _delete_mapping(aws, name, m)),
                    step="delete domain mapping",
                )
            )
        if remote.name in deleted or not names.owns(remote.tags, ctx.app) or len(ours) < len(mappings):
            continue
        deleted.add(remote.name)
        zone = dns.find_zone(aws, name)
        if zone is not None and remote.target:
            changes += dns.delete_alias_changes(aws, zone, name, remote.target, "alias to lw's custom domain")
        changes.append(delete_domain_change(aws, remote))
    return changes


def current_url(ctx: Context, aws: AwsSession, kind: str | None, apis: frozenset[str] = footprint.BOTH) -> str | None:
    """The custom domain URL when the stage's API is mapped on it."""
    try:
        wanted = spec(ctx, kind)
    except ConfigError:
        return None
    if wanted is None or read_domain(aws, wanted.name, wanted.kind) is None:
        return None
    api_id = find_api_id(ctx, aws, wanted.kind)
    mapped = any(
        m.api_id == api_id and m.key == wanted.base_path for m in read_mappings(aws, wanted.name, wanted.kind, apis)
    )
    return wanted.url if api_id and mapped else None
