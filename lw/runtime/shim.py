"""What both providers' handlers share: the app, HTTP error policy, event and command wiring.

A provider module (``aws``, ``openwhisk``) only translates its invocation format; the
decisions (ASGI or WSGI, what a crash returns, who gets told about it, what is logged)
are made here once so the two providers cannot drift apart.
"""

from __future__ import annotations

import time

from lw.runtime.events import EventRouter
from lw.runtime.logs import log, log_exception, request_label, set_level, write_access_line
from lw.runtime.wsgi import BodyPolicy, Response, call_app, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

    from lw.runtime.asgi import AsgiBridge

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


LIFESPAN_MODES = ("auto", "on", "off")

# The options ``make_handler``/``make_main`` accept; the same names as lw.yml settings.
OPTION_NAMES = frozenset(
    {
        "binary_support",
        "additional_text_mimetypes",
        "exception_handler",
        "log_requests",
        "allow_raw_invoke",
        "manage_commands",
        "project_root",
        "base_path",
        "context_header_mappings",
        "events",
        "project_name",
        "stage",
        "log_level",
        "asgi",
        "lifespan",
        "init_error",
        "cors",
        "authorizer",
    }
)


class Shim:
    """One per container: the app (wrapped for ASGI if needed) and the stage's options."""

    def __init__(self, app: Any, **options: Any) -> None:
        unknown = set(options) - OPTION_NAMES
        if unknown:
            raise TypeError(f"unknown lw runtime option(s): {', '.join(sorted(unknown))}")
        if options.get("log_level"):
            set_level(options["log_level"])
        self.policy = BodyPolicy(
            options.get("additional_text_mimetypes") or (), bool(options.get("binary_support", True))
        )
        self.log_requests = bool(options.get("log_requests", True))
        self.allow_raw_invoke = bool(options.get("allow_raw_invoke", False))
        self.manage_commands = options.get("manage_commands")
        self.project_root: str | None = options.get("project_root")
        base_path = (options.get("base_path") or "").strip("/")
        self.base_path = "/" + base_path if base_path else ""
        self.header_mappings = [
            ("HTTP_" + name.upper().replace("-", "_"), tuple(str(path).split(".")))
            for name, path in (options.get("context_header_mappings") or {}).items()
        ]
        self.router = EventRouter(
            options.get("events") or (), options.get("project_name") or "", options.get("stage") or ""
        )
        self.exception_handler = options.get("exception_handler")
        self.cors = _cors_rules(options.get("cors"))
        self.authorizer: Any = options.get("authorizer") or None
        self.init_error: str | None = options.get("init_error")
        self.app: Any = None
        self.bridge: AsgiBridge | None = None
        lifespan = options.get("lifespan") or "auto"
        if lifespan not in LIFESPAN_MODES:
            raise ValueError(f"lifespan must be one of {', '.join(LIFESPAN_MODES)}, got {lifespan!r}")
        if app is not None and self.init_error is None:
            self._adopt(app, options.get("asgi"), lifespan)

    def _adopt(self, app: Any, asgi: bool | None, lifespan: str) -> None:
        """Wrap an ASGI app and run its lifespan startup now, at container init."""
        if asgi is None:
            asgi = is_asgi(app)
        if not asgi:
            self.app = app
            return
        # Imported only for an ASGI app: a WSGI app's cold start never loads the bridge.
        from lw.runtime.asgi import AsgiBridge, LifespanError

        bridge = AsgiBridge(app, lifespan=lifespan, report=self.report)
        try:
            bridge.startup()
        except LifespanError as exc:
            # Reported once, here; each request then says why it gets a 500.
            log("ERROR", f"ASGI lifespan startup failed: {exc}; every HTTP request will get a 500")
            self.init_error = f"lifespan startup failed: {exc}"
            return
        except Exception as exc:
            log_exception("ASGI lifespan startup failed; every HTTP request will get a 500")
            self.init_error = f"lifespan startup failed: {type(exc).__name__}: {exc}"
            return
        self.bridge = bridge
        self.app = bridge

    def serve(self, environ: dict[str, Any], event: Any, context: Any, access_log: bool = True) -> Response:
        """Call the app; any failure becomes a 500 with the traceback only in the log.

        ``access_log=False`` leaves the access line to the caller, for a provider that may still
        replace the response (OpenWhisk answers 502 for a result over its size limit). It is
        not keyword-only because CPython 3.11 cannot specialise a call to a function with
        keyword-only parameters, and this call is on every request.
        """
        started = time.time() if self.log_requests else 0.0
        app = self.app
        if app is None:
            log(
                "ERROR",
                f"cannot serve {request_label(environ)}: "
                f"{self.init_error or 'no app is configured (app_function or django_settings)'}",
            )
            response = plain_response(500, "Internal Server Error")
        else:
            try:
                response = call_app(app, environ)
            except Exception as exc:
                log_exception(f"unhandled exception in app for {request_label(environ)}")
                self.report(exc, event, context)
                response = plain_response(500, "Internal Server Error")
        if self.cors is not None:
            response.headers = list(response.headers)  # never the app's own list
            self.cors.add_to(response.headers, environ.get("HTTP_ORIGIN"))
        if self.log_requests and access_log:
            try:
                write_access_line(environ, response.status, len(response.body), started)
            except Exception:
                # A log line that cannot be written (closed stdout) must not cost the
                # client its response.
                log_exception("could not write the access-log line")
        return response

    def report(self, exc: BaseException, event: Any, context: Any) -> None:
        """Hand the exception to the stage's ``exception_handler`` (Sentry-style).

        A failing reporter must not turn a handled 500 into a crash, so its own errors
        are only logged.
        """
        handler = self.exception_handler
        if not handler:
            return
        try:
            if isinstance(handler, str):
                from lw.runtime.lookup import resolve

                handler = self.exception_handler = resolve(handler)
            handler(exc, event, context)
        except Exception:
            log_exception("exception_handler itself failed")

    def authorize(self, event: Any, context: Any) -> Any:
        """Answer an API Gateway Lambda-authorizer event with the stage's ``authorizer``
        function. Its exceptions propagate: raising ``Exception("Unauthorized")`` is how
        an authorizer tells API Gateway to answer 401."""
        if isinstance(self.authorizer, str):
            from lw.runtime.lookup import resolve

            self.authorizer = resolve(self.authorizer)
        return self.authorizer(event, context)

    def add_context_headers(self, environ: dict[str, Any], request_context: Mapping[str, Any]) -> None:
        """Copy configured ``requestContext`` values into request headers.

        A mapped header is always dropped from what the client sent first: the app
        trusts these headers as identity, so a missing context value must not let a
        client-supplied one through."""
        for key, path in self.header_mappings:
            environ.pop(key, None)
            value: Any = request_context
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
                if value is None:
                    break
            if value is not None:
                environ[key] = str(value)

    def split_base_path(self, path: str) -> tuple[str, str]:
        """``("/api", "/users")`` from ``/api/users`` when ``base_path`` is ``api``."""
        base = self.base_path
        if base and path.startswith(base) and (len(path) == len(base) or path[len(base)] == "/"):
            return base, path[len(base) :] or "/"
        return "", path

    def run_task(self, envelope: Any, context: Any) -> dict[str, Any]:
        """Run a task another invocation started (``lw.tasks``), through the same gate as
        ``run_command``'s functions."""
        from lw.runtime.tasks import run_task

        return run_task(envelope, context, project_root=self.project_root, report=self.report)

    def run_command(self, command: Any, context: Any) -> dict[str, Any]:
        from lw.runtime.commands import run_command

        return run_command(
            command,
            context,
            allow_raw=self.allow_raw_invoke,
            report=self.report,
            project_root=self.project_root,
            manage_commands=self.manage_commands,
        )


def _cors_rules(value: Any) -> Any:
    """The CORS rules, or ``None``; a malformed setting is logged, never a crash at init."""
    if not value:
        return None
    from lw.runtime.cors import CorsRules

    try:
        return CorsRules.from_setting(value)
    except ValueError as exc:
        log("ERROR", f"ignoring the cors setting: {exc}")
        return None


def merge_options(settings: Mapping[str, Any], names: Iterable[str] = OPTION_NAMES) -> dict[str, Any]:
    """The runtime options found in a settings document (unknown keys ignored)."""
    return {key: settings[key] for key in names if key in settings and key != "init_error"}
