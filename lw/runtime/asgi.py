"""Run an ASGI 3 app behind the same WSGI-shaped interface the adapters use.

Adapters only know WSGI; wrapping an ASGI app as a WSGI callable keeps one code path
for events, logging and errors. ``asyncio`` is imported only when an ASGI app is
actually detected, so WSGI users never pay for it at cold start; this module itself is
imported only then too (``lw.runtime.shim`` tells the two kinds of app apart).
"""

from __future__ import annotations

from lw.runtime.logs import log, log_exception, request_label

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


class LifespanError(RuntimeError):
    """Lifespan startup failed: the app reported ``lifespan.startup.failed``, broke the
    protocol, or (with ``lifespan="on"``) does not support lifespan at all."""


class ProtocolError(RuntimeError):
    """The app sent a message the ASGI spec does not allow at that point.

    Raised from ``send`` (as uvicorn and Mangum do) so the app sees it where it
    made the mistake; the request then ends in a 500.
    """


class _NoLifespan(Exception):
    """Ends the lifespan task of an app that has no lifespan support (``"auto"``)."""


class AsgiBridge:
    """A WSGI callable that runs an ASGI app on one event loop per container.

    The loop lives as long as the container, so connection pools and anything the app
    created during lifespan startup stay valid across invocations.

    ``lifespan`` is Mangum's setting: ``"auto"`` runs the startup and carries on without
    it if the app raises before taking the first message (no lifespan support),
    ``"on"`` makes that a startup failure, ``"off"`` never sends lifespan events.
    ``report(exc, event, context)`` receives exceptions that did not cost the client
    its response (the app raised after sending all of it).
    """

    def __init__(
        self, app: Callable[..., Any], lifespan: str = "auto", report: Callable[..., Any] | None = None
    ) -> None:
        import asyncio

        self.app = app
        self.lifespan = lifespan
        self.report = report
        self._asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self.state: dict[str, Any] = {}
        self._lifespan_task: Any = None
        self._shutdown: Any = None

    def startup(self) -> None:
        """Send ``lifespan.startup`` once and wait for the answer; raises
        :class:`LifespanError` on a failed or malformed answer, and never waits for ever
        on an app that asks for the next message without answering."""
        if self.lifespan == "off":
            return
        asyncio = self._asyncio
        loop = self.loop
        started = loop.create_future()
        self._shutdown = loop.create_future()
        received = 0

        def fail(reason: str) -> None:
            if not started.done():
                started.set_exception(LifespanError(reason))

        async def receive() -> dict[str, Any]:
            nonlocal received
            received += 1
            if received == 1:
                return {"type": "lifespan.startup"}
            if not started.done():
                fail("the app asked for the next lifespan message without answering lifespan.startup")
            await self._shutdown
            return {"type": "lifespan.shutdown"}

        async def send(message: dict[str, Any]) -> None:
            kind = message.get("type") if isinstance(message, dict) else None
            if received == 0 and not started.done():
                # Sending before taking lifespan.startup: an app that treats every
                # scope as HTTP. It has no lifespan support (Mangum's rule too).
                if self.lifespan == "auto":
                    started.set_result(None)
                    raise _NoLifespan(f"the app sent {kind!r} before receiving lifespan.startup")
                fail(f"the app does not support lifespan (lifespan is 'on'): it sent {kind!r} first")
                raise ProtocolError(f"unexpected ASGI message {kind!r} before lifespan.startup")
            if started.done():
                if kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                    return  # also sent when the pending task is torn down at exit
                raise ProtocolError(f"unexpected ASGI message {kind!r} after lifespan startup")
            if kind == "lifespan.startup.complete":
                started.set_result(None)
            elif kind == "lifespan.startup.failed":
                fail(str(message.get("message") or "the app sent lifespan.startup.failed"))
            else:
                fail(f"the app answered lifespan.startup with {kind!r}")
                raise ProtocolError(f"unexpected ASGI message {kind!r} in reply to lifespan.startup")

        async def run() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": self.state}
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if isinstance(exc, _NoLifespan) or (received == 0 and not started.done() and self.lifespan == "auto"):
                    # Raising on the scope itself is how an app says it has no lifespan.
                    log("DEBUG", f"ASGI app does not support lifespan ({exc!r}); continuing without it")
                    if not started.done():
                        started.set_result(None)
                elif not started.done():
                    if received == 0:
                        fail(f"the app does not support lifespan (lifespan is 'on'): {type(exc).__name__}: {exc}")
                    else:
                        fail(f"the app raised during lifespan startup: {type(exc).__name__}: {exc}")
                elif started.exception() is None:
                    # Startup went well; this is the shutdown or a background failure.
                    log("ERROR", f"the ASGI app's lifespan task raised {type(exc).__name__}: {exc}")
                return
            if not started.done():
                started.set_result(None)

        self._lifespan_task = loop.create_task(run())
        loop.run_until_complete(asyncio.wait([started, self._lifespan_task], return_when=asyncio.FIRST_COMPLETED))
        started.result()

    def close(self) -> None:
        """Send ``lifespan.shutdown`` and close the loop (tests; Lambda just freezes)."""
        if self._shutdown is not None and not self._shutdown.done():
            self._shutdown.set_result(None)
            if self._lifespan_task is not None and not self._lifespan_task.done():
                try:
                    self.loop.run_until_complete(self._lifespan_task)
                except Exception:
                    pass
        self.loop.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        scope = http_scope(environ, self.state)
        body = environ["wsgi.input"].read()
        exchange = _Exchange(body)
        try:
            self.loop.run_until_complete(self._run(scope, exchange))
        except Exception as exc:
            if not exchange.complete:
                raise
            # Starlette's exception middleware sends the handler's response and then
            # re-raises for the server to log: the response stands (as with uvicorn).
            log_exception(
                f"ASGI app raised after sending its complete response to {request_label(environ)}; the response stands"
            )
            if self.report is not None:
                self.report(exc, environ.get("lw.event"), environ.get("lw.context"))
        start_response(exchange.status_line(), exchange.headers)
        return exchange.chunks

    async def _run(self, scope: dict[str, Any], exchange: _Exchange) -> None:
        exchange.done = self._asyncio.Event()
        await self.app(scope, exchange.receive, exchange.send)
        if exchange.status is None:
            raise ProtocolError("the ASGI app returned without sending http.response.start")


class _Exchange:
    """One HTTP request/response between the bridge and the app, checked against the
    ASGI spec's message order: start once, then body messages until ``more_body`` is
    false, then nothing."""

    __slots__ = ("body", "request_sent", "done", "status", "headers", "chunks", "complete")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.request_sent = False
        self.done: Any = None
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    async def receive(self) -> dict[str, Any]:
        if not self.request_sent:
            self.request_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.done.wait()  # the client "disconnects" once the response is complete
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        if self.complete:
            raise ProtocolError(f"unexpected ASGI message {kind!r} after the response was complete")
        if kind == "http.response.start":
            if self.status is not None:
                raise ProtocolError("http.response.start sent twice")
            status = message.get("status")
            if type(status) is not int or not 100 <= status <= 599:
                raise ProtocolError(f"http.response.start needs an integer status 100-599, got {status!r}")
            try:
                self.headers = [
                    (bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in message.get("headers") or ()
                ]
            except (TypeError, ValueError) as exc:
                raise ProtocolError(f"http.response.start headers must be pairs of bytes: {exc}") from None
            self.status = status
        elif kind == "http.response.body":
            if self.status is None:
                raise ProtocolError("http.response.body sent before http.response.start")
            chunk = message.get("body", b"")
            if chunk:
                if not isinstance(chunk, (bytes, bytearray, memoryview)):
                    raise ProtocolError(f"http.response.body needs bytes, got {type(chunk).__name__}")
                self.chunks.append(bytes(chunk))
            if not message.get("more_body", False):
                self.complete = True
                self.done.set()
        else:
            raise ProtocolError(f"unexpected ASGI message {kind!r} in an HTTP request")

    def status_line(self) -> str:
        status = self.status or 500
        return f"{status} {_reason(status)}"


_REASONS: dict[int, str] = {}


def _reason(status: int) -> str:
    """The reason phrase for a WSGI status line (ASGI sends only the code)."""
    reason = _REASONS.get(status)
    if reason is None:
        from http import HTTPStatus

        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        _REASONS[status] = reason
    return reason


def http_scope(environ: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The ASGI ``http`` scope for a WSGI environ built by an adapter.

    ``path`` includes ``root_path`` as current ASGI servers send it (Starlette strips it).
    """
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower().encode("latin-1"), value.encode("latin-1")))
        elif key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
            if value:
                headers.append((key.replace("_", "-").lower().encode("latin-1"), value.encode("latin-1")))
    root_path = environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace")
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    try:
        port = int(environ.get("SERVER_PORT") or 443)
    except ValueError:
        port = 443
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1")[5:] or "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "https"),
        "path": root_path + path,
        "raw_path": None,
        "root_path": root_path,
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR") or "0.0.0.0", 0),
        "server": (environ.get("SERVER_NAME", "lambda"), port),
        "state": dict(state),
    }
    for key in ("lw.event", "lw.context", "lw.authorizer"):
        if key in environ:
            scope[key] = environ[key]
    return scope
