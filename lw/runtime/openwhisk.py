"""Apache OpenWhisk entry points: ``make_main`` (public) and ``main_from_settings`` (deployed).

One zip serves both actions the deployer creates: the raw-http web action (arguments
carry ``__ow_method``) and the events action that rules bind triggers to (no
``__ow_method``; the trigger's ``lw_binding`` parameter names the binding). The result
is always a JSON object, because the ActionLoop launcher rejects anything else.
"""

from __future__ import annotations

import os
import time

from lw.runtime.api import Runtime
from lw.runtime.events import UnroutableEvent
from lw.runtime.logs import log, log_exception, one_line, write_access_line
from lw.runtime.openwhisk_http import bare_action_redirect, build_environ, build_result
from lw.runtime.wsgi import http_method, plain_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["OpenWhiskContext", "OpenWhiskMain", "make_main", "main_from_settings"]


class OpenWhiskContext:
    """The activation's details, read from the ``__OW_*`` variables the launcher sets per run.

    Attribute names mirror Lambda's context where one exists (``function_name``,
    ``aws_request_id``, ``get_remaining_time_in_millis``) so that event functions written
    for ``fn(event, context)`` work on both providers.
    """

    def __init__(self) -> None:
        environ = os.environ
        self.activation_id = environ.get("__OW_ACTIVATION_ID", "")
        self.action_name = environ.get("__OW_ACTION_NAME", "")
        self.namespace = environ.get("__OW_NAMESPACE", "")
        self.transaction_id = environ.get("__OW_TRANSACTION_ID", "")
        self.api_host = environ.get("__OW_API_HOST", "")
        try:
            self.deadline_ms = int(environ.get("__OW_DEADLINE") or 0)
        except ValueError:
            self.deadline_ms = 0
        self.function_name = self.action_name
        self.aws_request_id = self.activation_id

    def get_remaining_time_in_millis(self) -> int:
        if not self.deadline_ms:
            return 0
        import time

        return max(0, self.deadline_ms - int(time.time() * 1000))


class OpenWhiskMain:
    """The action's ``main(args)``."""

    def __init__(self, app: Any, **options: Any) -> None:
        self.shim = Runtime(app, **options)

    def __call__(self, args: Any) -> dict[str, Any]:
        context = OpenWhiskContext()
        if not isinstance(args, dict):
            return {"error": f"expected an object of arguments, got {type(args).__name__}"}
        if "__ow_method" in args:
            return self.http(args, context)
        if "lw_command" in args and "__ow_headers" not in args and "lw_binding" not in args:
            # Only an authenticated API invoke arrives without the headers the controller
            # adds to web and trigger activations: that is `lw invoke`.
            return self.shim.run_command(args["lw_command"], context)
        if "lw_task" in args and "__ow_headers" not in args and "lw_binding" not in args:
            return self.task(args["lw_task"], context)
        return self.event(args, context)

    def task(self, envelope: Any, context: Any) -> dict[str, Any]:
        """A task started by ``lw.tasks`` (a non-blocking invoke with the namespace's key):
        a failure is an application error, which the activation record keeps."""
        from lw.runtime.tasks import TaskRaised

        try:
            return self.shim.run_task(envelope, context)
        except TaskRaised as exc:
            return {"error": str(exc)}

    def http(self, args: dict[str, Any], context: Any) -> dict[str, Any]:
        shim = self.shim
        try:
            environ = build_environ(args, context, shim)
            http_method(environ["REQUEST_METHOD"])
        except Exception as exc:
            log("WARNING", f"malformed web action arguments ({one_line(exc)}); answering 400")
            return build_result(plain_response(400, "Bad Request"), shim)
        redirect = bare_action_redirect(args)
        if redirect is not None:
            return build_result(redirect, shim)
        started = time.time()
        response = shim.serve(environ, args, context, access_log=False)
        try:
            result = build_result(response, shim)
        except Exception:
            log_exception("could not shape the web action result; answering 500")
            result = build_result(plain_response(500, "Internal Server Error"), shim)
        if shim.log_requests:
            # Logged once the result is final, so that a 502 for an oversized response
            # is what the access log says.
            size = len(response.body) if result["statusCode"] == response.status else len(result.get("body") or "")
            try:
                write_access_line(environ, result["statusCode"], size, started)
            except Exception:
                log_exception("could not write the access-log line")
        return result

    def event(self, args: dict[str, Any], context: Any) -> dict[str, Any]:
        """Trigger/feed activations. A failing function returns ``{"error": ...}``, which
        OpenWhisk records as an application error for the activation.

        The function and ``exception_handler`` get the arguments without the platform's
        ``__ow_*`` keys: the controller adds the firing request's headers as
        ``__ow_headers``, and the alarms provider fires with the namespace's key, so
        ``__ow_headers.authorization`` would otherwise reach user code and error reports.
        """
        shim = self.shim
        args = user_arguments(args)
        try:
            binding = shim.router.route_openwhisk(args)
        except UnroutableEvent as exc:
            log("ERROR", str(exc))
            return {"error": str(exc)}
        try:
            result = shim.call_binding(binding, args, context)
        except Exception as exc:  # already logged and reported
            return {"error": f"{binding.function} failed: {type(exc).__name__}: {exc}".splitlines()[0]}
        # Any result object with an "error" key (even null) is an application error to
        # OpenWhisk: a returned document that has one is wrapped, never passed through.
        if isinstance(result, dict) and "error" not in result:
            return result
        if isinstance(result, dict) or result is None or isinstance(result, (list, str, int, float, bool)):
            return {"result": result}
        return {"result": repr(result)}


def user_arguments(args: dict[str, Any]) -> dict[str, Any]:
    """``args`` without the platform's ``__ow_*`` keys (a copy only when there are some)."""
    if not any(key.startswith("__ow_") for key in args):
        return args
    return {key: value for key, value in args.items() if not key.startswith("__ow_")}


def make_main(app: Callable[..., Any], **options: Any) -> OpenWhiskMain:
    """Wrap a WSGI or ASGI app as an OpenWhisk ``main(args)``, without the deployer.

    Takes the same options as :func:`lw.runtime.aws.make_handler`.
    """
    return OpenWhiskMain(app, **options)


def main_from_settings(settings_path: str) -> OpenWhiskMain:
    """The deployed ``main``: prepared at import, which the launcher does during ``/init``."""
    from lw.runtime.settings import prepare

    app, options = prepare(settings_path)
    return OpenWhiskMain(app, **options)
