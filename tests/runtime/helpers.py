"""Builders for HTTP events of every AWS shape, from the stored samples."""

from __future__ import annotations

import base64
import json
from typing import Any

from .conftest import load_event

SHAPES = ("v1", "v2", "alb", "alb_multi", "function_url")
# Every top-level key an HTTP-shaped AWS event may carry (v1, v2, ALB, Function URL):
# the fuzzers build events from these.
HTTP_EVENT_KEYS = (
    "httpMethod",
    "path",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
    "requestContext",
    "version",
    "rawPath",
    "rawQueryString",
    "cookies",
    "queryStringParameters",
    "multiValueQueryStringParameters",
)


def http_event(
    shape: str,
    method: str = "GET",
    path: str = "/hello",
    query: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    base64_body: bool = False,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    """A sample event of ``shape`` rewritten to carry this request.

    Query pairs are given decoded; each shape receives them the way its source sends
    them (API Gateway v1 decoded, ALB as the client encoded them, v2 raw).
    """
    query = query or []
    headers = dict(headers or {})
    if isinstance(body, str) and not base64_body:
        raw_body: str | None = body
    elif body is not None:
        raw = body if isinstance(body, bytes) else body.encode()
        raw_body = base64.b64encode(raw).decode()
        base64_body = True
    else:
        raw_body = None
    if shape == "v1":
        event = load_event("aws/apigw_v1")
        event["httpMethod"] = method
        event["requestContext"]["httpMethod"] = method
        event["path"] = path
        hdrs = {k: v for k, v in event["headers"].items() if not k.startswith("header")}
        hdrs.update(headers)
        if cookies:
            hdrs["Cookie"] = "; ".join(cookies)
        event["headers"] = hdrs
        event["multiValueHeaders"] = {k: [v] for k, v in hdrs.items()}
        multi: dict[str, list[str]] = {}
        for k, v in query:
            multi.setdefault(k, []).append(v)
        event["multiValueQueryStringParameters"] = multi or None
        event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()} or None
    elif shape in ("v2", "function_url"):
        event = load_event("aws/apigw_v2" if shape == "v2" else "aws/function_url")
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["rawPath"] = path
        from urllib.parse import quote

        event["rawQueryString"] = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
        hdrs = {"host": event["headers"]["host"], "x-forwarded-proto": "https", "x-forwarded-port": "443"}
        hdrs.update({k.lower(): v for k, v in headers.items()})
        event["headers"] = hdrs
        if cookies:
            event["cookies"] = cookies
        else:
            event.pop("cookies", None)
        event.pop("queryStringParameters", None)
    else:
        from urllib.parse import quote

        multi_mode = shape == "alb_multi"
        event = load_event("aws/alb_multi" if multi_mode else "aws/alb_single")
        event["httpMethod"] = method
        event["path"] = quote(path, safe="/%")
        hdrs = {
            "host": "lambda-alb-123578498.us-east-2.elb.amazonaws.com",
            "x-forwarded-for": "72.12.164.125",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
        hdrs.update({k.lower(): v for k, v in headers.items()})
        if multi_mode:
            mv = {k: [v] for k, v in hdrs.items()}
            if cookies:
                mv["cookie"] = list(cookies)
            event["multiValueHeaders"] = mv
            multi = {}
            for k, v in query:
                multi.setdefault(quote(k, safe=""), []).append(quote(v, safe=""))
            event["multiValueQueryStringParameters"] = multi
        else:
            if cookies:
                hdrs["cookie"] = "; ".join(cookies)
            event["headers"] = hdrs
            event["queryStringParameters"] = {quote(k, safe=""): quote(v, safe="") for k, v in query}
    event["body"] = raw_body
    event["isBase64Encoded"] = base64_body
    return event


def response_body(shape: str, response: dict[str, Any]) -> bytes:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def response_json(shape: str, response: dict[str, Any]) -> Any:
    return json.loads(response_body(shape, response))


def set_cookies(shape: str, response: dict[str, Any]) -> list[str]:
    """Every Set-Cookie value the client would receive from this response."""
    found: list[str] = []
    if "cookies" in response:
        found.extend(response["cookies"])
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            found.extend(values)
    for name, value in (response.get("headers") or {}).items():
        if name.lower() == "set-cookie":
            found.extend(value if isinstance(value, list) else [value])
    return found


def header(response: dict[str, Any], name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value if isinstance(value, str) else ",".join(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return ",".join(values)
    return None
