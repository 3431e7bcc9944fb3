"""Where a captured task result is kept and read back, per backend.

- ``lambda``/``sns``: the stage's DynamoDB table (``LW_TASKS_TABLE``), items expiring
  after ``LW_TASKS_RESULT_TTL`` seconds (a day by default) through the table's TTL.
- ``openwhisk``: the task's own activation record; nothing is written.
- ``local``: the local provider's supervisor, asked through the worker's Runtime API.
- ``sync``/``thread``: this process's memory.

A result document is ``{"status": "complete", "result": value}`` or ``{"status":
"failed", "error": "Type: message"}``.
"""

from __future__ import annotations

import os
import time

from lw.tasks.handles import TaskFailed, TaskPending

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

RESULT_TTL_ENV = "LW_TASKS_RESULT_TTL"
DEFAULT_TTL = 86_400
_MEMORY: dict[str, dict[str, Any]] = {}
_MEMORY_LIMIT = 10_000
POLL_SECONDS = 0.2


def check_capture(backend: str) -> None:
    """Refuse ``capture_response`` at the call where nothing could keep the result."""
    if backend in ("lambda", "sns") and not os.environ.get("LW_TASKS_TABLE"):
        raise RuntimeError(
            "capture_response=True needs a table for the results: set async_response_table: true "
            "for this stage in lw.yml and deploy again"
        )


def failure_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text.splitlines()[0][:1000] if text else type(exc).__name__


def run_here(function: Callable[..., Any], args: Any, kwargs: Any, task_id: str | None, *, raise_errors: bool) -> None:
    """Run the task in this process (``sync``/``thread``), keeping its result if asked."""
    from lw.tasks.envelope import check_json

    try:
        value = function(*args, **kwargs)
        check_json(value, f"the result of {getattr(function, '__qualname__', function)}")
    except Exception as exc:
        if task_id is not None:
            _remember(task_id, {"status": "failed", "error": failure_text(exc)})
        if raise_errors:
            raise
        import traceback

        traceback.print_exc()
        return
    if task_id is not None:
        _remember(task_id, {"status": "complete", "result": value})


def _remember(task_id: str, document: dict[str, Any]) -> None:
    if len(_MEMORY) >= _MEMORY_LIMIT:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[task_id] = document


def store(backend: str, task_id: str, document: dict[str, Any]) -> None:
    """Keep a finished task's result where :func:`read` finds it."""
    if backend in ("lambda", "sns"):
        _dynamodb_put(task_id, document)
    elif backend == "local":
        import json

        local_call("POST", f"tasks/{task_id}/result", json.dumps(document).encode())
    elif backend in ("sync", "thread"):
        _remember(task_id, document)
    # openwhisk: the activation record is the store


def read(backend: str, task_id: str) -> dict[str, Any] | None:
    """The result document, or ``None`` while the task has not finished."""
    if not task_id or len(task_id) > 128 or not task_id.isalnum():
        raise ValueError(f"{task_id[:40]!r} is not a task handle")
    if backend in ("lambda", "sns"):
        return _dynamodb_get(task_id)
    if backend == "local":
        answer = local_call("GET", f"tasks/{task_id}", None)
        return None if answer.get("status") in (None, "pending") else answer
    if backend == "openwhisk":
        return _activation_result(task_id)
    return _MEMORY.get(task_id)


def wait_for(task_id: str, wait: float) -> Any:
    from lw.tasks.backend import current_backend

    backend = current_backend()
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        document = read(backend, task_id)
        if document is not None:
            if document.get("status") == "failed":
                raise TaskFailed(str(document.get("error") or "the task failed"))
            return document.get("result")
        if time.monotonic() >= deadline:
            raise TaskPending(f"task {task_id} has not finished" + (f" within {wait:g} s" if wait else ""))
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


# ----------------------------------------------------------------------- AWS


def _table() -> str:
    table = os.environ.get("LW_TASKS_TABLE")
    if not table:
        check_capture("lambda")
    return str(table)


def _dynamodb_put(task_id: str, document: dict[str, Any]) -> None:
    import json

    from lw.tasks.backend import client

    ttl = int(os.environ.get(RESULT_TTL_ENV) or DEFAULT_TTL)
    item = {
        "id": {"S": task_id},
        "status": {"S": str(document["status"])},
        "expires": {"N": str(int(time.time()) + ttl)},
    }
    if "result" in document:
        item["result"] = {"S": json.dumps(document["result"], separators=(",", ":"))}
    if "error" in document:
        item["error"] = {"S": str(document["error"])}
    client("dynamodb").put_item(TableName=_table(), Item=item)


def _dynamodb_get(task_id: str) -> dict[str, Any] | None:
    import json

    from lw.tasks.backend import client

    item = client("dynamodb").get_item(TableName=_table(), Key={"id": {"S": task_id}}, ConsistentRead=True).get("Item")
    if not item:
        return None
    if int(item.get("expires", {}).get("N", "0")) < time.time():
        return None  # TTL deletion lags expiry by up to days: an expired result is gone
    document: dict[str, Any] = {"status": item["status"]["S"]}
    if "result" in item:
        document["result"] = json.loads(item["result"]["S"])
    if "error" in item:
        document["error"] = item["error"]["S"]
    return document


# ----------------------------------------------------------------------- local provider

LOCAL_PREFIX = "/2018-06-01/lw/"


def local_call(method: str, path: str, body: bytes | None) -> dict[str, Any]:
    """A call to the local provider's task API on this worker's Runtime API listener."""
    import json
    import urllib.request

    api = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not api:
        raise RuntimeError("the local provider's AWS_LAMBDA_RUNTIME_API is not set")
    request = urllib.request.Request(f"http://{api}{LOCAL_PREFIX}{path}", data=body, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        document = json.loads(answer.read() or b"{}")
    return document if isinstance(document, dict) else {}


# ----------------------------------------------------------------------- OpenWhisk


def openwhisk_call(method: str, path: str, body: bytes | None) -> dict[str, Any]:
    """A controller call with the activation's own key (``__OW_API_KEY``), under its
    namespace; a 404 is ``{}`` (an activation not yet recorded)."""
    import base64
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    host = os.environ.get("__OW_API_HOST") or ""
    key = os.environ.get("__OW_API_KEY") or ""
    namespace = os.environ.get("__OW_NAMESPACE") or "_"
    if not host or not key:
        raise RuntimeError(
            "__OW_API_HOST and __OW_API_KEY are not set: the action needs the controller's credentials "
            "(OpenWhisk gives them to every activation unless the action is annotated provide-api-key: false)"
        )
    if "://" not in host:
        host = "https://" + host
    url = f"{host.rstrip('/')}/api/v1/namespaces/{urllib.parse.quote(namespace, safe='')}/{path}"
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", "Basic " + base64.b64encode(key.encode()).decode())
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            document = json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and method == "GET":
            return {}
        detail = exc.read()[:300].decode("utf-8", "replace")
        raise RuntimeError(f"the OpenWhisk controller answered {exc.code} to {method} {path}: {detail}") from None
    return document if isinstance(document, dict) else {}


def _activation_result(activation_id: str) -> dict[str, Any] | None:
    activation = openwhisk_call("GET", f"activations/{activation_id}", None)
    if not activation:
        return None
    response = activation.get("response") or {}
    result = response.get("result")
    if isinstance(result, dict) and "lw_task" in result:
        return {
            "status": result.get("status", "complete"),
            "result": result.get("result"),
            "error": result.get("error"),
        }
    if isinstance(result, dict) and "error" in result:
        return {"status": "failed", "error": str(result["error"])}
    return {"status": "failed" if not response.get("success", True) else "complete", "result": result}
