"""Zappa's ``zappa.asynchronous`` API on lw's tasks: the migration is one import line.

``from zappa.asynchronous import task`` becomes ``from lw.tasks.zappa import task``; the
names, arguments and return shapes are Zappa's (``get_async_response`` answers
``{"status": ..., "response": ...}``). Where the task goes (Lambda or SNS) is the stage's
``async_source`` setting, so ``task_sns`` is ``task``; ``remote_aws_lambda_function_name``
(running the task in another function) has no lw equivalent and is refused.
"""

from __future__ import annotations

from lw.tasks import TaskFailed, TaskHandle, TaskPending
from lw.tasks import result as _result
from lw.tasks import run as _run
from lw.tasks import task as _task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["task", "task_sns", "run", "get_async_response", "AsyncResponse"]


class AsyncResponse(TaskHandle):
    """What a Zappa task call returns: ``response_id`` reads the result later."""

    @property
    def response_id(self) -> str:
        return str(self)


def _refuse_remote(options: dict[str, Any]) -> bool:
    for name in ("remote_aws_lambda_function_name", "remote_aws_region"):
        if options.pop(name, None):
            raise TypeError(f"{name}: lw runs a task in the same deployment that starts it; deploy that code here")
    capture = bool(options.pop("capture_response", False))
    options.pop("service", None)
    if options:
        raise TypeError(f"unexpected argument(s) {', '.join(sorted(options))}")
    return capture


def _wrap(handle: TaskHandle | None) -> AsyncResponse | None:
    return AsyncResponse(handle) if handle is not None else None


def task(*args: Any, **kwargs: Any) -> Any:
    """``@task`` or ``@task(capture_response=True)``, as in Zappa."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return _decorate(args[0], False)
    if args:
        raise TypeError("task takes a function or keyword arguments")
    capture = _refuse_remote(dict(kwargs))
    return lambda function: _decorate(function, capture)


def _decorate(function: Any, capture: bool) -> Any:
    import functools

    scheduled = _task(function, capture_response=capture)

    @functools.wraps(function)
    def start(*args: Any, **kwargs: Any) -> AsyncResponse | None:
        return _wrap(scheduled(*args, **kwargs))

    start.sync = function  # type: ignore[attr-defined]
    start.lw_task = scheduled.lw_task  # type: ignore[attr-defined]
    return start


task_sns = task


def run(
    func: Any, args: Any = None, kwargs: Any = None, service: str = "lambda", **options: Any
) -> AsyncResponse | None:
    """``run(func, args=[...], kwargs={...}, capture_response=...)``, as in Zappa."""
    capture = _refuse_remote(dict(options))
    return _wrap(_run(func, *(args or ()), capture_response=capture, **(kwargs or {})))


def get_async_response(response_id: str) -> dict[str, Any] | None:
    """``{"status": "complete", "response": value}``, ``{"status": "in progress"}`` or,
    for a task that raised, ``{"status": "failed", "response": "Type: message"}``."""
    try:
        return {"status": "complete", "response": _result(str(response_id))}
    except TaskPending:
        return {"status": "in progress", "response": None}
    except TaskFailed as exc:
        return {"status": "failed", "response": str(exc)}
