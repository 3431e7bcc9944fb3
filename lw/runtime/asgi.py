"""Run an ASGI 3 app behind the same WSGI-shaped interface the adapters use.

Adapters only know WSGI; wrapping an ASGI app as a WSGI callable keeps one code path
for events, logging and errors. ``asyncio`` is imported only when an ASGI app is
actually detected, so WSGI users never pay for it at cold start.
"""

from __future__ import annotations

from lw.runtime.logs import log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect


def is_asgi(app: Any) -> bool:
    """True for an ASGI 3 app: a coroutine function (or ``async def __call__``) taking
    ``(scope, receive, send)``. Checked on the code object: ``inspect`` is too heavy for
    a cold start."""
    func = getattr(app, "__func__", app)
    bound = func is not app
    code = getattr(func, "__code__", None)
    if code is None:
        call = getattr(type(app), "__call__", None)
        func = getattr(call, "__func__", call)
        code = getattr(func, "__code__", None)
        bound = True
    if code is None:
        return False
    return bool(code.co_flags & _CO_COROUTINE) and code.co_argcount - bound == 3


class LifespanError(RuntimeError):
    """The app reported ``lifespan.startup.failed``."""


class AsgiBridge:
    """A WSGI callable that runs an ASGI app on one event loop per container.

    The loop lives as long as the container, so connection pools and anything the app
    created during lifespan startup stay valid across invocations.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        import asyncio

        self.app = app
        self._asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self.state: dict[str, Any] = {}
        self._lifespan_task: Any = None
        self._shutdown: Any = None

    def startup(self) -> None:
        """Send ``lifespan.startup`` once; an app without lifespan support is fine."""
        asyncio = self._asyncio
        loop = self.loop
        started = loop.create_future()
        self._shutdown = loop.create_future()
        sent_startup = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_startup
            if not sent_startup:
                sent_startup = True
                return {"type": "lifespan.startup"}
            await self._shutdown
            return {"type": "lifespan.shutdown"}

        async def send(message: dict[str, Any]) -> None:
            kind = message.get("type")
            if kind == "lifespan.startup.complete" and not started.done():
                started.set_result(None)
            elif kind == "lifespan.startup.failed" and not started.done():
                started.set_exception(LifespanError(message.get("message") or "lifespan startup failed"))

        async def run() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": self.state}
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:  # an app without lifespan raises on the scope
                if not started.done():
                    log("DEBUG", f"ASGI app does not support lifespan ({exc!r}); continuing without it")
                    started.set_result(None)
                    return
                raise
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
        status, headers, chunks = self.loop.run_until_complete(self._request(scope, body))
        start_response(status, headers)
        return chunks

    async def _request(self, scope: dict[str, Any], body: bytes) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        done = self._asyncio.Event()
        request_sent = False
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()  # the client "disconnects" once the response is complete
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                start.update(message)
            elif kind == "http.response.body":
                if not start:
                    raise RuntimeError("ASGI app sent a body before http.response.start")
                chunk = message.get("body", b"")
                if chunk:
                    chunks.append(bytes(chunk))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        if not start:
            raise RuntimeError("the ASGI app returned without sending http.response.start")
        status = int(start["status"])
        headers = [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in start.get("headers", ())]
        return f"{status} {_reason(status)}", headers, chunks


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
