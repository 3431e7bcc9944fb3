"""The fake controller's web path: ``/api/v1/web/{ns}/{pkg}/{action}/...`` over real HTTP.

Re-implemented from the behaviour of apache/openwhisk's ``WebActions.scala`` on
pekko-http 1.1.0 behind the stock nginx front door, so that a test talks HTTP to the
deployed zip and gets what a browser would get from a real cluster:

request -> arguments
  * ``[ ] { } | ^`` raw in the path or query, or a broken ``%`` escape: 400 before any
    action runs; requests over 1 MiB (Content-Length): 413.
  * ``__ow_method`` lower case; ``__ow_headers`` lower-cased names, one value each (the
    last wins), ``host`` rewritten by nginx, Content-Type re-rendered from the entity,
    no Content-Length; ``__ow_path`` the rest of the path re-rendered; ``__ow_query``
    the query parsed and re-rendered as pekko does (``;`` -> ``%3B``, ``%2F`` -> ``/``,
    invalid UTF-8 escapes -> U+FFFD).
  * ``__ow_body``: ``""`` without a body; base64 when pekko's registry calls the media
    type binary or it is exactly ``application/json``; otherwise the bytes decoded as
    UTF-8 (undecodable bytes become U+FFFD) whatever charset was declared.

result -> response (the ``.http`` transcoder)
  * an application error (any ``"error"`` key) answers with its ``error`` value; a
    developer error (no object, crash, timeout) is a 400.
  * ``statusCode`` int or numeric string (default 200, or 204 without body);
    ``headers`` values str/number/bool or lists of them (one header line each);
    anything else: 400 ``Response is not valid 'message/http'.``
  * string bodies: binary types base64-decoded (failure: 400), JSON types decoded when
    they look like base64, text sent as UTF-8 with ``charset=UTF-8`` added; JSON values
    only with a JSON type; empty body, 204, 304, HEAD and OPTIONS: no entity and no
    Content-Type. The app's Date, Server, Content-Length and Transfer-Encoding are
    replaced; ``x-openwhisk-activation-id`` is added, and CORS headers unless the
    action has ``web-custom-options``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fake_openwhisk import FakeOpenWhisk

MIB = 1024 * 1024
REGISTRY: dict[str, str] = json.loads((Path(__file__).parent / "data" / "pekko_media_types.json").read_text())[
    "registry"
]
FRONT_DOOR_HOST = "controllers"  # what stock nginx sends upstream as Host
_ILLEGAL = re.compile(r"[\[\]{}|^]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_QUERY_KEEP = _UNRESERVED | set("!$'()*,@:/?")  # pekko's strict query chars minus & = ; +
_PATH_KEEP = _UNRESERVED | set("!$&'()*+,;=:@")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "trailer"}
_ENTITY_HEADERS = {"content-type", "content-length", "transfer-encoding", "timeout-access"}
_BASE64 = re.compile(r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$")
_CANONICAL_CHARSETS = {
    "utf-8": "UTF-8",
    "utf8": "UTF-8",
    "iso-8859-1": "ISO-8859-1",
    "latin1": "ISO-8859-1",
    "us-ascii": "US-ASCII",
    "utf-16": "UTF-16",
}
CORS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH"),
    ("Access-Control-Allow-Headers", "Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent"),
)


@dataclass
class WebReply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------- media types (pekko)


@dataclass(frozen=True)
class MediaType:
    mime: str
    params: tuple[tuple[str, str], ...]  # without charset
    charset: str | None

    @property
    def kind(self) -> str:
        """binary, open-charset or fixed-charset, the way pekko's parser classifies it."""
        if self.mime.startswith("multipart/"):
            return "binary"
        registered = REGISTRY.get(self.mime)
        if registered:
            return registered
        return "open-charset" if self.charset else "binary"

    @property
    def value(self) -> str:
        """The media type as pekko renders it (parameters, never the charset)."""
        return self.mime + "".join(f"; {k}={v}" for k, v in self.params)

    def is_json_family(self) -> bool:
        return self.value == "application/json" or self.value.endswith("+json")

    def rendered(self) -> str:
        """The Content-Type a client sees for an entity of this type (text as UTF-8)."""
        if self.kind == "open-charset":
            return f"{self.value}; charset=UTF-8"
        return self.value


def parse_media_type(text: str) -> MediaType:
    main, _, rest = text.partition(";")
    kind, slash, sub = main.strip().partition("/")
    if not slash or not _TOKEN.fullmatch(kind) or not _TOKEN.fullmatch(sub):
        raise ValueError(text)
    params: list[tuple[str, str]] = []
    charset = None
    for piece in rest.split(";") if rest.strip() else []:
        key, eq, value = piece.partition("=")
        key = key.strip().lower()
        if not eq or not _TOKEN.fullmatch(key):
            raise ValueError(text)
        value = value.strip().strip('"')
        if key == "charset":
            charset = value
        else:
            params.append((key, value))
    return MediaType(f"{kind}/{sub}".lower(), tuple(params), charset)


def request_content_type(media: MediaType) -> str:
    """How the controller renders a request entity's Content-Type in ``__ow_headers``."""
    if media.kind == "open-charset" and media.charset:
        return f"{media.value}; charset={_CANONICAL_CHARSETS.get(media.charset.lower(), media.charset)}"
    return media.value


# ---------------------------------------------------------------- URI re-rendering (pekko)


def _percent_decode(text: str, plus_is_space: bool) -> str:
    raw = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%":
            raw.append(int(text[i + 1 : i + 3], 16))
            i += 3
            continue
        if char == "+" and plus_is_space:
            raw.append(0x20)
        else:
            raw.extend(char.encode("utf-8"))
        i += 1
    return raw.decode("utf-8", "replace")


def _encode(text: str, keep: set[str], space_as_plus: bool) -> str:
    out = []
    for char in text:
        if char in keep:
            out.append(char)
        elif char == " " and space_as_plus:
            out.append("+")
        else:
            out.extend(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def render_query(raw: str) -> str:
    """``Uri.Query(raw).toString``: parsed into pairs, rendered again."""
    if not raw:
        return ""
    pairs = []
    for piece in raw.split("&"):
        key, eq, value = piece.partition("=")
        rendered = _encode(_percent_decode(key, True), _QUERY_KEEP, True)
        if eq:
            rendered += "=" + _encode(_percent_decode(value, True), _QUERY_KEEP, True)
        pairs.append(rendered)
    return "&".join(pairs)


def render_path(raw: str) -> str:
    return "/".join(_encode(_percent_decode(segment, False), _PATH_KEEP, False) for segment in raw.split("/"))


# ---------------------------------------------------------------- the web path


class WebPath:
    """``handle(method, target, headers, body)`` for one :class:`FakeOpenWhisk`."""

    def __init__(self, fake: FakeOpenWhisk, *, front_door_host: str = FRONT_DOOR_HOST) -> None:
        self.fake = fake
        self.front_door_host = front_door_host
        self.calls: list[dict[str, Any]] = []  # the arguments each web activation got

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> WebReply:
        try:
            return self._handle(method.upper(), target, headers, body)
        except Rejected as exc:
            return self.error(exc.status, exc.message)

    def error(self, status: int, message: str, extra: list[tuple[str, str]] | None = None) -> WebReply:
        with self.fake._lock:
            code = f"tx{next(self.fake._tx):06d}"
        payload = json.dumps({"error": message, "code": code}, indent=2).encode()
        return WebReply(status, [("Content-Type", "application/json"), *(extra or [])], payload)

    def _handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> WebReply:
        if _ILLEGAL.search(target) or _BAD_ESCAPE.search(target) or not target.isascii():
            return WebReply(400, [("Content-Type", "text/plain; charset=UTF-8")], b"Illegal request-target")
        path, _, query = target.partition("?")
        parts = path[len("/api/v1/web/") :].split("/", 3)
        if len(parts) < 3 or not all(parts[:3]):
            raise Rejected(404, "The requested resource does not exist.")
        namespace, package, action_segment = parts[:3]
        rest = "/" + parts[3] if len(parts) == 4 else ""
        name = action_segment
        if name.endswith(".http"):
            name = name[: -len(".http")]
        elif re.search(r"\.(json|html|svg|text)$", name):
            raise Rejected(501, "the fake models only the .http transcoder (lw's web actions use it)")
        if namespace != self.fake.namespace:
            raise Rejected(404, "The requested resource does not exist.")
        with self.fake._lock:
            action = self.fake.actions.get(("" if package == "default" else package, name))
            annotations = {a["key"]: a.get("value") for a in (action or {}).get("annotations", [])}
            if action is None or annotations.get("web-export") is not True:
                raise Rejected(404, "The requested resource does not exist.")
            length = len(body)
            if length > MIB:
                raise Rejected(413, f"Request larger than allowed: {length} > {MIB} bytes.")
            cors = [] if annotations.get("web-custom-options") is True else list(CORS)
            if cors and method == "OPTIONS":
                return WebReply(200, cors)
            self._check_auth(annotations, headers)
            args = self.arguments(method, headers, rest, query, body, raw_http=annotations.get("raw-http") is True)
            self.calls.append(args)
            activation = self.fake.run_web_action(action, args)
        reply = self.response(activation, method)
        reply.headers.extend(cors)
        reply.headers.append(("x-openwhisk-activation-id", activation["activationId"]))
        return reply

    def _check_auth(self, annotations: dict[str, Any], headers: list[tuple[str, str]]) -> None:
        required = annotations.get("require-whisk-auth")
        if required is None or required is False:
            return
        if isinstance(required, (str, int)) and not isinstance(required, bool):
            sent = next((v for k, v in reversed(headers) if k.lower() == "x-require-whisk-auth"), None)
            if sent == str(required):
                return
        raise Rejected(401, "The resource requires authentication, which was not supplied with the request")

    # -------------------------------------------------------------- request -> arguments

    def arguments(
        self, method: str, headers: list[tuple[str, str]], rest: str, query: str, body: bytes, *, raw_http: bool
    ) -> dict[str, Any]:
        seen: dict[str, str] = {}
        content_type = None
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-type":
                content_type = value
            if lowered in _HOP_BY_HOP or lowered in _ENTITY_HEADERS:
                continue
            seen[lowered] = value
        seen["host"] = self.front_door_host
        octet_stream = MediaType("application/octet-stream", (), None)
        media = None
        if content_type is not None:
            try:
                media = parse_media_type(content_type)
            except ValueError:
                media = octet_stream  # an unparsable Content-Type leaves pekko's default
        elif body:
            media = octet_stream
        if media is not None:
            seen["content-type"] = request_content_type(media)
        args: dict[str, Any] = {"__ow_method": method.lower(), "__ow_headers": seen, "__ow_path": render_path(rest)}
        if not raw_http:
            raise Rejected(501, "the fake models raw-http web actions only (lw deploys those)")
        args["__ow_query"] = render_query(query)
        if not body:
            args["__ow_body"] = ""
        elif media is not None and (media.kind == "binary" or media.value == "application/json"):
            args["__ow_body"] = base64.b64encode(body).decode()
        else:
            args["__ow_body"] = body.decode("utf-8", "replace")
        return args

    # -------------------------------------------------------------- result -> response

    def response(self, activation: dict[str, Any], method: str) -> WebReply:
        outcome = activation["response"]
        result = outcome["result"]
        if outcome["status"] == "success":
            projection = result
        elif outcome["status"] == "application error":
            projection = result.get("error") if isinstance(result, dict) else None
        else:
            return self.error(400, "There was an error processing your request.")
        try:
            return self._http(projection, method)
        except Rejected as exc:
            return self.error(exc.status, exc.message)
        except (TypeError, ValueError, OverflowError):
            return self.error(400, "Response is not valid 'message/http'.")

    def _http(self, projection: Any, method: str) -> WebReply:
        if not isinstance(projection, dict):
            raise ValueError("not an object")
        raw_headers = projection.get("headers")
        header_list: list[tuple[str, str]] = []
        if raw_headers is not None:
            if not isinstance(raw_headers, dict):
                raise ValueError("Invalid header")
            for name, value in raw_headers.items():
                header_list.extend((name, v) for v in _header_values(value))
        status = _status(projection.get("statusCode"))
        body = projection.get("body")
        content_type = next((v for k, v in header_list if k.lower() == "content-type"), None)
        others = [
            (k, v)
            for k, v in header_list
            if k.lower() not in ("content-type", "content-length", "transfer-encoding", "date", "server")
        ]
        if body is None or body == "":
            return WebReply(status if status is not None else 204, others)
        code = status if status is not None else 200
        if isinstance(body, str):
            entity_type, payload = self._string_entity(body, content_type)
        else:
            entity_type, payload = self._json_entity(body, content_type)
        if code in (204, 304) or code < 200 or method in ("HEAD", "OPTIONS"):
            return WebReply(code, others)
        return WebReply(code, [("Content-Type", entity_type), *others], payload)

    def _media(self, content_type: str | None, default: str) -> MediaType:
        try:
            return parse_media_type(content_type if content_type is not None else default)
        except ValueError:
            raise Rejected(400, "Response did not specify a known content-type.") from None

    def _string_entity(self, body: str, content_type: str | None) -> tuple[str, bytes]:
        media = self._media(content_type, "text/html")
        if media.kind != "binary" and not (
            media.is_json_family() and _BASE64.match(body.strip()) and len(body.strip()) % 4 == 0
        ):
            return media.rendered(), body.encode("utf-8", "surrogatepass")
        try:
            return media.rendered(), base64.b64decode(body.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Rejected(400, "Response type in header did not match generated content type.") from None

    def _json_entity(self, body: Any, content_type: str | None) -> tuple[str, bytes]:
        media = self._media(content_type, "application/json")
        if media.value == "application/json":
            return "application/json", json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        if media.is_json_family():
            return media.value, json.dumps(body, indent=2, ensure_ascii=False).encode()
        raise Rejected(400, "Response type in header did not match generated content type.")


def _header_values(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [str(value)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for inner in value for v in _header_values(inner)]
    raise ValueError("Invalid header")


def _status(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("Illegal status code")
    if isinstance(value, int):
        code = value
    elif isinstance(value, float) and value.is_integer():
        code = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value):
        code = int(value)
    else:
        raise ValueError("Illegal status code")
    if not 100 <= code <= 999:
        raise ValueError("Illegal status code")
    return code
