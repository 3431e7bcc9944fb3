"""AWS HTTP event shapes -> WSGI environ, and WSGI responses -> the shape each source expects.

One class per source (REST API v1, HTTP API v2 / Function URL, ALB) because each has its
own quirks: where the client IP is, whether query values arrive decoded, how repeated
``Set-Cookie`` headers must be returned. Every method builds its dict in one pass; this
is the code every request goes through.

Some choices here are made for speed alone (benchmarks/shims.py counts them; see
docs/performance.md): a key API Gateway always sends is read with a subscript inside
``try`` rather than ``dict.get`` (a method call costs more, and ``try`` costs nothing
until it catches), and the common case of a helper is written out where calling it
would cost a frame.
"""

from __future__ import annotations

import sys
from binascii import a2b_base64
from io import BytesIO

from lw.runtime.wsgi import (
    BASE_ENVIRON,
    COMMON_METHODS,
    HEADER_KEYS,
    add_headers,
    add_multi_headers,
    ascii_query,
    http_method,
    path_info,
    quote,
    redo_headers,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lw.runtime.shim import Shim
    from lw.runtime.wsgi import BodyPolicy, Response

# ``copy_dict(BASE_ENVIRON)`` rather than ``BASE_ENVIRON.copy()``: CPython 3.11 compiles a
# method call on an imported name to an attribute load that makes a new bound method on
# every request, while a method descriptor called with its object is a specialised call.
copy_dict = dict.copy
is_ascii = str.isascii  # bound once, for the same reason; TypeError for a non-str


class BadEvent(ValueError):
    """An HTTP-shaped event lacks something the adapter needs (answered with a 400)."""


def _finish(
    environ: dict[str, Any], event: dict[str, Any], context: Any, rc: dict[str, Any], shim: Shim, client_ip: Any
) -> None:
    """What every source shares after its own part: the client address, the body, the
    authorizer's identity, the configured request-context headers, and the server keys.
    One function rather than several because each call layer costs measurable time on
    every request."""
    if type(client_ip) is str:
        environ["REMOTE_ADDR"] = client_ip
    elif client_ip is not None:
        raise BadEvent(f"the client's source IP must be a string, got {type(client_ip).__name__}")
    body = event.get("body")
    if body:
        if type(body) is not str:
            raise BadEvent(f"body must be a string, got {type(body).__name__}")
        try:
            is_base64 = event["isBase64Encoded"]
        except KeyError:
            is_base64 = False
        # a2b_base64 takes the ASCII str as it is; invalid base64 raises ValueError (a 400).
        body = a2b_base64(body) if is_base64 else body.encode("utf-8")
        # Always the decoded length: a base64 body arrives without a usable one, and a
        # chunked one without any.
        environ["CONTENT_LENGTH"] = str(len(body))
    else:
        body = b""
        if "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = "0"
    environ["wsgi.input"] = BytesIO(body)
    # Looked up per request: log capture (pytest, an APM agent) replaces sys.stderr
    # after import, and the app's error output must follow it.
    environ["wsgi.errors"] = sys.stderr
    environ["lw.event"] = event
    environ["lw.context"] = context
    authorizer = rc.get("authorizer")
    if authorizer:
        if type(authorizer) is dict:
            # The authorizer context, and who it says the caller is, for the app.
            environ["lw.authorizer"] = authorizer
            jwt = authorizer.get("jwt")
            principal = None
            if jwt and "principalId" not in authorizer:
                try:
                    # An HTTP API JWT authorizer, the common case, without a call.
                    principal = jwt["claims"]["sub"]
                except (KeyError, TypeError):
                    pass
            if principal is None:
                principal = principal_of(authorizer)
            if principal is not None:
                environ["REMOTE_USER"] = principal if type(principal) is str else str(principal)
    if shim.header_mappings:
        # A mapped header is identity the app trusts: the client's copy is always
        # dropped, for a load balancer (which has no authorizer) as for API Gateway.
        shim.add_context_headers(environ, rc)
    try:
        host = environ["HTTP_HOST"]
    except KeyError:
        host = None
    if not host:
        environ["SERVER_NAME"] = "lambda"
    elif ":" in host:
        environ["SERVER_NAME"] = host.partition(":")[0]
    else:
        environ["SERVER_NAME"] = host
    try:
        port = environ["HTTP_X_FORWARDED_PORT"]
    except KeyError:
        port = None
    if port and port != "443" and port.isdigit():
        environ["SERVER_PORT"] = port
    try:
        scheme = environ["HTTP_X_FORWARDED_PROTO"]
    except KeyError:
        scheme = None
    if scheme and scheme != "https" and scheme.lower() == "http":
        # The default is https; nothing but http may replace it (PEP 3333 allows only
        # these two, and apps build absolute URLs from the scheme).
        environ["wsgi.url_scheme"] = "http"


def principal_of(authorizer: dict[str, Any]) -> Any:
    """Who an authorizer context says the caller is: a Lambda authorizer's
    ``principalId``, the JWT or Cognito ``sub`` claim, or the IAM user (``None`` if none)."""
    principal = authorizer.get("principalId")
    if principal is None:
        jwt = authorizer.get("jwt")
        # A JWT authorizer on an HTTP API, or a Cognito user pool authorizer on a REST API.
        claims = jwt.get("claims") if type(jwt) is dict else authorizer.get("claims")
        if type(claims) is dict:
            principal = claims.get("sub")
    if principal is None:
        lambda_context = authorizer.get("lambda")
        if type(lambda_context) is dict:
            principal = lambda_context.get("principalId")
        if principal is None:
            iam = authorizer.get("iam")
            if type(iam) is dict:
                principal = iam.get("userArn")
    return principal


# Response header name as the app spelled it -> lower case, for names seen before.
LOWERCASE_NAMES: dict[str, str] = {}


def lowercase_name(name: str) -> str:
    """``name.lower()``, remembered in :data:`LOWERCASE_NAMES` (apps send the same few
    names; a cap keeps an app that invents names from growing it without end)."""
    lowered = name.lower()
    if type(name) is str and len(LOWERCASE_NAMES) < 256:
        LOWERCASE_NAMES[name] = lowered
    return lowered


def multi_value_parts(response: Response, policy: BodyPolicy) -> tuple[dict[str, list[str]], str, bool]:
    """The response headers grouped case-insensitively under the first spelling the app
    used, and the body as ``(text, is_base64)``: what a multi-value response needs, in
    one call (the header pass finds the two headers the body's encoding depends on)."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    content_type = content_encoding = ""
    lowercase = LOWERCASE_NAMES
    for name, value in response.headers:
        try:
            lowered = lowercase[name]
        except KeyError:
            lowered = lowercase_name(name)
        first = spelling.get(lowered)
        if first is None:
            spelling[lowered] = name
            grouped[name] = [value]
        else:
            grouped[first].append(value)
        if lowered == "content-type":
            content_type = value
        elif lowered == "content-encoding":
            content_encoding = value
    body = response.body
    if body and not content_encoding and policy.known_text.get(content_type):
        # A content type already known to be text, the common case, without a call.
        try:
            return grouped, body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    text, is_base64 = policy.encode_typed(body, content_type, content_encoding)
    return grouped, text, is_base64


class RestApiV1:
    """API Gateway REST API (proxy integration, payload 1.0), also HTTP API payload 1.0."""

    name = "apigateway-v1"

    def environ(self, event: dict[str, Any], context: Any, shim: Shim) -> dict[str, Any]:
        environ = copy_dict(BASE_ENVIRON)
        method = event["httpMethod"]
        environ["REQUEST_METHOD"] = method if method in COMMON_METHODS else http_method(method)
        multi = event.get("multiValueHeaders")
        if multi:
            add_multi_headers(environ, multi)
        else:
            add_headers(environ, event.get("headers") or {})
        rc = event.get("requestContext") or {}
        path = event.get("path") or "/"
        stage = rc.get("stage")
        if stage and stage != "$default":
            prefix = "/" + stage
            if "version" in event and path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("", "/"):
                # HTTP API payload 1.0 keeps a named stage in ``path`` (REST APIs never
                # do): it belongs in SCRIPT_NAME, and must not be added twice.
                environ["SCRIPT_NAME"] = prefix
                path = path[len(prefix) :] or "/"
            elif ".execute-api." in environ.get("HTTP_HOST", ""):
                # The default execute-api URL (any partition: amazonaws.com,
                # amazonaws.com.cn, ...) carries the stage, the event's path does not:
                # put it back as SCRIPT_NAME so generated URLs work. Custom domains map
                # the stage away, so nothing is added there.
                environ["SCRIPT_NAME"] = prefix
        if "%" in path or not path.isascii() or path[:1] != "/":
            path = path_info(path)  # nearly every path is already a PATH_INFO
        if shim.base_path and not environ["SCRIPT_NAME"]:
            environ["SCRIPT_NAME"], path = shim.split_base_path(path)
        environ["PATH_INFO"] = path
        query = event.get("multiValueQueryStringParameters")
        if query:
            environ["QUERY_STRING"] = "&".join(
                [
                    quote(key) + "=" + quote(value)
                    for key, values in query.items()
                    # A hand-written event may give one value as a plain string.
                    for value in (values if type(values) is list else (values,))
                ]
            )
        else:
            query = event.get("queryStringParameters")
            if query:
                environ["QUERY_STRING"] = "&".join([quote(key) + "=" + quote(value) for key, value in query.items()])
        identity = rc.get("identity")
        _finish(environ, event, context, rc, shim, identity.get("sourceIp") if identity else None)
        return environ

    def respond(self, response: Response, shim: Shim, event: dict[str, Any]) -> dict[str, Any]:
        grouped, body, is_base64 = multi_value_parts(response, shim.policy)
        return {
            "statusCode": response.status,
            "multiValueHeaders": grouped,
            "body": body,
            "isBase64Encoded": is_base64,
        }


class HttpApiV2:
    """API Gateway HTTP API payload 2.0 and Lambda Function URLs (same shape)."""

    name = "apigateway-v2"

    def environ(self, event: dict[str, Any], context: Any, shim: Shim) -> dict[str, Any]:
        environ = copy_dict(BASE_ENVIRON)
        rc = event["requestContext"]
        http = rc["http"]
        method = http["method"]
        environ["REQUEST_METHOD"] = method if method in COMMON_METHODS else http_method(method)
        # Subscripts for what API Gateway always sends (cheaper than ``get``, which is
        # a method call), with a fallback for hand-made events that leave it out.
        try:
            headers = event["headers"]
        except KeyError:
            headers = None
        if headers:
            # ``add_headers`` written out, as this is the commonest event shape: the
            # call would cost about as much as two headers.
            keys = HEADER_KEYS
            size = len(environ)
            try:
                for name, value in headers.items():
                    if not is_ascii(value):
                        raise TypeError
                    environ[keys[name]] = value
                if len(environ) - size != len(headers) or "" in environ:
                    raise KeyError  # a name to drop, or two spelling one key
            except (KeyError, TypeError):
                redo_headers(environ, headers)
        cookies = event.get("cookies")
        if cookies:
            cookie = "; ".join(cookies)
            if not cookie.isascii():
                cookie = cookie.encode("utf-8").decode("latin-1")
            if "HTTP_COOKIE" in environ and environ["HTTP_COOKIE"]:
                # A Cookie header the gateway did not move into the list.
                cookie = environ["HTTP_COOKIE"] + "; " + cookie
            environ["HTTP_COOKIE"] = cookie
        try:
            path = event["rawPath"]
        except KeyError:
            path = None
        if not path:
            path = http.get("path") or "/"
        try:
            stage = rc["stage"]
        except KeyError:
            stage = None
        if stage and stage != "$default":
            prefix = "/" + stage
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                environ["SCRIPT_NAME"] = prefix
                path = path[len(prefix) :] or "/"
        if "%" in path or not path.isascii() or path[:1] != "/":
            path = path_info(path)  # nearly every path is already a PATH_INFO
        if shim.base_path and not environ["SCRIPT_NAME"]:
            environ["SCRIPT_NAME"], path = shim.split_base_path(path)
        environ["PATH_INFO"] = path
        try:
            query = event["rawQueryString"]
        except KeyError:
            query = None
        if query:
            environ["QUERY_STRING"] = query if query.isascii() else ascii_query(query)
        try:
            source_ip = http["sourceIp"]
        except KeyError:
            source_ip = None
        _finish(environ, event, context, rc, shim, source_ip)
        return environ

    def respond(self, response: Response, shim: Shim, event: dict[str, Any]) -> dict[str, Any]:
        headers: dict[str, str] = {}
        cookies: list[str] | None = None  # a list only when there are cookies
        content_type = content_encoding = ""
        lowercase = LOWERCASE_NAMES
        for name, value in response.headers:
            try:
                lowered = lowercase[name]
            except KeyError:
                lowered = lowercase_name(name)
            if lowered == "set-cookie":
                # v2 returns cookies in their own list.
                if cookies is None:
                    cookies = [value.strip()]
                else:
                    cookies.append(value.strip())
                continue
            if lowered == "content-type":
                content_type = value
            elif lowered == "content-encoding":
                content_encoding = value
            if name in headers:
                headers[name] = headers[name] + "," + value
            else:
                headers[name] = value
        raw = response.body
        policy = shim.policy
        if raw and not content_encoding and policy.known_text.get(content_type):
            # A content type already known to be text, the common case, without a call.
            try:
                body = raw.decode("utf-8")
                is_base64 = False
            except UnicodeDecodeError:
                body, is_base64 = policy.encode_typed(raw, content_type, content_encoding)
        else:
            body, is_base64 = policy.encode_typed(raw, content_type, content_encoding)
        result = {"statusCode": response.status, "headers": headers, "body": body, "isBase64Encoded": is_base64}
        if cookies is not None:
            result["cookies"] = cookies
        return result


def cookie_header_names(count: int) -> list[str]:
    """``count`` spellings of Set-Cookie that differ only in letter case.

    An ALB target group without multi-value headers keeps one value per header name, but
    names are compared with their case, and HTTP clients ignore case: distinct spellings
    are the only way every cookie reaches the browser, each once.
    """
    base = "set-cookie"
    letters = [i for i, c in enumerate(base) if c.isalpha()]
    names = []
    for n in range(count):
        chars = list(base)
        for bit, index in enumerate(letters):
            if n >> bit & 1:
                chars[index] = chars[index].upper()
        names.append("".join(chars))
    return names


class LoadBalancer:
    """Application Load Balancer target group, single- or multi-value header mode."""

    name = "alb"

    def environ(self, event: dict[str, Any], context: Any, shim: Shim) -> dict[str, Any]:
        environ = copy_dict(BASE_ENVIRON)
        method = event["httpMethod"]
        environ["REQUEST_METHOD"] = method if method in COMMON_METHODS else http_method(method)
        multi = event.get("multiValueHeaders")
        if multi is not None:
            add_multi_headers(environ, multi)
        else:
            add_headers(environ, event.get("headers") or {})
        # The target group's multi-value setting decides the form of both, but a
        # hand-made event may mix them: take whichever query form is present.
        query = event.get("multiValueQueryStringParameters")
        if query:
            # ALB passes keys and values exactly as the client encoded them.
            environ["QUERY_STRING"] = ascii_query(
                "&".join(
                    [
                        key + "=" + value
                        for key, values in query.items()
                        for value in (values if type(values) is list else (values,))
                    ]
                )
            )
        else:
            query = event.get("queryStringParameters")
            if query:
                environ["QUERY_STRING"] = ascii_query("&".join([key + "=" + value for key, value in query.items()]))
        path = event.get("path") or "/"
        if "%" in path or not path.isascii() or path[:1] != "/":
            path = path_info(path)  # nearly every path is already a PATH_INFO
        if shim.base_path:
            environ["SCRIPT_NAME"], path = shim.split_base_path(path)
        environ["PATH_INFO"] = path
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        # The load balancer appends the peer it saw; entries before it are whatever
        # the client claimed and must not be trusted.
        client_ip = forwarded.rsplit(",", 1)[-1].strip() if forwarded else None
        _finish(environ, event, context, event["requestContext"], shim, client_ip)
        return environ

    def respond(self, response: Response, shim: Shim, event: dict[str, Any]) -> dict[str, Any]:
        grouped, body, is_base64 = multi_value_parts(response, shim.policy)
        result: dict[str, Any] = {
            "statusCode": response.status,
            "statusDescription": response.status_line,
            "isBase64Encoded": is_base64,
            "body": body,
        }
        if event.get("multiValueHeaders") is not None:
            result["multiValueHeaders"] = grouped
            return result
        headers: dict[str, str] = {}
        for name, values in grouped.items():
            if len(values) == 1:
                headers[name] = values[0]
            elif name.lower() == "set-cookie":
                for spelling, value in zip(cookie_header_names(len(values)), values):
                    headers[spelling] = value
            else:
                headers[name] = ",".join(values)
        result["headers"] = headers
        return result


REST_V1 = RestApiV1()
HTTP_V2 = HttpApiV2()
ALB = LoadBalancer()


def adapter_for(event: dict[str, Any]) -> RestApiV1 | HttpApiV2 | LoadBalancer | None:
    """The adapter for an HTTP-shaped event, ``None`` for anything else."""
    rc = event.get("requestContext")
    if type(rc) is dict:
        if "elb" in rc:
            return ALB
        version = event.get("version")
        if version == "2.0":
            return HTTP_V2
        if version == "1.0" and "httpMethod" in event:
            # HTTP API payload 1.0 is shaped like a REST event, whatever its context holds.
            return REST_V1
        if "http" in rc:
            return HTTP_V2
        if "httpMethod" in event:
            return REST_V1
        return None
    if "httpMethod" in event and "path" in event:
        return REST_V1
    return None
