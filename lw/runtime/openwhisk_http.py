"""OpenWhisk raw-http web action arguments <-> WSGI, following the controller's rules.

The controller (Apache OpenWhisk, pekko-http) decides per media type whether
``__ow_body`` arrives base64-encoded, and decides the same way whether a returned string
body must be base64. Both directions use pekko's own registry (``media_types``) so that
no byte is lost, and results are measured the way the invoker measures them.
The public URL cannot be read from request headers (the stock nginx front door rewrites
``Host``), so the deployer passes it in as the ``lw_base_url`` init parameter.
"""

from __future__ import annotations

import os
from io import BytesIO

from lw.runtime.media_types import is_binary, is_media_type, split_content_type
from lw.runtime.wsgi import BASE_ENVIRON, add_header, ascii_query, b64decode, b64encode, path_info, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from lw.runtime.shim import Shim
    from lw.runtime.wsgi import Response

# The invoker cuts a ``/run`` response larger than this many bytes; the Python launcher
# writes the result as UTF-8 JSON with ``ensure_ascii=False``, so that is what counts.
RESULT_LIMIT = 1024 * 1024


def is_json_type(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def controller_treats_as_text(content_type: str) -> bool:
    """Whether the controller carries a body of this type as a plain string."""
    return not is_binary(content_type)


def request_is_base64(content_type: str) -> bool:
    """Whether ``__ow_body`` arrives base64-encoded for a request of this Content-Type.

    Binary types are, and so is plain ``application/json`` (a legacy rule of the
    controller); ``application/json`` with any parameter besides ``charset`` is a
    different media type to pekko and arrives as text.
    """
    mime, params = split_content_type(content_type)
    if mime == "application/json" and set(params) <= {"charset"}:
        return True
    return is_binary(content_type)


def _json_family_for_response(mime: str, params: dict[str, str]) -> bool:
    """The controller's test for returned strings it base64-decodes when they look like
    base64: ``application/json`` or a ``+json`` type, with no parameter but charset."""
    return is_json_type(mime) and set(params) <= {"charset"}


def request_body(args: dict[str, Any], content_type: str) -> bytes:
    body = args.get("__ow_body")
    if not body:
        return b""
    if not isinstance(body, str):
        # Not raw-http mode (a JSON value merged by the controller): hand it over as JSON.
        import json

        return json.dumps(body).encode("utf-8")
    if not request_is_base64(content_type):
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
        parsed = cls(
            scheme.lower(),
            netloc,
            port or ("443" if scheme.lower() == "https" else "80"),
            ("/" + path).rstrip("/") if slash else "",
        )
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


def bare_action_redirect(args: dict[str, Any]) -> Response | None:
    """A 308 to ``.../action/`` for a request to the bare action URL (no trailing slash).

    A WSGI app mounted at a prefix answers its root at ``prefix/``; served at the bare
    prefix, every relative link on that page would resolve one level too high. The
    query string and the method (308) are kept.
    """
    if args.get("__ow_path") != "":
        return None
    url = public_url(args)
    if url is not None:
        base = f"{url.scheme}://{url.host}{url.script_name}"
    else:
        base = default_script_name()
        if not base:
            return None
    query = args.get("__ow_query")
    location = base + "/" + ("?" + ascii_query(query) if isinstance(query, str) and query else "")
    response = plain_response(308, "Permanent Redirect")
    response.headers.append(("Location", location))
    return response


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
    result["body"] = _body_for_controller(body, content_type, headers, spelling)
    size = result_size(result)
    if size > RESULT_LIMIT:
        from lw.runtime.logs import log

        log(
            "ERROR",
            f"the app answered {response.status} with {len(body)} body bytes, a result of {size} bytes: "
            f"over OpenWhisk's limit of {RESULT_LIMIT} bytes per activation result, which the invoker would "
            "cut; answering 502 instead",
        )
        return {
            "statusCode": 502,
            "headers": {"Content-Type": "text/plain; charset=utf-8"},
            "body": "Bad Gateway: the response is larger than OpenWhisk allows (1 MiB)",
        }
    return result


def _body_for_controller(body: bytes, content_type: str, headers: dict[str, Any], spelling: dict[str, str]) -> str:
    """The ``body`` string the controller turns back into exactly ``body``.

    Binary types go base64, and so do JSON types (the controller decodes any JSON body
    that looks like base64, so plain ``true`` or ``1234`` would be mangled). Text goes
    as a string, which the controller sends as UTF-8 whatever charset was declared; a
    body that is not valid in its charset can only arrive byte-exact as a binary type.
    """
    if not content_type:
        headers["Content-Type"] = "application/octet-stream"
        return b64encode(body)
    if not is_media_type(content_type):
        # The controller answers 400 for a Content-Type it cannot parse; the body is
        # still worth delivering.
        from lw.runtime.logs import log

        log("WARNING", f"the app's Content-Type {content_type!r} is not a media type; sending application/octet-stream")
        headers[spelling["content-type"]] = "application/octet-stream"
        return b64encode(body)
    if is_binary(content_type):
        return b64encode(body)
    mime, params = split_content_type(content_type)
    if _json_family_for_response(mime, params):
        return b64encode(body)
    text = _as_text(body, params.get("charset") or "utf-8")
    if text is not None:
        return text
    from lw.runtime.logs import log

    log(
        "WARNING",
        f"response body is not valid {params.get('charset') or 'UTF-8'} text for {content_type!r}; "
        "sending it as application/octet-stream so that its bytes arrive unchanged",
    )
    headers[spelling["content-type"]] = "application/octet-stream"
    return b64encode(body)


def result_size(result: dict[str, Any]) -> int:
    """Bytes of the result as the launcher writes it (UTF-8 JSON, ``ensure_ascii=False``).

    Serialising is only needed near the limit: a string of n characters never takes
    more than 6n bytes in that JSON (escapes), headers aside.
    """
    body = result["body"]
    if len(body) * 6 < RESULT_LIMIT // 2:
        return len(body)
    import json

    return len(json.dumps(result, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _as_text(body: bytes, charset: str) -> str | None:
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
