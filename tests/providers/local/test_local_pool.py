"""Workers running the real awslambdaric against the supervisor's Runtime API."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from lw.providers.local import isolation
from lw.providers.local.pool import Pool
from lw.providers.local.worker import WorkerSpec

HANDLER = """
import os, sys, time
STARTED = time.time()

def handler(event, context):
    action = event.get("action")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "raise":
        raise ValueError("boom")
    if action == "exit":
        os._exit(3)
    if action == "import":
        __import__(event["module"])
    if action == "print":
        print("hello from the handler")
    return {"pid": os.getpid(), "path": sys.path[:2], "env": {k: os.environ.get(k) for k in (
        "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "LAMBDA_TASK_ROOT", "TZ",
        "AWS_REGION", "VIRTUAL_ENV")}, "remaining": context.get_remaining_time_in_millis(),
        "function": context.function_name}
"""


@pytest.fixture(scope="module")
def runtime_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("runtime") / "runtime"
    assert isolation.build_runtime_dir(target) == []
    return target


def make_pool(
    tmp_path: Path,
    runtime_dir: Path,
    *,
    source: str = HANDLER,
    concurrency: int = 2,
    timeout: float = 2.0,
    memory_size: int = 256,
) -> Pool:
    package = tmp_path / "package"
    package.mkdir()
    (package / "handler.py").write_text(source)
    spec = WorkerSpec(
        handler="handler.handler",
        task_root=package,
        runtime_dir=runtime_dir,
        function_name="demo-dev",
        memory_size=memory_size,
        region="eu-west-1",
        python_version="3.11",
        timeout_seconds=timeout,
        init_timeout_seconds=20,
    )
    lines: list[str] = []
    pool = Pool(1, spec, concurrency, lambda source, text: lines.append(text))
    pool.lines = lines  # type: ignore[attr-defined]
    pool.start()
    return pool


def call(pool: Pool, **event: object) -> tuple[str, object]:
    invocation = pool.invoke(json.dumps(event).encode())
    return invocation.outcome, json.loads(invocation.payload)


@pytest.fixture
def pool(tmp_path, runtime_dir):
    created = make_pool(tmp_path, runtime_dir)
    assert created.wait_ready() is None
    yield created
    created.stop()


def test_worker_sees_the_package_and_lambdas_environment(pool: Pool, tmp_path) -> None:
    outcome, result = call(pool)
    assert outcome == "response"
    assert result["path"][0] == str(tmp_path / "package")
    assert result["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "demo-dev" and result["env"]["_HANDLER"] == "handler.handler"
    assert result["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256" and result["env"]["TZ"] == ":UTC"
    assert result["env"]["AWS_REGION"] == "eu-west-1" and result["env"]["VIRTUAL_ENV"] is None
    assert 0 < result["remaining"] <= 2000 and result["function"] == "demo-dev"


def test_venv_packages_are_invisible_but_lambdas_sdk_is_there(pool: Pool) -> None:
    outcome, result = call(pool, action="import", module="yaml")  # installed in the venv, not on Lambda
    assert outcome == "error" and result["errorType"] == "ModuleNotFoundError"
    outcome, _ = call(pool, action="import", module="boto3")  # Lambda's Python runtime ships boto3
    assert outcome == "response"


def test_workers_are_reused_warm(pool: Pool) -> None:
    pids = {call(pool)[1]["pid"] for _ in range(8)}
    assert len(pids) <= 2 and all(w.restarts == 0 for w in pool.workers)


def test_handler_exception_is_a_function_error(pool: Pool) -> None:
    outcome, result = call(pool, action="raise")
    assert outcome == "error" and result["errorType"] == "ValueError" and result["errorMessage"] == "boom"


def test_timeout_kills_and_replaces_the_worker(pool: Pool) -> None:
    first_pids = {w.process.pid for w in pool.workers}
    outcome, result = call(pool, action="sleep", seconds=30)
    assert outcome == "timeout" and "Task timed out after 2.00 seconds" in result["errorMessage"]
    deadline = time.monotonic() + 10
    while sum(w.restarts for w in pool.workers) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sum(w.restarts for w in pool.workers) == 1
    assert {w.process.pid for w in pool.workers} != first_pids
    assert all(call(pool)[0] == "response" for _ in range(4))


def test_a_crashing_worker_fails_only_its_invocation(pool: Pool) -> None:
    outcome, result = call(pool, action="exit")
    assert outcome == "crash" and result["errorType"] == "Runtime.ExitError"
    assert call(pool)[0] == "response"


def test_concurrency_runs_that_many_at_once(pool: Pool) -> None:
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(call(pool, action="sleep", seconds=1)[0])) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    both_busy = False
    deadline = time.monotonic() + 10
    while not both_busy and time.monotonic() < deadline:
        both_busy = all(worker.current is not None for worker in pool.workers)
        time.sleep(0.01)
    for thread in threads:
        thread.join()
    assert both_busy  # two invocations held by two workers at the same moment
    assert results == ["response", "response"]


def test_output_is_attributed_to_its_invocation(pool: Pool) -> None:
    invocation = pool.invoke(json.dumps({"action": "print"}).encode())
    time.sleep(0.1)
    assert "hello from the handler" in invocation.logs


def test_a_handler_module_that_cannot_load_reports_the_init_error(tmp_path, runtime_dir) -> None:
    broken = make_pool(tmp_path, runtime_dir, source="import not_a_real_module\n", concurrency=1)
    try:
        error = broken.wait_ready()
        assert error is not None and "not_a_real_module" in error
    finally:
        broken.stop()


def test_drain_waits_for_in_flight_work(pool: Pool) -> None:
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(call(pool, action="sleep", seconds=0.4)[0]))
    worker.start()
    time.sleep(0.1)
    assert pool.drain(5.0)
    worker.join()
    assert outcome == ["response"]


def test_a_draining_pool_refuses_new_events_so_the_caller_moves_on(pool: Pool) -> None:
    from lw.providers.local.pool import PoolClosed

    assert pool.drain(1.0)
    with pytest.raises(PoolClosed):
        pool.invoke(b"{}")


def test_log_has_cloudwatch_start_end_report_lines(pool: Pool) -> None:
    invocation = pool.invoke(json.dumps({"action": "print"}).encode())
    lines = [line for line in pool.lines if invocation.request_id in line]  # type: ignore[attr-defined]
    assert lines[0] == f"START RequestId: {invocation.request_id} Version: $LATEST"
    assert lines[1] == f"END RequestId: {invocation.request_id}"
    report = lines[2]
    assert report.startswith(f"REPORT RequestId: {invocation.request_id}\tDuration: ")
    assert "Memory Size: 256 MB" in report and "Max Memory Used: " in report


def test_going_over_memory_size_is_flagged(tmp_path, runtime_dir) -> None:
    hungry = make_pool(
        tmp_path,
        runtime_dir,
        source="def handler(event, context):\n    return len(bytearray(64 << 20))\n",
        concurrency=1,
        memory_size=32,
    )
    try:
        assert hungry.wait_ready() is None
        hungry.invoke(b"{}")
        assert any("on Lambda this invocation would fail with Runtime.OutOfMemory" in line for line in hungry.lines)  # type: ignore[attr-defined]
    finally:
        hungry.stop()
