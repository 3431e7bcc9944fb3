"""The local provider's asynchronous invoke (``lw.providers.local.tasks``): accepted at
once, retried twice as Lambda does, refused as Lambda's Invoke refuses, and results kept."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

from lw.providers.local.tasks import ASYNC_PAYLOAD_LIMIT, TaskBoard, handle


@dataclass
class Outcome:
    outcome: str
    payload: bytes = b""


def _envelope(name: str = "jobs.work") -> bytes:
    return json.dumps({"lw_task": {"function": name, "args": [], "kwargs": {}, "id": "a1", "capture": False}}).encode()


def _wait(condition, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_task_is_accepted_at_once_and_run_in_the_background() -> None:
    started = threading.Event()
    release = threading.Event()
    lines: list[str] = []

    def invoke(event: bytes) -> Outcome:
        started.set()
        release.wait(5)
        return Outcome("response")

    board = TaskBoard(invoke, lambda source, text: lines.append(f"{source} {text}"), retry_delays=(0.0, 0.0))
    status, answer = board.submit(_envelope())
    assert status == 202 and answer["request_id"]
    assert started.wait(5) and not release.is_set()  # the caller had its answer first
    release.set()
    _wait(lambda: any("running jobs.work" in line for line in lines))
    assert board.describe()["failed"] == 0


def test_a_failing_task_is_retried_twice_then_given_up() -> None:
    attempts: list[bytes] = []
    lines: list[str] = []
    board = TaskBoard(
        lambda event: attempts.append(event) or Outcome("error", b'{"errorType":"ValueError"}'),
        lambda source, text: lines.append(text),
        retry_delays=(0.0, 0.0),
    )
    board.submit(_envelope())
    _wait(lambda: board.failed == 1)
    assert len(attempts) == 3
    assert any("failed 3 times; giving up" in line for line in lines)


def test_refusals_are_lambdas() -> None:
    board = TaskBoard(lambda event: Outcome("response"), lambda source, text: None)
    status, answer = board.submit(b"x" * (ASYNC_PAYLOAD_LIMIT + 1))
    assert status == 413 and answer["errorType"] == "RequestEntityTooLargeException"
    assert board.submit(b'{"not": "a task"}')[0] == 400
    assert board.submit(b"not json")[0] == 400


def test_results_are_kept_and_read_back_through_the_runtime_api_paths() -> None:
    board = TaskBoard(lambda event: Outcome("response"), lambda source, text: None)
    assert handle(board, "GET", "/2018-06-01/lw/tasks/abc", b"") == (200, {"status": "pending"})
    document = {"status": "complete", "result": {"n": 1}}
    assert handle(board, "POST", "/2018-06-01/lw/tasks/abc/result", json.dumps(document).encode())[0] == 200
    assert handle(board, "GET", "/2018-06-01/lw/tasks/abc", b"") == (200, document)
    assert handle(board, "GET", "/2018-06-01/lw/tasks/../../x", b"")[0] in (400, 404)
    assert handle(board, "POST", "/2018-06-01/lw/tasks/abc/result", b'{"status": "made up"}')[0] == 400
    assert handle(board, "GET", "/2018-06-01/runtime/invocation/next", b"") is None
    assert handle(None, "POST", "/2018-06-01/lw/tasks", _envelope())[0] == 503
