"""The runtime API for providers: a neutral request in, a neutral response out.

A provider for a new cloud ships its own entry module and calls this API; everything
the built-in AWS and OpenWhisk shims do that is not about their wire format comes with
it: the embedded settings, an app import that never crashes the container, WSGI/ASGI
detection and the lifespan, the access log, ``exception_handler``, ``log_level``,
binary/text bodies, ``base_path``, CORS, ``context_header_mappings``, ``remote_env`` and
``${ssm:...}``/``${secretsmanager:...}``, event routing by binding and remote commands
through the same gate. The AWS and OpenWhisk entry points are adapters over the same
:class:`Runtime`.

A minimal entry module::

    from lw.runtime.api import HttpRequest, load

    runtime = load()  # reads lw_settings.json beside the package's lw/ folder, once

    def main(platform_request, platform_context):
        response = runtime.handle_http(HttpRequest(
            platform_request.method, platform_request.path,
            query_string=platform_request.query, headers=platform_request.header_pairs,
            body=platform_request.body, remote_addr=platform_request.client_ip,
            context=platform_context, event=platform_request,
        ))
        return to_platform(response.status, response.headers, response.body)

Stability: the names in ``__all__`` and their documented parameters and attributes are
public (docs/runtime.md, "Runtime API for providers"); they change only in a new major
version, after a release in which the old form still works and logs a deprecation
warning. New keyword parameters with defaults and new attributes may be added in any
release. Like all of ``lw.runtime``, this module imports only the standard library.
"""

from __future__ import annotations

import sys
from io import BytesIO

from lw.runtime.events import WARM_RESULT, UnroutableEvent
from lw.runtime.logs import log, log_exception, one_line
from lw.runtime.shim import Shim
from lw.runtime.wsgi import (
    BASE_ENVIRON,
    COMMON_METHODS,
    add_header_pairs,
    ascii_query,
    http_method,
    path_info,
    plain_response,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

    from lw.runtime.events import Binding
    from lw.runtime.wsgi import Response

__all__ = [
    "API_VERSION",
    "SETTINGS_FILE",
    "HttpRequest",
    "HttpResponse",
    "Runtime",
    "UnroutableEvent",
    "load",
]

#: The version of this API; its major part changes only with an incompatible change.
API_VERSION = "1.0"

#: The settings file the deployer writes at the root of every package.
SETTINGS_FILE = "lw_settings.json"


class HttpRequest:
    """One HTTP request, as the platform delivered it, in neutral terms.

    ``method``: the request method (``"GET"``); any HTTP token is accepted.
    ``path``: the request path without the query string, as the client sent it
    (percent-encoded or not; lw decodes it exactly once), starting with ``/``. It does not
    include ``root_path``.
    ``query_string``: the raw query string without the ``?`` (raw UTF-8 is percent-encoded).
    ``headers``: ``(name, value)`` string pairs in the order received; a name may repeat
    (repeats are folded as HTTP allows). Names with ``_`` are dropped, as WSGI servers do.
    ``body``: the whole body, already decoded from any transport encoding (bytes).
    ``remote_addr``: the client's address as the platform saw it (never a header the
    client could forge), or ``None``.
    ``scheme``: ``"https"`` (the default) or ``"http"``, the scheme the client used.
    ``host``: ``"host[:port]"`` of the public URL when the platform knows it better than
    the ``Host`` header (a front door that rewrites ``Host``); it replaces that header.
    ``root_path``: the prefix the platform routed on and removed from ``path``
    (``"/api"`` for a function app's route prefix); the app sees it as ``SCRIPT_NAME``
    (ASGI: ``root_path``), so the URLs it builds include it. Empty: ``base_path`` applies.
    ``user``: the caller's identity an authorizer of the platform established, for
    ``REMOTE_USER``, or ``None``.
    ``request_context``: the mapping ``context_header_mappings`` paths are read from
    (for API Gateway, the event's ``requestContext``), or ``None``.
    ``context``: the platform's context object; event functions and ``exception_handler``
    get it, and the app finds it as ``environ["lw.context"]``.
    ``event``: the platform's raw invocation, for ``environ["lw.event"]`` and
    ``exception_handler``.
    """

    __slots__ = (
        "method",
        "path",
        "query_string",
        "headers",
        "body",
        "remote_addr",
        "scheme",
        "host",
        "root_path",
        "user",
        "request_context",
        "context",
        "event",
    )

    def __init__(
        self,
        method: str,
        path: str,
        *,
        query_string: str = "",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        remote_addr: str | None = None,
        scheme: str = "https",
        host: str | None = None,
        root_path: str = "",
        user: str | None = None,
        request_context: Mapping[str, Any] | None = None,
        context: Any = None,
        event: Any = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.headers = headers
        self.body = body
        self.remote_addr = remote_addr
        self.scheme = scheme
        self.host = host
        self.root_path = root_path
        self.user = user
        self.request_context = request_context
        self.context = context
        self.event = event

    def __repr__(self) -> str:
        query = "?" + self.query_string if self.query_string else ""
        return f"HttpRequest({self.method!r}, {(self.root_path + self.path + query)[:200]!r})"


class HttpResponse:
    """What the app answered (or lw's own 400/500), ready for the platform.

    ``status``: the status code (``200``); ``reason``: the reason phrase the app sent
    (``"OK"``). ``headers``: ``(name, value)`` pairs in the app's order, repeats kept (each
    ``Set-Cookie`` is its own pair: send them as separate headers). ``body``: the whole
    body (bytes). ``is_binary``: whether ``body`` must travel base64-encoded on a
    platform that carries bodies as text: decided by the stage's ``binary_support`` and
    ``additional_text_mimetypes``, with a compressed or non-UTF-8 body always binary.
    """

    __slots__ = ("status", "reason", "headers", "body", "is_binary")

    def __init__(
        self, status: int, headers: list[tuple[str, str]], body: bytes = b"", is_binary: bool = False, reason: str = ""
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.is_binary = is_binary
        self.reason = reason

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or ``None``."""
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        """Every value of a header (case-insensitive), in order: ``Set-Cookie`` repeats."""
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    def body_text(self) -> tuple[str, bool]:
        """``(text, is_base64)``: the body as a JSON-safe string, base64 when binary."""
        if not self.body:
            return "", False
        if self.is_binary:
            from lw.runtime.wsgi import b64encode

            return b64encode(self.body), True
        return self.body.decode("utf-8"), False

    def __repr__(self) -> str:
        return f"HttpResponse({self.status}, {len(self.headers)} headers, {len(self.body)} bytes)"


class Runtime(Shim):
    """One container's app and stage options; build it once, at the platform's init.

    ``Runtime(app, **options)`` takes the options of :func:`lw.runtime.aws.make_handler`
    (the ``lw.yml`` names); :meth:`from_settings` (or :func:`load`) reads them, and the
    app, from the package's settings file, as a deployed package does. The AWS and
    OpenWhisk entry points hold one of these too.
    """

    @classmethod
    def from_settings(cls, settings_path: str) -> Runtime:
        """The deployed runtime: settings, environment and app prepared now. Never raises:
        a failure is logged once with its traceback, HTTP requests then get a 500 that
        says why in the log, and events and commands keep working."""
        from lw.runtime.settings import prepare

        app, options = prepare(settings_path)
        return cls(app, **options)

    def handle_http(self, request: HttpRequest) -> HttpResponse:
        """Serve one request; never raises.

        A request lw cannot pass to the app (a method that is not an HTTP token, a path not
        starting with ``/``, wrong types) gets a 400 and one log line; an app that raises
        gets a 500, its traceback in the log and the exception passed to
        ``exception_handler``. The access line is written (``log_requests``) and CORS
        headers are added (``cors``) as on every provider.
        """
        try:
            environ = self.request_environ(request)
        except Exception as exc:
            log("WARNING", f"malformed HTTP request ({one_line(exc)}); answering 400")
            return self.neutral_response(plain_response(400, "Bad Request"))
        return self.neutral_response(self.serve(environ, request.event, request.context))

    def handle_event(self, binding: str, payload: Any, context: Any = None) -> Any:
        """Call the event function of the stage's binding named ``binding`` (the name in the
        settings' ``events`` list, which the deployer also puts on the platform's trigger
        as ``lw_binding``) as ``fn(payload, context)`` and return what it returns.

        A keep-warm ping (binding ``keep-warm``) returns ``{"lw": "warm"}`` without calling
        anything. An unknown binding raises :class:`UnroutableEvent` (retrying cannot
        help). The function's own exception is logged, passed to ``exception_handler`` and
        re-raised, so that the platform's retries and dead-letter handling apply.
        """
        found = self.router.by_name.get(str(binding))
        if found is None:
            raise UnroutableEvent(f"no binding named {str(binding)[:100]!r} in this stage's events")
        return self.call_binding(found, payload, context)

    def handle_command(self, command: Any, context: Any = None) -> dict[str, Any]:
        """Run one ``lw invoke``/``lw manage`` command document (the value of the
        invocation's ``lw_command`` key) through the same gate as every provider:
        ``function`` only for the project's own modules, ``manage`` only for the allowed
        commands, ``raw`` only with ``allow_raw_invoke``. Returns ``{"result", "output"}``
        or ``{"error", ...}``; never raises.

        Call it only for an invocation the platform authenticated as the deployer's
        (a direct API invocation, never an HTTP request or an event a third party can
        send): that check is the provider's, because only it knows the platform.
        """
        return self.run_command(command, context)

    # -- shared by the built-in adapters; not part of the public API --------------------

    def call_binding(self, binding: Binding, payload: Any, context: Any) -> Any:
        """Run a routed binding: the keep-warm answer, or the function with errors logged,
        reported and re-raised."""
        if binding.kind == "keep_warm":
            return dict(WARM_RESULT)
        try:
            function = self.router.function(binding)
            return function(payload, context)
        except Exception as exc:
            log_exception(f"event function {binding.function} failed for binding {binding.name}")
            self.report(exc, payload, context)
            raise

    def request_environ(self, request: HttpRequest) -> dict[str, Any]:
        """The WSGI environ of a neutral request; raises ``ValueError``/``TypeError`` for
        one lw cannot serve (the caller answers 400)."""
        environ = BASE_ENVIRON.copy()
        method = request.method
        environ["REQUEST_METHOD"] = method if method in COMMON_METHODS else http_method(method)
        headers = request.headers
        if headers:
            add_header_pairs(environ, headers)
        root = request.root_path
        path = path_info(request.path or "/")
        if root:
            environ["SCRIPT_NAME"] = path_info(root).rstrip("/")
        elif self.base_path:
            environ["SCRIPT_NAME"], path = self.split_base_path(path)
        environ["PATH_INFO"] = path
        query = request.query_string
        if query:
            if type(query) is not str:
                raise TypeError(f"query_string must be a string, got {type(query).__name__}")
            if query[0] == "?":
                query = query[1:]
            environ["QUERY_STRING"] = ascii_query(query)
        body = request.body
        if body:
            if type(body) is not bytes:
                if not isinstance(body, (bytearray, memoryview)):
                    raise TypeError(f"body must be bytes, got {type(body).__name__}")
                body = bytes(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        else:
            body = b""
            if "CONTENT_LENGTH" in environ:
                environ["CONTENT_LENGTH"] = "0"
        environ["wsgi.input"] = BytesIO(body)
        environ["wsgi.errors"] = sys.stderr
        address = request.remote_addr
        if address:
            environ["REMOTE_ADDR"] = str(address)
        if request.user is not None:
            environ["REMOTE_USER"] = str(request.user)
        environ["lw.event"] = request.event
        environ["lw.context"] = request.context
        environ["lw.request"] = request
        if self.header_mappings:
            # Always, with or without a context: the client's copy of a mapped header is
            # identity it could forge.
            self.add_context_headers(environ, request.request_context or {})
        scheme = request.scheme
        if scheme != "https":
            scheme = str(scheme).lower()
            if scheme not in ("http", "https"):
                raise ValueError(f"scheme must be http or https, got {str(scheme)[:20]!r}")
            environ["wsgi.url_scheme"] = scheme
            if scheme == "http":
                environ["SERVER_PORT"] = "80"
        host = request.host
        if host:
            environ["HTTP_HOST"] = str(host)
        else:
            host = environ.get("HTTP_HOST")
        if host:
            name, _, port = host.rpartition(":") if host.rfind(":") > host.rfind("]") else (host, "", "")
            environ["SERVER_NAME"] = name
            if port.isdigit():
                environ["SERVER_PORT"] = port
        else:
            environ["SERVER_NAME"] = "localhost"
        return environ

    def neutral_response(self, response: Response) -> HttpResponse:
        """A neutral :class:`HttpResponse` of the app's answer, with the binary decision."""
        headers = response.headers
        body = response.body
        is_binary = False
        if body:
            is_binary = self.policy.is_binary(headers, body)
        return HttpResponse(response.status, list(headers), body, is_binary, response.status_line[4:])


_loaded: dict[str, Runtime] = {}


def default_settings_path() -> str:
    """``lw_settings.json`` at the package root: the folder holding the ``lw/`` folder."""
    import os

    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(package_root, SETTINGS_FILE)


def load(settings_path: str | None = None) -> Runtime:
    """The :class:`Runtime` of a deployed package, prepared on the first call and then
    the same object for the life of the process (call it at module level of the entry
    module, so the app is imported during the platform's init). Never raises.

    ``settings_path`` defaults to :data:`SETTINGS_FILE` at the package root, where the
    deployer writes it.
    """
    import os

    path = os.path.abspath(settings_path or default_settings_path())
    runtime = _loaded.get(path)
    if runtime is None:
        runtime = _loaded[path] = Runtime.from_settings(path)
    return runtime
