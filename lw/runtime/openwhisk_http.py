"""OpenWhisk raw-http web action arguments <-> WSGI, following the controller's rules.

The controller (Apache OpenWhisk, pekko-http) decides per media type whether
``__ow_body`` arrives base64-encoded, and decides the same way whether a returned string
body must be base64. Both directions use the table below so that no byte is lost.
The public URL cannot be read from request headers (the stock nginx front door rewrites
``Host``), so the deployer passes it in as the ``lw_base_url`` init parameter.
"""

from __future__ import annotations

import os
from io import BytesIO

from lw.runtime.wsgi import BASE_ENVIRON, add_header, ascii_query, b64decode, b64encode, path_info

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lw.runtime.shim import Shim
    from lw.runtime.wsgi import Response

# Media types pekko-http registers as text (besides most ``text/*``): their bodies travel
# as plain strings. Registered types not listed here are binary; unregistered ones are
# text only when they carry a ``charset`` parameter.
_TEXT_APPLICATION = frozenset(
    {
        "application/x-www-form-urlencoded", "application/xml", "application/javascript",
        "application/xhtml+xml", "application/atom+xml", "application/rss+xml",
        "application/soap+xml", "application/problem+xml", "application/xml-dtd",
        "application/base64", "application/x-latex", "application/x-vrml",
        "application/vnd.google-earth.kml+xml", "application/json-patch+json",
        "application/merge-patch+json", "application/problem+json", "application/vnd.api+json",
    }
)
_TEXT_TYPES = frozenset(
    {
        "text/asp", "text/cache-manifest", "text/calendar", "text/css", "text/csv",
        "text/event-stream", "text/html", "text/markdown", "text/mcf", "text/plain",
        "text/richtext", "text/tab-separated-values", "text/uri-list", "text/vnd.wap.wml",
        "text/vnd.wap.wmlscript", "text/x-asm", "text/x-c", "text/x-component", "text/x-h",
        "text/x-java-source", "text/x-pascal", "text/x-script", "text/x-sgml", "text/x-speech",
        "text/x-uuencode", "text/x-vcalendar", "text/x-vcard", "text/xml",
    }
)
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "multipart/")
_BINARY_APPLICATION = frozenset(
    {
        "application/octet-stream", "application/pdf", "application/zip", "application/gzip",
        "application/x-gzip", "application/x-tar", "application/msword", "application/wasm",
        "application/x-7z-compressed", "application/vnd.ms-excel", "application/x-shockwave-flash",
        "application/java-archive", "application/grpc", "application/cbor", "application/x-protobuf",
    }
)
RESULT_LIMIT = 1_000_000  # the controller rejects larger activation results


def _split(content_type: str) -> tuple[str, str]:
    mime, _, params = content_type.partition(";")
    return mime.strip().lower(), params.lower()


def is_json_type(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def controller_treats_as_text(content_type: str) -> bool:
    """Whether the controller carries a body of this type as a plain string."""
    if not content_type:
        return False  # no type: application/octet-stream
    mime, params = _split(content_type)
    if mime in _TEXT_TYPES or mime in _TEXT_APPLICATION:
        return True
    if mime == "application/json" or mime.startswith(_BINARY_PREFIXES) or mime in _BINARY_APPLICATION:
        return False
    return "charset" in params


def request_body(args: dict[str, Any], content_type: str) -> bytes:
    body = args.get("__ow_body")
    if not body:
        return b""
    if not isinstance(body, str):
        # Not raw-http mode (a JSON value merged by the controller): hand it over as JSON.
        import json

        return json.dumps(body).encode("utf-8")
    if controller_treats_as_text(content_type):
        return body.encode("utf-8")
    try:
        return b64decode(body)
    except ValueError:
        return body.encode("utf-8")


class PublicUrl:
    """``https://host[:port]/api/v1/web/ns/pkg/action`` split for the environ (memoised)."""

    __slots__ = ("scheme", "host", "port", "script_name")

    _cache: dict[str, PublicUrl] = {}

    def __init__(self, scheme: str, host: str, port: str, script_name: str) -> None:
        self.scheme, self.host, self.port, self.script_name = scheme, host, port, script_name

    @classmethod
    def parse(cls, url: str) -> PublicUrl:
        known = cls._cache.get(url)
        if known is not None:
            return known
        scheme, sep, rest = url.partition("://")
        if not sep:
            scheme, rest = "https", url
        netloc, slash, path = rest.partition("/")
        port = netloc.partition(":")[2]
        parsed = cls(scheme.lower(), netloc, port or ("443" if scheme.lower() == "https" else "80"),
                     ("/" + path).rstrip("/") if slash else "")
        cls._cache[url] = parsed
        return parsed


def public_url(args: dict[str, Any]) -> PublicUrl | None:
    """The base URL from the ``lw_base_url`` init parameter (an env var) or argument."""
    environ = os.environ
    url = (
        args.get("lw_base_url")
        or environ.get("lw_base_url")
        or environ.get("LW_BASE_URL")
        or environ.get("__OW_LW_BASE_URL")
    )
    return PublicUrl.parse(str(url)) if url else None


def default_script_name() -> str:
    """``/api/v1/web/ns/pkg/action`` from ``__OW_ACTION_NAME`` when no base URL was given."""
    name = os.environ.get("__OW_ACTION_NAME", "").strip("/")
    parts = name.split("/")
    if len(parts) == 2:
        parts.insert(1, "default")
    return "/api/v1/web/" + "/".join(parts) if len(parts) == 3 else ""


def build_environ(args: dict[str, Any], context: Any, shim: Shim) -> dict[str, Any]:
    environ = BASE_ENVIRON.copy()
    method = args["__ow_method"]
    if not isinstance(method, str) or not method:
        raise ValueError("__ow_method must be a non-empty string")
    environ["REQUEST_METHOD"] = method.upper()
    headers = args.get("__ow_headers") or {}
    for name, value in headers.items():
        add_header(environ, name, value if isinstance(value, str) else str(value))
    url = public_url(args)
    if url is not None:
        environ["wsgi.url_scheme"] = url.scheme
        environ["HTTP_HOST"] = url.host
        environ["SERVER_NAME"] = url.host.partition(":")[0]
        environ["SERVER_PORT"] = url.port
        environ["SCRIPT_NAME"] = url.script_name
    else:
        host = environ.get("HTTP_HOST", "")
        environ["SERVER_NAME"] = host.partition(":")[0] or "openwhisk"
        environ["SERVER_PORT"] = "443"
        environ["SCRIPT_NAME"] = default_script_name()
    environ["PATH_INFO"] = path_info(args.get("__ow_path") or "/")
    query = args.get("__ow_query")
    if query:
        environ["QUERY_STRING"] = ascii_query(query)
    body = request_body(args, headers.get("content-type", ""))
    environ["wsgi.input"] = BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body)) if body else ""
    environ["lw.event"] = args
    environ["lw.context"] = context
    return environ


_DROPPED = frozenset({"content-length", "transfer-encoding", "connection"})


def build_result(response: Response, shim: Shim) -> dict[str, Any]:
    """The ``{statusCode, headers, body}`` document the web action returns."""
    headers: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    content_type = ""
    encoding = ""
    for name, value in response.headers:
        lowered = name.lower()
        if lowered in _DROPPED:
            continue  # the controller computes these itself
        if lowered == "content-type":
            content_type = value
        elif lowered == "content-encoding":
            encoding = value.strip().lower()
        first = spelling.get(lowered)
        if first is None:
            spelling[lowered] = name
            headers[name] = value
        else:
            previous = headers[first]
            headers[first] = previous + [value] if isinstance(previous, list) else [previous, value]
    body = response.body
    if body and encoding in ("gzip", "deflate", "x-gzip"):
        # A text entity is re-encoded by the controller, which would corrupt compressed
        # bytes: send the identity encoding instead.
        plain = _decompress(body, encoding)
        if plain is not None:
            body = plain
            del headers[spelling["content-encoding"]]
    result: dict[str, Any] = {"statusCode": response.status, "headers": headers}
    if not body:
        result["body"] = ""
        return result
    mime, params = _split(content_type)
    if controller_treats_as_text(content_type) and not is_json_type(mime):
        text = _as_text(body, params)
        if text is None:
            # Not decodable in its declared charset: latin-1 maps every byte to one
            # character, and the controller encodes it back to the same bytes.
            text = body.decode("latin-1")
            headers[spelling["content-type"]] = mime + "; charset=iso-8859-1"
        result["body"] = text
    else:
        result["body"] = b64encode(body)  # binary, and JSON (see NOTES: legacy base64 path)
        if not content_type:
            headers["Content-Type"] = "application/octet-stream"
    if len(result["body"]) > RESULT_LIMIT:
        from lw.runtime.logs import log

        log("ERROR", f"response body of {len(body)} bytes exceeds OpenWhisk's 1 MB result limit; answering 502")
        return {"statusCode": 502, "headers": {"Content-Type": "text/plain; charset=utf-8"},
                "body": "Bad Gateway: response larger than OpenWhisk allows"}
    return result


def _as_text(body: bytes, params: str) -> str | None:
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def _decompress(body: bytes, encoding: str) -> bytes | None:
    import zlib

    try:
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    except zlib.error:
        return None
