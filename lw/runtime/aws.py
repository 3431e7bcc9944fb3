"""AWS Lambda entry points: ``make_handler`` (public) and ``handler_from_settings`` (deployed).

The handler tells three kinds of invocation apart, in this order, so that a request can
never be mistaken for a command: HTTP events (API Gateway v1/v2, ALB, Function URL),
direct invocations carrying ``lw_command``, and event-source/scheduled events.
"""

from __future__ import annotations

from lw.runtime.api import Runtime
from lw.runtime.aws_http import HTTP_V2, adapter_for
from lw.runtime.events import UnroutableEvent, batch_result, is_authorizer_event
from lw.runtime.logs import log, log_exception, one_line
from lw.runtime.wsgi import plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["AwsHandler", "make_handler", "handler_from_settings"]


class AwsHandler:
    """One container's handler state. Lambda calls :attr:`function`, the plain function
    ``make_handler`` returns; calling the object itself does the same."""

    def __init__(self, app: Any, **options: Any) -> None:
        # Imported here, not at module level: ``os`` brings seven modules with it, and
        # the Lambda runtime has loaded it already by the time a handler is made.
        import os

        self.shim = Runtime(app, **options)
        # The SNS topic tasks arrive on (``async_source: sns``), set at cold start.
        self.task_topic = os.environ.get("LW_TASKS_TOPIC", "") if os.environ.get("LW_TASKS_BACKEND") == "sns" else ""
        self.function = self._make_function()

    def __call__(self, event: Any, context: Any = None) -> Any:
        return self.function(event, context)

    def _make_function(self) -> Callable[..., Any]:
        """The handler as a closure: calling a function costs about 0.15 µs less than
        calling an object with ``__call__``, on every request (some 3% of lw's work)."""
        shim = self.shim
        other_event = self.event
        bad_event = self._bad_event
        unshapeable = self._unshapeable

        def handler(event: Any, context: Any = None) -> Any:
            if type(event) is dict:
                if shim.authorizer is not None and is_authorizer_event(event):
                    return shim.authorize(event, context)
                adapter: Any = None
                if event.get("version") == "2.0":
                    # The commonest shape, recognised without a call, as adapter_for
                    # would (a test holds the two together).
                    rc = event.get("requestContext")
                    if type(rc) is dict and "elb" not in rc:
                        adapter = HTTP_V2
                if adapter is None:
                    adapter = adapter_for(event)
                if adapter is not None:
                    # The HTTP path is written out here rather than in helper methods: it
                    # runs on every request and each call layer costs measurable time.
                    try:
                        environ = adapter.environ(event, context, shim)
                    except Exception as exc:
                        return bad_event(adapter, event, exc)
                    try:
                        return adapter.respond(shim.serve(environ, event, context), shim, event)
                    except Exception:
                        return unshapeable(adapter)
                if "lw_command" in event and "Records" not in event and "lw_binding" not in event:
                    return shim.run_command(event["lw_command"], context)
                if "lw_task" in event and "Records" not in event and "lw_binding" not in event:
                    return shim.run_task(event["lw_task"], context)
            return other_event(event, context)

        handler.shim = shim  # type: ignore[attr-defined]
        handler.lw_handler = self  # type: ignore[attr-defined]
        return handler

    def _bad_event(self, adapter: Any, event: dict[str, Any], exc: Exception) -> dict[str, Any]:
        """A malformed event is the sender's fault: answer 400 in the source's shape,
        with exactly one log line saying why."""
        log("WARNING", f"malformed {adapter.name} event ({one_line(exc)}); answering 400")
        try:
            response: dict[str, Any] = adapter.respond(plain_response(400, "Bad Request"), self.shim, event)
        except Exception:
            response = adapter.respond(plain_response(400, "Bad Request"), self.shim, {})
        return response

    def _unshapeable(self, adapter: Any) -> dict[str, Any]:
        """The app answered but lw failed after it (CORS, the access log, the response
        shape): still an answer, never an exception out of the handler."""
        log_exception(f"could not shape the response for {adapter.name}; answering 500")
        response: dict[str, Any] = adapter.respond(plain_response(500, "Internal Server Error"), self.shim, {})
        return response

    def event(self, event: Any, context: Any) -> Any:
        """Event-source and scheduled events: errors from the function propagate, so that
        Lambda's retries, DLQs and failure destinations work as configured; an event no
        binding matches returns ``{"error": ...}`` because retrying it cannot help."""
        shim = self.shim
        if type(event) is dict and self.task_topic and "Records" in event:
            from lw.runtime.tasks import sns_envelope

            envelope = sns_envelope(event, self.task_topic)
            if envelope is not None:
                return shim.run_task(envelope["lw_task"], context)
        try:
            if type(event) is not dict:
                raise UnroutableEvent(f"unrecognised event of type {type(event).__name__}")
            binding = shim.router.route_aws(event)
        except UnroutableEvent as exc:
            log("ERROR", str(exc))
            return {"error": str(exc)}
        except Exception as exc:
            log_exception("malformed event")
            return {"error": f"malformed event: {type(exc).__name__}: {exc}"}
        return batch_result(binding, shim.call_binding(binding, event, context))


def make_handler(app: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """Wrap a WSGI or ASGI app as a Lambda handler function, without the deployer.

    The function's ``shim`` attribute holds the app and options, and its ``lw_handler``
    attribute the :class:`AwsHandler`.

    Options have the names of the ``lw.yml`` settings: ``binary_support``,
    ``additional_text_mimetypes``, ``exception_handler`` (callable or dotted path),
    ``log_requests``, ``allow_raw_invoke``, ``manage_commands``, ``project_root`` (the folder
    whose modules ``lw invoke`` may call), ``base_path``, ``context_header_mappings``,
    ``events``, ``project_name``, ``stage``, ``log_level``, ``cors`` (adds CORS headers to
    responses), ``authorizer`` (callable or dotted path answering Lambda-authorizer events)
    ``asgi`` (force detection) and ``lifespan`` (``"auto"``, ``"on"``, ``"off"``).
    """
    return AwsHandler(app, **options).function


def handler_from_settings(settings_path: str) -> Callable[..., Any]:
    """The deployed handler: settings, environment and app are all prepared now, at init.

    Nothing here may raise: a container that cannot import the app still starts, logs
    why (with the traceback) and answers every HTTP request with a 500, so the failure
    shows in the logs and in the deploy health check instead of as a crash loop.
    """
    from lw.runtime.settings import prepare

    app, options = prepare(settings_path)
    return AwsHandler(app, **options).function
