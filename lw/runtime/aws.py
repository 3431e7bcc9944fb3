"""AWS Lambda entry points: ``make_handler`` (public) and ``handler_from_settings`` (deployed).

The handler tells three kinds of invocation apart, in this order, so that a request can
never be mistaken for a command: HTTP events (API Gateway v1/v2, ALB, Function URL),
direct invocations carrying ``lw_command``, and event-source/scheduled events.
"""

from __future__ import annotations

from lw.runtime.aws_http import adapter_for
from lw.runtime.events import WARM_RESULT, UnroutableEvent, batch_result, is_authorizer_event
from lw.runtime.logs import log, log_exception
from lw.runtime.shim import Shim
from lw.runtime.wsgi import plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["AwsHandler", "make_handler", "handler_from_settings"]


class AwsHandler:
    """The Lambda handler: call it as ``handler(event, context)``."""

    def __init__(self, app: Any, **options: Any) -> None:
        self.shim = Shim(app, **options)

    def __call__(self, event: Any, context: Any = None) -> Any:
        if type(event) is dict:
            if self.shim.authorizer is not None and is_authorizer_event(event):
                return self.shim.authorize(event, context)
            adapter = adapter_for(event)
            if adapter is not None:
                # The HTTP path is written out here rather than in helper methods: it
                # runs on every request and each call layer costs measurable time.
                shim = self.shim
                try:
                    environ = adapter.environ(event, context, shim)
                except Exception as exc:
                    return self._bad_event(adapter, event, exc)
                response = shim.serve(environ, event, context)
                try:
                    return adapter.respond(response, shim, event)
                except Exception:
                    return self._unshapeable(adapter)
            if "lw_command" in event and "Records" not in event and "lw_binding" not in event:
                return self.shim.run_command(event["lw_command"], context)
        return self.event(event, context)

    def _bad_event(self, adapter: Any, event: dict[str, Any], exc: Exception) -> dict[str, Any]:
        """A malformed event is the sender's fault: answer 400 in the source's shape."""
        log("WARNING", f"malformed {adapter.name} event ({type(exc).__name__}: {exc}); answering 400")
        try:
            response: dict[str, Any] = adapter.respond(plain_response(400, "Bad Request"), self.shim, event)
        except Exception:
            response = adapter.respond(plain_response(400, "Bad Request"), self.shim, {})
        return response

    def _unshapeable(self, adapter: Any) -> dict[str, Any]:
        log_exception(f"could not shape the response for {adapter.name}; answering 500")
        response: dict[str, Any] = adapter.respond(plain_response(500, "Internal Server Error"), self.shim, {})
        return response

    def event(self, event: Any, context: Any) -> Any:
        """Event-source and scheduled events: errors from the function propagate, so that
        Lambda's retries, DLQs and failure destinations work as configured; an event no
        binding matches returns ``{"error": ...}`` because retrying it cannot help."""
        shim = self.shim
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
        if binding.kind == "keep_warm":
            return dict(WARM_RESULT)
        try:
            function = shim.router.function(binding)
            result = function(event, context)
        except Exception as exc:
            log_exception(f"event function {binding.function} failed for binding {binding.name}")
            shim.report(exc, event, context)
            raise
        return batch_result(binding, result)


def make_handler(app: Callable[..., Any], **options: Any) -> AwsHandler:
    """Wrap a WSGI or ASGI app as a Lambda handler, without the deployer.

    Options have the names of the ``lw.yml`` settings: ``binary_support``,
    ``additional_text_mimetypes``, ``exception_handler`` (callable or dotted path),
    ``log_requests``, ``allow_raw_invoke``, ``base_path``, ``context_header_mappings``,
    ``events``, ``project_name``, ``stage``, ``log_level``, ``cors`` (adds CORS headers to
    responses), ``authorizer`` (callable or dotted path answering Lambda-authorizer events)
    and ``asgi`` (force detection).
    """
    return AwsHandler(app, **options)


def handler_from_settings(settings_path: str) -> AwsHandler:
    """The deployed handler: settings, environment and app are all prepared now, at init.

    Nothing here may raise: a container that cannot import the app still starts, logs
    why (with the traceback) and answers every HTTP request with a 500, so the failure
    shows in the logs and in the deploy health check instead of as a crash loop.
    """
    from lw.runtime.settings import prepare

    app, options = prepare(settings_path)
    return AwsHandler(app, **options)

