"""``lw invoke`` / ``lw manage``: a blocking invocation of the ``app`` action's code.

``app`` is called directly rather than through the ``events`` sequence, whose
activation would list component ids instead of the run's logs. An authenticated API
invoke carries no ``__ow_method`` or ``__ow_headers``, which is how the runtime tells
it from a web request or a trigger. Invoking without ``result=true`` returns the whole activation, so the caller gets
the action's logs along with its result, as the AWS provider prints Lambda's tail.
"""

from __future__ import annotations

from typing import Any

from lw.core.errors import ProviderError
from lw.core.provider import InvokeRequest, InvokeResult
from lw.providers.openwhisk.client import ControllerError
from lw.providers.openwhisk.names import APP_ACTION
from lw.providers.openwhisk.remote import Remote


def invoke(remote: Remote, request: InvokeRequest) -> InvokeResult:
    names = remote.names
    try:
        activation = remote.call("POST", "actions", names.package, APP_ACTION, body=request.to_command(), blocking=True)
    except ControllerError as exc:
        if exc.status == 404:
            raise ProviderError(
                f"stage {names.package} is not deployed at {names.apihost} (no action {names.package}/{APP_ACTION})"
            ) from None
        if exc.status == 502 and isinstance(exc.body, dict) and "response" in exc.body:
            activation = exc.body  # the action ran and failed: report its result and logs
        else:
            raise
    if isinstance(activation, dict) and "response" not in activation and "activationId" in activation:
        raise ProviderError(
            f"invocation {activation['activationId']} is still running after the controller's blocking wait; "
            "see lw logs for its outcome"
        )
    response: dict[str, Any] = (activation or {}).get("response") or {}
    result = response.get("result")
    logs = "\n".join(str(line) for line in (activation or {}).get("logs") or ())
    error = None
    if not response.get("success", False):
        error = str(
            result.get("error")
            if isinstance(result, dict) and "error" in result
            else response.get("status") or "failed"
        )
    elif isinstance(result, dict) and result.get("error") and set(result) <= {"error", "traceback", "output"}:
        error = str(result["error"])
    return InvokeResult(result=result, logs=logs, error=error)
