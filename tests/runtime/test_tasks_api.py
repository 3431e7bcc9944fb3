"""lw.tasks outside any provider (sync and thread modes), its checks at the call, the
backend chosen from the environment, and the Zappa alias module."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

import lw.tasks
from lw.tasks import TaskFailed, TaskHandle, TaskPending, task
from lw.tasks.dispatch import current_backend

JOBS = """
import threading

from lw.tasks import task

calls = []
gate = threading.Event()

@task(capture_response=True)
def waits():
    gate.wait(5)
    return "done"

@task
def record(*args, **kwargs):
    calls.append((args, kwargs))

@task(capture_response=True)
def add(a, b=0):
    return a + b

@task(capture_response=True)
def fail():
    raise KeyError("missing")

@task(capture_response=True)
def unserialisable():
    return object()

def plain(x):
    return x * 3
"""


@pytest.fixture
def jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    (tmp_path / "apijobs.py").write_text(JOBS)
    monkeypatch.syspath_prepend(str(tmp_path))
    for key in ("LW_TASKS_BACKEND", "LW_TASKS"):
        monkeypatch.delenv(key, raising=False)
    import apijobs

    yield apijobs
    del sys.modules["apijobs"]


def test_outside_a_provider_a_task_runs_in_the_caller(jobs: Any) -> None:
    assert current_backend() == "sync"
    assert jobs.record(1, x="y") is None
    assert jobs.calls == [((1,), {"x": "y"})]
    handle = jobs.add(2, b=3)
    assert isinstance(handle, TaskHandle) and isinstance(handle, str)
    assert lw.tasks.result(handle) == 5
    assert lw.tasks.result(str(handle)) == 5
    assert lw.tasks.run(jobs.plain, 4, capture_response=True) is not None
    assert lw.tasks.result(lw.tasks.run(jobs.plain, 4, capture_response=True)) == 12
    # a decorated function run undecorated goes through its original, once
    assert lw.tasks.result(lw.tasks.run(jobs.add, 1, b=1, capture_response=True)) == 2
    assert jobs.add.sync(1, 1) == 2


def test_a_failed_captured_task_raises_when_read(jobs: Any) -> None:
    with pytest.raises(TaskFailed, match="KeyError: 'missing'"):
        lw.tasks.result(jobs.fail())
    with pytest.raises(TaskFailed, match="must be JSON"):
        lw.tasks.result(jobs.unserialisable())


def test_thread_mode_returns_at_once(jobs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_TASKS", "thread")
    handle = jobs.waits()
    with pytest.raises(TaskPending):
        lw.tasks.result(handle)  # still waiting for the gate: the call did not block
    jobs.gate.set()
    assert lw.tasks.result(handle, wait=5) == "done"


def test_unknown_handles_are_pending_and_junk_handles_refused(jobs: Any) -> None:
    with pytest.raises(TaskPending):
        lw.tasks.result("0" * 32)
    with pytest.raises(ValueError):
        lw.tasks.result("../../etc")


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((object(),), {}, "argument 1 is a object"),
        ((), {"when": __import__("datetime").date(2024, 1, 1)}, "argument when= is a date"),
        (({1: "int key"},), {}, "string keys"),
        (([1, float("nan")],), {}, "JSON cannot carry"),
        (({"deep": [{"set": {1, 2}}]},), {}, "is a set"),
    ],
)
def test_non_json_arguments_are_a_type_error_at_the_call(
    jobs: Any, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        jobs.record(*args, **kwargs)
    assert jobs.calls == []


def test_only_module_level_functions_can_be_tasks() -> None:
    def nested() -> None: ...

    with pytest.raises(TypeError, match="module-level"):
        task(nested)
    with pytest.raises(TypeError, match="module-level"):
        lw.tasks.run(lambda: None)
    with pytest.raises(TypeError, match="module-level"):
        task(capture_response=True)(str.upper)
    with pytest.raises(TypeError):
        task(42)


def test_the_backend_comes_from_the_environment_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_TASKS_BACKEND", "lambda")
    assert current_backend() == "lambda"
    monkeypatch.setenv("LW_TASKS_BACKEND", "carrier-pigeon")
    with pytest.raises(RuntimeError, match="carrier-pigeon"):
        current_backend()
    monkeypatch.delenv("LW_TASKS_BACKEND")
    monkeypatch.setenv("LW_TASKS", "later")
    with pytest.raises(RuntimeError, match="sync or thread"):
        current_backend()


def test_capture_on_aws_without_a_result_table_is_refused_at_the_call(
    jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LW_TASKS_BACKEND", "lambda")
    monkeypatch.delenv("LW_TASKS_TABLE", raising=False)
    with pytest.raises(RuntimeError, match="async_response_table: true"):
        jobs.add(1)


def test_a_task_in_the_main_script_cannot_go_remote(monkeypatch: pytest.MonkeyPatch) -> None:
    def job() -> None: ...

    job.__module__ = "__main__"
    monkeypatch.setenv("LW_TASKS_BACKEND", "local")
    with pytest.raises(TypeError, match="__main__"):
        lw.tasks.run(job)


def test_the_deployed_shim_sets_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from lw.runtime.tasks import configure

    for key in ("LW_TASKS_BACKEND", "LW_TASKS_TOPIC", "LW_TASKS_TABLE", "LW_TASKS_ACTION", "LW_TASKS_QUALIFIER"):
        monkeypatch.setenv(key, "")
    configure({"provider": "aws", "project_name": "shop", "stage": "dev"})
    assert (lw_env("LW_TASKS_BACKEND"), lw_env("LW_TASKS_QUALIFIER"), lw_env("LW_TASKS_TABLE")) == (
        "lambda",
        "live",
        "",
    )
    configure({"provider": "aws", "project_name": "shop", "stage": "dev", "tasks": {"source": "sns", "table": "t"}})
    assert (lw_env("LW_TASKS_BACKEND"), lw_env("LW_TASKS_TOPIC"), lw_env("LW_TASKS_TABLE")) == (
        "sns",
        "shop-dev-tasks",
        "t",
    )
    configure({"provider": "openwhisk", "project_name": "shop", "stage": "dev"})
    assert (lw_env("LW_TASKS_BACKEND"), lw_env("LW_TASKS_ACTION")) == ("openwhisk", "shop-dev/events")
    configure({"provider": "local", "project_name": "shop", "stage": "dev"})
    assert lw_env("LW_TASKS_BACKEND") == "local"


def lw_env(key: str) -> str:
    import os

    return os.environ.get(key, "")


# ----------------------------------------------------------------------- Zappa alias


def test_the_zappa_alias_keeps_zappas_names_and_shapes(jobs: Any, tmp_path: Path) -> None:
    from lw.tasks import zappa

    (tmp_path / "zappajobs.py").write_text(
        "from lw.tasks.zappa import task, task_sns\n"
        "@task\ndef plain(x):\n    return x\n"
        "@task(capture_response=True)\ndef doubled(x):\n    return x * 2\n"
        "@task_sns\ndef via_sns(x):\n    return x\n"
    )
    import zappajobs

    try:
        assert zappajobs.plain(1) is None
        response = zappajobs.doubled(4)
        assert zappa.get_async_response(response.response_id) == {"status": "complete", "response": 8}
        assert zappa.get_async_response("f" * 32) == {"status": "in progress", "response": None}
        ran = zappa.run(jobs.plain, args=[5], capture_response=True)
        assert zappa.get_async_response(ran.response_id)["response"] == 15
        assert zappajobs.via_sns(3) is None
        with pytest.raises(TypeError, match="remote_aws_lambda_function_name"):
            zappa.task(remote_aws_lambda_function_name="other")
    finally:
        del sys.modules["zappajobs"]


def test_a_cyclic_argument_is_a_type_error_not_a_hang(jobs: Any) -> None:
    # json.dumps refuses a cycle; the check must too, rather than walking it forever.
    loop: list[Any] = []
    loop.append(loop)
    ring: dict[str, Any] = {}
    ring["self"] = [ring]
    for value in (loop, ring):
        with pytest.raises(TypeError, match="refers to itself"):
            jobs.record(value)
    shared = [1, 2]
    lw.tasks.check_json({"a": shared, "b": shared}, "shared")  # the same list twice is not a cycle
    assert jobs.calls == []
