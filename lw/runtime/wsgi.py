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

# Filled once per request with ``dict.copy()``: cheaper than setting each key.
_TEMPLATE: dict[str, Any] = {
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    # Several containers serve the same app concurrently: from the app's view that is
    # several processes.
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
    # The gateway delivers the whole body and adapters wrap it in a BytesIO: reading to
    # the end is always safe, even for a request that arrived chunked (PEP 3333 extension
    # that Werkzeug and others honour instead of CONTENT_LENGTH).
    "wsgi.input_terminated": True,
    "wsgi.url_scheme": "https",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "SERVER_PORT": "443",
    "SCRIPT_NAME": "",
    "QUERY_STRING": "",
    "REMOTE_ADDR": "",
    # Every adapter sets these three; present here so that their slots exist already.
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/",
    "SERVER_NAME": "localhost",
}


def _roomy(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` in the next larger hash table, whose free slots ``copy()`` keeps.

    A request adds some fifteen keys (headers, body, lw's own) to its copy; a copy of a
    table sized for the template alone would grow (rehashing every key) on every
    request. ``copy()`` clones a table as it is, free slots included, when at most a
    third of its entries were deleted: placeholders grow the table and are deleted
    again without crossing that line (a test checks the copy has room for 20 keys).
    """
    roomy = dict(template)
    size = sys.getsizeof(roomy)
    extra = 0
    while sys.getsizeof(roomy) == size and extra < len(template) // 2:
        roomy[f"lw.placeholder.{extra}"] = None
        extra += 1
    for index in range(extra):
        del roomy[f"lw.placeholder.{index}"]
    return roomy


BASE_ENVIRON: dict[str, Any] = _roomy(_TEMPLATE)

# ``""`` drops the header. Transfer-Encoding is hop-by-hop: the gateway already decoded
# the chunks, and a framework that still sees ``chunked`` ignores CONTENT_LENGTH and
# reads an empty body.
_SPECIAL_KEYS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH", "transfer-encoding": ""}
# Header name -> environ key, for names seen before (adapters that write the fast path
# of ``add_headers`` out read it too). Real traffic uses a few dozen names, so it stays
# small; the cap only guards against a client sending random names forever.
HEADER_KEYS: dict[str, str] = {}
_HEADER_KEYS_MAX = 1024


def environ_key(name: str) -> str:
    """``X-Forwarded-For`` -> ``HTTP_X_FORWARDED_FOR`` (memoised: it is on every header).

    A name with an underscore gives ``""`` (the header is dropped): ``X_Forwarded_For``
    would otherwise land on the same key as the real header, letting a client smuggle
    a value in, which is why common WSGI servers drop such headers too. So does
    ``Transfer-Encoding`` (see ``_SPECIAL_KEYS``).
    """
    key = HEADER_KEYS.get(name)
    if key is None:
        lowered = name.lower()
        if "_" in lowered:
            key = ""
        else:
            key = _SPECIAL_KEYS.get(lowered)
            if key is None:
                # Interned: lw and apps look keys up with literals (``"HTTP_HOST"``),
                # which then match by identity instead of by comparing characters.
                key = sys.intern("HTTP_" + lowered.upper().replace("-", "_"))
        if len(HEADER_KEYS) < _HEADER_KEYS_MAX:
            HEADER_KEYS[name] = key
    return key


def add_header(environ: dict[str, Any], name: str, value: str) -> None:
    """Add one request header; a repeated one is folded the way HTTP allows."""
    _add_pairs(environ, ((name, value),))


def add_headers(environ: dict[str, Any], headers: dict[str, str]) -> None:
    """Add a single-value header mapping to an environ that holds no header keys yet.

    Raises ``ValueError`` when a value is not a string (``null`` in a hand-made event):
    the adapter answers 400 rather than letting ``None`` reach the app or the log.
    """
    cache = HEADER_KEYS
    isascii = _isascii
    size = len(environ)
    try:
        # The common case, as one tight loop: every name seen before, no two spelling
        # the same key, none to drop, every value an ASCII string.
        for name, value in headers.items():
            if not isascii(value):
                raise TypeError
            environ[cache[name]] = value
        if len(environ) - size == len(headers) and "" not in environ:
            return
    except (KeyError, TypeError):
        pass
    redo_headers(environ, headers)


def redo_headers(environ: dict[str, Any], headers: dict[str, Any]) -> None:
    """Take back what a fast path that gave up had added, and add single-value
    ``headers`` the general way (for an adapter that writes the fast path out itself)."""
    _undo(environ, headers)
    _add_pairs(environ, headers.items())


def add_multi_headers(environ: dict[str, Any], headers: dict[str, Any]) -> None:
    """Add a multi-value header mapping (API Gateway v1, ALB multi-value mode) to an
    environ that holds no header keys yet.

    A plain string where a list belongs counts as one value (hand-written events do
    that); anything else that is not a list of strings raises ``ValueError`` (a 400).
    """
    cache = HEADER_KEYS
    size = len(environ)
    try:
        # Nearly always one value per name: the single-value fast path, checked as it goes.
        for name, values in headers.items():
            if values.__class__ is not list:
                raise TypeError
            (value,) = values
            if not value.isascii():
                raise TypeError
            environ[cache[name]] = value
        if len(environ) - size == len(headers) and "" not in environ:
            return
    except (KeyError, TypeError, ValueError, AttributeError):
        pass
    _undo(environ, headers)
    pairs = []
    for name, values in headers.items():
        if type(values) is list:
            pairs.extend([(name, value) for value in values])
        elif type(values) is str:
            pairs.append((name, values))
        else:
            raise ValueError(f"header {name!r} must be a list of strings, got {type(values).__name__}")
    _add_pairs(environ, pairs)


def add_header_pairs(environ: dict[str, Any], pairs: Iterable[tuple[str, Any]]) -> None:
    """Add ``(name, value)`` request headers in order; repeats are folded as HTTP allows.

    Raises ``ValueError`` when a value is not a string (the caller answers 400)."""
    _add_pairs(environ, pairs)


def _undo(environ: dict[str, Any], headers: dict[str, Any]) -> None:
    """Take back what a fast path that gave up had already added."""
    for name in headers:
        key = HEADER_KEYS.get(name)
        if key is not None:
            environ.pop(key, None)


def _add_pairs(environ: dict[str, Any], pairs: Iterable[tuple[str, Any]]) -> None:
    """The general case: new names, repeated names (folded as HTTP allows: ``; `` for
    cookies, ``,`` otherwise), dropped names, non-ASCII values (PEP 3333's latin-1)."""
    for name, value in pairs:
        if type(value) is not str:
            raise ValueError(f"header {name!r}: values must be strings, got {type(value).__name__}")
        key = HEADER_KEYS.get(name) or environ_key(name)
        if not key:
            continue
        if not value.isascii():
            value = value.encode("utf-8").decode("latin-1")
        previous = environ.get(key)
        if previous is None:
            environ[key] = value
        else:
            environ[key] = previous + ("; " if key == "HTTP_COOKIE" else ",") + value


# Bound once (an attribute of a builtin type is looked up anew each time it is named).
_isascii = str.isascii  # TypeError for anything but a str
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


# Checked with one set lookup; any other method goes through ``http_method``.
COMMON_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def http_method(value: Any) -> str:
    """The request method, checked: HTTP defines it as a token, and a newline or a space
    in it would forge access-log lines. Raises ``ValueError`` (a 400)."""
    if type(value) is not str or not (value.isascii() and value.isalpha()):
        if type(value) is not str or not value or not _TOKEN.issuperset(value):
            raise ValueError(f"the HTTP method must be a non-empty token, got {value!r}"[:200])
    return value


# The percent-escape tables are built on first use: building both costs about half a
# millisecond, which every cold start would pay, and most requests need neither. Each
# is assigned whole once built, so a concurrent reader never sees half a table.
_HEX: dict[bytes, bytes] = {}
_QUOTED: dict[int, str] = {}
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def _hex_table() -> dict[bytes, bytes]:
    """``b"2f"`` and ``b"2F"`` -> ``b"/"``, for every byte."""
    global _HEX
    table = {}
    for i in range(256):
        table[b"%02x" % i] = table[b"%02X" % i] = bytes((i,))
    _HEX = table
    return table


def _quoted_table() -> dict[int, str]:
    """Byte -> itself if unreserved (RFC 3986), else its ``%XX`` escape."""
    global _QUOTED
    unreserved = frozenset(_UNRESERVED)
    table = {i: (chr(i) if i in unreserved else "%%%02X" % i) for i in range(256)}
    _QUOTED = table
    return table


def unquote_bytes(raw: bytes) -> bytes:
    """Percent-decode bytes; an invalid escape is kept literally (as browsers do)."""
    if b"%" not in raw:
        return raw
    hexes = _HEX or _hex_table()
    parts = raw.split(b"%")
    out = [parts[0]]
    for part in parts[1:]:
        decoded = hexes.get(part[:2])
        if decoded is None:
            out.append(b"%" + part)
        else:
            out.append(decoded + part[2:])
    return b"".join(out)


def path_info(path: str) -> str:
    """A request path (percent-encoded or not, maybe non-ASCII) as a PEP 3333 PATH_INFO.

    Raises ``ValueError`` (a 400) for a path that does not start with ``/``: no gateway
    sends one, and apps join SCRIPT_NAME and PATH_INFO without a separator."""
    if path[:1] != "/":
        raise ValueError(f"the request path must start with '/', got {path[:40]!r}")
    if path.isascii():
        if "%" not in path:
            return path
        return unquote_bytes(path.encode("ascii")).decode("latin-1")
    return unquote_bytes(path.encode("utf-8")).decode("latin-1")


def quote(value: str) -> str:
    """Percent-encode a query key or value (decoded by API Gateway v1) again."""
    if value.isalnum() and value.isascii():
        return value
    quoted = _QUOTED or _quoted_table()
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
        self.status = self.status_code(status_line) if status is None else status
        self.headers = headers
        self.body = body

    @staticmethod
    def status_code(status_line: str) -> int:
        """``200`` from ``"200 OK"`` (memoised: apps send the same few lines)."""
        status = int(status_line[:3])
        if len(_STATUS_CODES) < 128:
            _STATUS_CODES[status_line] = status
        return status


class _Responding(Response):
    """A :class:`Response` the app is filling in. ``start_response`` is its bound method:
    cheaper to make per request than a closure, and no separate object to copy from."""

    __slots__ = ()
    # Made with no arguments, and with no Python-level ``__init__`` call: this object is
    # made on every request.
    __init__ = object.__init__

    # While the app runs, ``body`` holds what ``write()`` received (a list of chunks, or
    # None); :func:`call_app` turns it into the ``bytes`` a :class:`Response` holds.
    body: Any

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and hasattr(self, "status_line"):
            # Headers are only "sent" when the adapter returns, so PEP 3333 allows
            # replacing them; re-raising keeps the original error for the 500 path.
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        self.status_line = status
        # The app's own list: an app may pass the same list object every time, so
        # whoever adds headers (CORS) must copy it first.
        self.headers = headers
        self.body = None  # what the legacy write() callable receives, if it is used
        return self.write

    def write(self, data: bytes) -> None:
        if self.body is None:
            self.body = [data]
        else:
            self.body.append(data)


def call_app(app: WsgiApp, environ: dict[str, Any]) -> Response:
    """Run one request through a WSGI app and collect the whole response."""
    response: _Responding = _Responding()
    result = app(environ, response.start_response)
    if type(result) is list:  # the common case; a list has no close()
        body = b"".join(result)
    else:
        chunks: list[bytes] = []
        try:
            for chunk in result:
                if chunk:
                    chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        body = b"".join(chunks)
    try:
        status_line = response.status_line
    except AttributeError:
        raise RuntimeError("the WSGI app returned without calling start_response") from None
    written = response.body
    response.body = b"".join(written) + body if written else body
    status = _STATUS_CODES.get(status_line)
    if status is None:
        status = response.status_code(status_line)
    response.status = status
    return response


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

    __slots__ = ("text_types", "binary_support", "known_text")

    def __init__(self, additional_text_types: Iterable[str] = (), binary_support: bool = True) -> None:
        self.text_types = DEFAULT_TEXT_TYPES | {t.strip().lower() for t in additional_text_types}
        self.binary_support = binary_support
        # Content-Type value -> whether its body travels as text, for types seen before
        # (adapters read it directly to skip a call in the common case).
        self.known_text: dict[str, bool] = {}

    def is_text_type(self, content_type: str) -> bool:
        known = self.known_text.get(content_type)
        if known is None:
            mime = content_type.split(";", 1)[0].strip().lower()
            known = (
                mime.startswith("text/") or mime in self.text_types or mime.endswith("+json") or mime.endswith("+xml")
            )
            if len(self.known_text) < 256:
                self.known_text[content_type] = known
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

    def is_binary(self, headers: list[tuple[str, str]], body: bytes) -> bool:
        """Whether :meth:`encode` would base64 this body (without encoding it)."""
        if not body:
            return False
        content_type = content_encoding = ""
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                content_type = value
            elif lowered == "content-encoding":
                content_encoding = value
        if content_encoding and content_encoding.strip().lower() != "identity":
            return True
        text = self.known_text.get(content_type)
        if text is None:
            text = self.is_text_type(content_type)
        if text or not self.binary_support:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return True
            return False
        return True

    def encode_typed(self, body: bytes, content_type: str, content_encoding: str) -> tuple[str, bool]:
        """As :meth:`encode`, when the caller already found the two headers."""
        if not body:
            return "", False
        if content_encoding and content_encoding.strip().lower() != "identity":
            return b64encode(body), True
        text = self.known_text.get(content_type)
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
    return a2b_base64(data)  # takes an ASCII str as it is
