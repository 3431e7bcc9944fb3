"""The WSGI side of every HTTP adapter: environ pieces, calling the app, body encoding.

Adapters (AWS v1/v2/ALB, OpenWhisk) build the environ themselves from these helpers
because one dict built in one pass is the cheapest thing a request can cost; what they
share lives here so that PEP 3333 details (latin-1 strings, header keys, duplicate
headers) are decided once.
"""

from __future__ import annotations

import sys
from binascii import a2b_base64, b2a_base64

# ``typing`` pulls in ``re`` and friends: keep it out of the cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable

    WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Filled once per request with ``dict.copy()``: cheaper than setting seven keys.
BASE_ENVIRON: dict[str, Any] = {
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    # Several containers serve the same app concurrently: from the app's view that is
    # several processes.
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    "wsgi.url_scheme": "https",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "SERVER_PORT": "443",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "REMOTE_ADDR": "",
}

_SPECIAL_KEYS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}
# Header name -> environ key. Real traffic uses a few dozen names, so the cache stays
# small; the cap only guards against a client sending random names forever.
_KEY_CACHE: dict[str, str] = {}
_KEY_CACHE_MAX = 1024


def environ_key(name: str) -> str:
    """``X-Forwarded-For`` -> ``HTTP_X_FORWARDED_FOR`` (memoised: it is on every header).

    A name with an underscore gives ``""`` (the header is dropped): ``X_Forwarded_For``
    would otherwise land on the same key as the real header, letting a client smuggle
    a value in, which is why common WSGI servers drop such headers too.
    """
    key = _KEY_CACHE.get(name)
    if key is None:
        lowered = name.lower()
        if "_" in lowered:
            key = ""
        else:
            key = _SPECIAL_KEYS.get(lowered) or "HTTP_" + lowered.upper().replace("-", "_")
        if len(_KEY_CACHE) < _KEY_CACHE_MAX:
            _KEY_CACHE[name] = key
    return key


def add_header(environ: dict[str, Any], name: str, value: str) -> None:
    """Add one request header; a repeated one is folded the way HTTP allows."""
    key = _KEY_CACHE.get(name) or environ_key(name)
    if not key:
        return
    if not value.isascii():
        value = value.encode("utf-8").decode("latin-1")
    previous = environ.get(key)
    if previous is None:
        environ[key] = value
    elif key == "HTTP_COOKIE":
        environ[key] = previous + "; " + value
    else:
        environ[key] = previous + "," + value


def add_headers(environ: dict[str, Any], headers: dict[str, str]) -> None:
    """Add a single-value header mapping (the common case, so the loop is inlined)."""
    cache = _KEY_CACHE
    for name, value in headers.items():
        key = cache.get(name) or environ_key(name)
        if key in environ:
            if not key:
                continue
            environ[key] = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    if "" in environ:
        del environ[""]
    if not all(map(str.isascii, headers.values())):
        for key, value in environ.items():
            if type(value) is str and not value.isascii():
                environ[key] = value.encode("utf-8").decode("latin-1")


def add_multi_headers(environ: dict[str, Any], headers: dict[str, list[str]]) -> None:
    """Add a multi-value header mapping (API Gateway v1, ALB multi-value mode)."""
    cache = _KEY_CACHE
    for name, values in headers.items():
        key = cache.get(name) or environ_key(name)
        if len(values) == 1:
            value = values[0]
        else:
            value = ("; " if key == "HTTP_COOKIE" else ",").join(values)
        if not value.isascii():
            value = value.encode("utf-8").decode("latin-1")
        if key in environ:
            environ[key] = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        else:
            environ[key] = value
    if "" in environ:
        del environ[""]


_HEX = {f"{i:02x}".encode(): bytes((i,)) for i in range(256)}
_HEX.update({f"{i:02X}".encode(): bytes((i,)) for i in range(256)})


def unquote_bytes(raw: bytes) -> bytes:
    """Percent-decode bytes; an invalid escape is kept literally (as browsers do)."""
    if b"%" not in raw:
        return raw
    parts = raw.split(b"%")
    out = [parts[0]]
    for part in parts[1:]:
        decoded = _HEX.get(part[:2])
        if decoded is None:
            out.append(b"%" + part)
        else:
            out.append(decoded + part[2:])
    return b"".join(out)


def path_info(path: str) -> str:
    """A request path (percent-encoded or not, maybe non-ASCII) as a PEP 3333 PATH_INFO."""
    if path.isascii():
        if "%" not in path:
            return path
        return unquote_bytes(path.encode("ascii")).decode("latin-1")
    return unquote_bytes(path.encode("utf-8")).decode("latin-1")


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_QUOTED = {i: (chr(i) if i in _UNRESERVED else f"%{i:02X}") for i in range(256)}


def quote(value: str) -> str:
    """Percent-encode a query key or value (decoded by API Gateway v1) again."""
    if value.isalnum() and value.isascii():
        return value
    quoted = _QUOTED
    return "".join([quoted[b] for b in value.encode("utf-8")])


def ascii_query(query: str) -> str:
    """A raw query string with any raw UTF-8 percent-encoded, so QUERY_STRING is ASCII.

    HTTP API v2 passes what the client sent; a browser may send raw UTF-8, and apps
    parse QUERY_STRING expecting percent-escapes for anything non-ASCII.
    """
    if query.isascii():
        return query
    return "".join([c if c.isascii() else quote(c) for c in query])


_STATUS_CODES: dict[str, int] = {}


class Response:
    """What the app answered, before an adapter shapes it for its source."""

    __slots__ = ("status", "status_line", "headers", "body")

    def __init__(self, status_line: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_line = status_line
        status = _STATUS_CODES.get(status_line)
        if status is None:
            status = int(status_line[:3])
            if len(_STATUS_CODES) < 128:
                _STATUS_CODES[status_line] = status
        self.status = status
        self.headers = headers
        self.body = body


def call_app(app: WsgiApp, environ: dict[str, Any]) -> Response:
    """Run one request through a WSGI app and collect the whole response."""
    started: list[Any] = []
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
        if exc_info is not None and started:
            # Headers are only "sent" when the adapter returns, so PEP 3333 allows
            # replacing them; re-raising keeps the original error for the 500 path.
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        started[:] = (status, headers)
        return chunks.append

    result = app(environ, start_response)
    if type(result) is list:  # the common case; a list has no close()
        chunks.extend(result)
    else:
        try:
            for chunk in result:
                if chunk:
                    chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    return Response(started[0], list(started[1]), b"".join(chunks))


def plain_response(status: int, message: str) -> Response:
    """A short text response lw itself produces (400 for a bad event, 500 for a crash)."""
    return Response(f"{status} {message}", [("Content-Type", "text/plain; charset=utf-8")], message.encode())


DEFAULT_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/ecmascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/xhtml+xml",
        "application/graphql",
        "image/svg+xml",
    }
)


class BodyPolicy:
    """Decides, per response, whether the body travels as text or base64.

    Text means a UTF-8 string the source passes through; everything else (images,
    compressed bodies, text that isn't UTF-8) is base64 so no byte is lost. The answer
    per content type is memoised because apps send the same few types over and over.
    """

    __slots__ = ("text_types", "binary_support", "_cache")

    def __init__(self, additional_text_types: Iterable[str] = (), binary_support: bool = True) -> None:
        self.text_types = DEFAULT_TEXT_TYPES | {t.strip().lower() for t in additional_text_types}
        self.binary_support = binary_support
        self._cache: dict[str, bool] = {}

    def is_text_type(self, content_type: str) -> bool:
        known = self._cache.get(content_type)
        if known is None:
            mime = content_type.split(";", 1)[0].strip().lower()
            known = (
                mime.startswith("text/")
                or mime in self.text_types
                or mime.endswith("+json")
                or mime.endswith("+xml")
            )
            if len(self._cache) < 256:
                self._cache[content_type] = known
        return known

    def encode(self, headers: list[tuple[str, str]], body: bytes) -> tuple[str, bool]:
        """``(body, is_base64)`` for a JSON response document."""
        if not body:
            return "", False
        content_type = ""
        content_encoding = ""
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                content_type = value
            elif lowered == "content-encoding":
                content_encoding = value
        return self.encode_typed(body, content_type, content_encoding)

    def encode_typed(self, body: bytes, content_type: str, content_encoding: str) -> tuple[str, bool]:
        """As :meth:`encode`, when the caller already found the two headers."""
        if not body:
            return "", False
        if content_encoding and content_encoding.strip().lower() != "identity":
            return b64encode(body), True
        text = self._cache.get(content_type)
        if text is None:
            text = self.is_text_type(content_type)
        if text or not self.binary_support:
            try:
                return body.decode("utf-8"), False
            except UnicodeDecodeError:
                pass
        return b64encode(body), True


def b64encode(data: bytes) -> str:
    return b2a_base64(data, newline=False).decode("ascii")


def b64decode(data: str) -> bytes:
    """Decode a base64 body; raises ``ValueError`` (the client's error, a 400) if invalid."""
    return a2b_base64(data.encode("ascii") if isinstance(data, str) else data)
