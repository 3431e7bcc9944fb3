"""The local stand-in for API Gateway, Function URLs and an ALB: HTTP request <-> Lambda event.

The point of the local provider is that the handler sees the same event it would see
behind the real front door, so the request is turned into the exact payload format the
stage selects (REST API v1, HTTP API v2, a Function URL, which uses the v2 shape, or an
Application Load Balancer target group with ``local: {front_door: alb}``), and the
handler's proxy response is turned back the way that front door would: v1 honours
``multiValueHeaders``, v2 joins ``cookies`` into Set-Cookie headers and accepts a bare
JSON value as a 200 response, and an ALB reads ``multiValueHeaders`` only when the
target group has multi-value headers on (``headers`` only when it has not), refuses a
body over 1 MB and answers 502 for a response over 1 MB or one that is not a proxy
response.

Like API Gateway, it also describes its own URL to the app in the headers it adds
(``X-Forwarded-Proto``, ``X-Forwarded-Port``, ``X-Forwarded-For``), overwriting any a
client sent: here the URL is plain ``http`` on a local port, and an app that built
``https`` links or compared a browser's ``Origin`` with an ``https`` host (Django's
CSRF check) would fail locally only.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

# "alb" / "alb-multi": a target group without / with lambda.multi_value_headers.enabled
PayloadFormat = Literal["v1", "v2", "url", "alb", "alb-multi"]
ALB_FORMATS = ("alb", "alb-multi")
ACCOUNT_ID = "123456789012"

# Lambda refuses a synchronous invocation payload over 6 MB; API Gateway answers 413.
PAYLOAD_LIMIT = 6 * 1024 * 1024
# An ALB passes a Lambda target at most 1 MB of request body and of response JSON.
ALB_LIMIT = 1024 * 1024

# Connection-level headers a proxy consumes; the app gets a complete, decoded body.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)
# Headers only the front door may set: whatever a client sent under these names goes.
_FRONT_DOOR_SETS = frozenset({"x-forwarded-proto", "x-forwarded-port", "x-forwarded-for"})

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "+json",
    "+xml",
    "application/x-www-form-urlencoded",
)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path plus query string, as received
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class FrontDoor:
    """What the local front door pretends to be; fixed for one deployment."""

    payload_format: PayloadFormat
    stage: str
    host: str
    region: str = "us-east-1"
    api_id: str = "lwlocal"
    scheme: str = "http"

    @property
    def body_limit(self) -> int:
        return ALB_LIMIT if self.payload_format in ALB_FORMATS else PAYLOAD_LIMIT

    @property
    def port(self) -> str:
        _, _, port = self.host.rpartition(":")
        return port if port.isdigit() else ("443" if self.scheme == "https" else "80")


def payload_format_for(apigateway: Any, function_url: Any, front_door: Any = None, alb: Any = None) -> PayloadFormat:
    """``front_door: alb`` selects ALB events (multi-value unless the stage's
    ``alb.multi_value_headers`` is false, as on AWS); ``apigateway: http`` selects v2;
    ``function_url: true`` with no API selects the Function URL event; anything else
    (the Zappa default) is a REST API."""
    if str(front_door or "").lower() == "alb":
        multi = alb.get("multi_value_headers", True) if isinstance(alb, dict) else True
        return "alb-multi" if multi is not False else "alb"
    mode = str(apigateway).lower() if apigateway is not None else "rest"
    if mode == "http":
        return "v2"
    if mode in ("false", "none", "0", "off") and function_url:
        return "url"
    return "v1"


def is_text(content_type: str) -> bool:
    lowered = content_type.lower()
    return any(marker in lowered for marker in _TEXT_TYPES)


def to_event(request: HttpRequest, door: FrontDoor) -> dict[str, Any]:
    request = replace(request, headers=proxied_headers(request, door))
    if door.payload_format == "v1":
        return _rest_event(request, door)
    if door.payload_format in ALB_FORMATS:
        return _alb_event(request, door)
    return _v2_event(request, door)


def proxied_headers(request: HttpRequest, door: FrontDoor) -> list[tuple[str, str]]:
    """The headers as the app receives them through this front door: hop-by-hop ones
    dropped, ``Content-Length`` that of the complete body, and the ``X-Forwarded-*``
    trio describing this URL truthfully (the client's own ``X-Forwarded-For`` chain is
    kept, with the real peer appended last, as API Gateway does)."""
    kept: list[tuple[str, str]] = []
    forwarded_for: list[str] = []
    has_host = False
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "x-forwarded-for":
            forwarded_for.append(value.strip())
        if lowered in _HOP_BY_HOP or lowered in _FRONT_DOOR_SETS:
            continue
        has_host = has_host or lowered == "host"
        kept.append((name, value))
    if not has_host:
        kept.insert(0, ("Host", door.host))
    if request.body:
        kept.append(("Content-Length", str(len(request.body))))
    kept.append(("X-Forwarded-For", ", ".join([*filter(None, forwarded_for), request.source_ip])))
    kept.append(("X-Forwarded-Proto", door.scheme))
    kept.append(("X-Forwarded-Port", door.port))
    return kept


def _split_target(target: str) -> tuple[str, str]:
    """Path and query as sent: API Gateway passes ``path``/``rawPath`` still
    percent-encoded and the runtime decodes them once, so decoding here too would
    turn ``%2F`` into a real ``/`` and ``%2525`` into ``%`` locally only."""
    path, _, query = target.partition("?")
    return path or "/", query


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = next((v for k, v in request.headers if k.lower() == "content-type"), "")
    if is_text(content_type):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _now() -> tuple[datetime, int]:
    epoch_ms = int(time.time() * 1000)
    return datetime.fromtimestamp(epoch_ms / 1000, timezone.utc), epoch_ms


def _rest_event(request: HttpRequest, door: FrontDoor) -> dict[str, Any]:
    path, query = _split_target(request.target)
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, encoded = _body(request)
    moment, epoch_ms = _now()
    user_agent = next((v for k, v in request.headers if k.lower() == "user-agent"), "")
    is_root = path == "/"
    return {
        "resource": "/" if is_root else "/{proxy+}",
        "path": path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None if is_root else {"proxy": unquote(path).lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": door.api_id,
            "resourceId": "local",
            "resourcePath": "/" if is_root else "/{proxy+}",
            "httpMethod": request.method,
            "path": f"/{door.stage}{path}",
            "stage": door.stage,
            "protocol": "HTTP/1.1",
            "domainName": door.host,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": epoch_ms,
            "identity": {"sourceIp": request.source_ip, "userAgent": user_agent},
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def _v2_event(request: HttpRequest, door: FrontDoor) -> dict[str, Any]:
    path, query = _split_target(request.target)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    body, encoded = _body(request)
    moment, epoch_ms = _now()
    http = {
        "method": request.method,
        "path": path,
        "protocol": "HTTP/1.1",
        "sourceIp": request.source_ip,
        "userAgent": headers.get("user-agent", ""),
    }
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID if door.payload_format == "v2" else "anonymous",
        "apiId": door.api_id,
        "domainName": door.host,
        "domainPrefix": door.host.split(".")[0],
        "http": http,
        "requestId": str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": epoch_ms,
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": encoded,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body is not None:
        event["body"] = body
    return event


def _alb_event(request: HttpRequest, door: FrontDoor) -> dict[str, Any]:
    """The target group request: lower-case header names, the query exactly as the
    client encoded it, ``body`` always present; multi-value mode keeps every value in
    lists, single-value mode the last one (as the load balancer does)."""
    path, query = _split_target(request.target)
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name.lower(), []).append(value)
    params: dict[str, list[str]] = {}
    for pair in query.split("&") if query else []:
        name, _, value = pair.partition("=")
        params.setdefault(name, []).append(value)
    body, encoded = _body(request)
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": f"arn:aws:elasticloadbalancing:{door.region}:{ACCOUNT_ID}:targetgroup/"
                f"{door.api_id}-{door.stage}/{uuid.uuid5(uuid.NAMESPACE_URL, door.host).hex[:16]}"
            }
        },
        "httpMethod": request.method,
        "path": path,
    }
    if door.payload_format == "alb-multi":
        event["multiValueQueryStringParameters"] = params
        event["multiValueHeaders"] = headers
    else:
        event["queryStringParameters"] = {k: v[-1] for k, v in params.items()}
        event["headers"] = {k: v[-1] for k, v in headers.items()}
    event["body"] = body or ""
    event["isBase64Encoded"] = encoded
    return event


def from_result(result: bytes, door: FrontDoor) -> HttpResponse:
    """Turn the handler's response document into HTTP, as the front door would.

    A result that is not a proxy response is a 502 on v1 (API Gateway's "malformed
    Lambda proxy response"); v2 and Function URLs serialise it as a JSON 200.
    """
    try:
        document = json.loads(result or b"null")
    except ValueError:
        document = result.decode("utf-8", "replace")
    alb = door.payload_format in ALB_FORMATS
    if alb and len(result or b"") > ALB_LIMIT:
        return error_response(502, "Bad Gateway")
    if not (isinstance(document, dict) and "statusCode" in document):
        if door.payload_format == "v1" or alb:
            return error_response(502, "Internal server error")
        body = json.dumps(document).encode() if not isinstance(document, str) else document.encode()
        return HttpResponse(200, [("Content-Type", "application/json")], body)
    try:
        status = int(document["statusCode"])
    except (TypeError, ValueError):
        return error_response(502, "Internal server error")
    headers: list[tuple[str, str]] = []
    multi = document.get("multiValueHeaders") or {}
    single = document.get("headers") or {}
    if alb:  # the target group's mode decides which one the load balancer reads
        if door.payload_format == "alb-multi":
            headers.extend((str(k), str(v)) for k, values in multi.items() for v in (values or []))
        else:
            headers.extend((str(k), str(v)) for k, v in single.items())
    elif door.payload_format == "v1":
        for name, values in multi.items():
            headers.extend((str(name), str(v)) for v in (values or []))
        seen = {name.lower() for name in multi}
        headers.extend((str(k), str(v)) for k, v in single.items() if k.lower() not in seen)
    else:
        headers.extend((str(k), str(v)) for k, v in single.items())
        headers.extend(("Set-Cookie", str(c)) for c in document.get("cookies") or [])
    raw_body = document.get("body") or ""
    if document.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw_body)
        except (ValueError, TypeError):
            return error_response(502, "Internal server error")
    else:
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else json.dumps(raw_body).encode()
    return HttpResponse(status, headers, body)


def error_response(status: int, message: str) -> HttpResponse:
    """The JSON error API Gateway itself answers with (502 failed, 504 timed out)."""
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)
