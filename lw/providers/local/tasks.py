"""The local provider's asynchronous invoke, for ``lw.tasks``: Lambda's ``Event`` invoke.

A worker hands the supervisor a task envelope through its own Runtime API listener
(``POST /2018-06-01/lw/tasks``); the supervisor answers at once, runs the event on the
serving pool in a thread, and retries a failed run twice, as Lambda does (after 1 and
2 seconds here, instead of Lambda's minute or two). The task's output goes to the
stage's log like any invocation's, so ``lw logs`` shows it. Captured results are kept in
memory for a day (``POST .../tasks/<id>/result``, read back with ``GET .../tasks/<id>``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any, Callable

from lw.tasks.envelope import PAYLOAD_LIMITS
from lw.tasks.results import LOCAL_PREFIX

# The local runtime plays Lambda: the same asynchronous payload limit lw.tasks checks at the call.
ASYNC_PAYLOAD_LIMIT = PAYLOAD_LIMITS["local"]
RETRY_DELAYS = (1.0, 2.0)
RESULT_TTL = 86_400.0
RESULT_LIMIT = 10_000


class TaskBoard:
    """Queued tasks and kept results of one local runtime."""

    def __init__(
        self,
        invoke: Callable[[bytes], Any],
        emit: Callable[[str, str], None],
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self._invoke = invoke  # runs one event on the serving pool, returns its Invocation (or None)
        self._emit = emit
        self._retry_delays = retry_delays
        self._results: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.started = 0
        self.failed = 0

    def submit(self, event: bytes) -> tuple[int, dict[str, Any]]:
        """Accept a task (202) or refuse it as Lambda's Invoke would (413, 400)."""
        if len(event) > ASYNC_PAYLOAD_LIMIT:
            return 413, {
                "errorType": "RequestEntityTooLargeException",
                "errorMessage": f"the task's payload is {len(event)} bytes, over {ASYNC_PAYLOAD_LIMIT}",
            }
        try:
            document = json.loads(event)
            name = str(document["lw_task"]["function"])
        except (ValueError, KeyError, TypeError):
            return 400, {"errorType": "InvalidRequestContentException", "errorMessage": "not a task envelope"}
        request_id = str(uuid.uuid4())
        self.started += 1
        threading.Thread(target=self._run, args=(request_id, name, event), daemon=True, name="lw-task").start()
        return 202, {"request_id": request_id}

    def _run(self, request_id: str, name: str, event: bytes) -> None:
        attempts = 1 + len(self._retry_delays)
        for attempt in range(1, attempts + 1):
            self._emit("[tasks]", f"running {name} (request {request_id}, attempt {attempt} of {attempts})")
            invocation = self._invoke(event)
            if invocation is None:
                self._emit("[tasks]", f"{name}: nothing is deployed; the task is dropped")
                self.failed += 1
                return
            if invocation.outcome == "response":
                return
            summary = invocation.payload.decode("utf-8", "replace")[:300]
            if attempt < attempts:
                delay = self._retry_delays[attempt - 1]
                self._emit("[tasks]", f"{name} failed ({summary}); retrying in {delay:g} s")
                time.sleep(delay)
        self.failed += 1
        self._emit("[tasks]", f"{name} failed {attempts} times; giving up (request {request_id})")

    def keep(self, task_id: str, document: Any) -> tuple[int, dict[str, Any]]:
        if (
            not _valid_id(task_id)
            or not isinstance(document, dict)
            or document.get("status")
            not in (
                "complete",
                "failed",
            )
        ):
            return 400, {"error": "expected a task id and a result document"}
        now = time.monotonic()
        with self._lock:
            for key in [k for k, (at, _) in self._results.items() if now - at > RESULT_TTL]:
                del self._results[key]
            if len(self._results) >= RESULT_LIMIT:
                self._results.pop(next(iter(self._results)))
            self._results[task_id] = (now, document)
        return 200, {"ok": True}

    def read(self, task_id: str) -> tuple[int, dict[str, Any]]:
        if not _valid_id(task_id):
            return 400, {"error": "not a task id"}
        with self._lock:
            kept = self._results.get(task_id)
        if kept is None or time.monotonic() - kept[0] > RESULT_TTL:
            return 200, {"status": "pending"}
        return 200, kept[1]

    def describe(self) -> dict[str, Any]:
        return {"started": self.started, "failed": self.failed, "results_kept": len(self._results)}


def _valid_id(task_id: str) -> bool:
    return 0 < len(task_id) <= 64 and task_id.isalnum()


TASKS_PREFIX = LOCAL_PREFIX + "tasks"  # where lw.tasks calls this worker's Runtime API


def handle(board: TaskBoard | None, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]] | None:
    """Answer a task call on a worker's Runtime API listener; ``None`` if ``path`` is not one."""
    if not (path == TASKS_PREFIX or path.startswith(TASKS_PREFIX + "/")):
        return None
    if board is None:
        return 503, {"errorMessage": "this local runtime takes no tasks"}
    rest = path[len(TASKS_PREFIX) :].strip("/").split("/") if path != TASKS_PREFIX else []
    if method == "POST" and not rest:
        return board.submit(body)
    if method == "POST" and len(rest) == 2 and rest[1] == "result":
        try:
            document = json.loads(body)
        except ValueError:
            return 400, {"error": "the result is not JSON"}
        return board.keep(rest[0], document)
    if method == "GET" and len(rest) == 1:
        return board.read(rest[0])
    return 404, {"errorMessage": "unknown task path"}
