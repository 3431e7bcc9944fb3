"""Asynchronous tasks: run a function of the app in another invocation of the same deployment.

``@task`` on a module-level function makes calling it schedule the call and return at
once (``None``, or a :class:`TaskHandle` with ``capture_response=True``), so a web request
can start long work and answer straight away. Where the call goes is read from the
environment at the call, never fixed at import: the deployed shim says which provider
runs the app (AWS: an asynchronous ``Invoke`` of the ``live`` alias or an SNS publish;
OpenWhisk: a non-blocking invoke of the ``events`` action; the local provider: its own
asynchronous invoke). Outside any provider (``flask run``, pytest) the task runs at
once in the caller, or in a thread with ``LW_TASKS=thread``.

Arguments and results travel as JSON: anything else is a ``TypeError`` at the call, in
the caller's request, rather than a failure later in an invocation nobody watches.

Standard library only, and cheap to import: this module ships in every package and is
imported by the app at cold start.
"""

from __future__ import annotations

from lw.tasks.envelope import TaskTooLarge, check_json, task_path
from lw.tasks.handles import TaskFailed, TaskHandle, TaskPending

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["task", "run", "result", "check_json", "TaskHandle", "TaskFailed", "TaskPending", "TaskTooLarge"]


def task(fn: Any = None, *, capture_response: bool = False) -> Any:
    """Make a module-level function run asynchronously when called.

    ``@task`` or ``@task(capture_response=True)``. The decorated function keeps the
    original as ``.sync`` (call it to run the work here and now, as Zappa's does).
    """
    if fn is not None and not callable(fn):
        raise TypeError(f"@task takes a function, got {type(fn).__name__}")

    def decorate(function: Any) -> Any:
        import functools

        path = task_path(function)

        @functools.wraps(function)
        def schedule(*args: Any, **kwargs: Any) -> TaskHandle | None:
            from lw.tasks.dispatch import dispatch

            return dispatch(path, function, args, kwargs, capture=capture_response)

        schedule.sync = function  # type: ignore[attr-defined]
        schedule.lw_task = {"capture_response": bool(capture_response)}  # type: ignore[attr-defined]
        return schedule

    return decorate(fn) if fn is not None else decorate


def run(fn: Any, *args: Any, capture_response: bool = False, **kwargs: Any) -> TaskHandle | None:
    """Run the module-level function ``fn(*args, **kwargs)`` as a task, undecorated.

    A function decorated with ``@task`` is run through its original, so the result is
    the same either way.
    """
    from lw.tasks.dispatch import dispatch

    function = getattr(fn, "sync", fn) if getattr(fn, "lw_task", None) else fn
    if not callable(function):
        raise TypeError(f"lw.tasks.run needs a function, got {type(fn).__name__}")
    return dispatch(task_path(function), function, args, kwargs, capture=capture_response)


def result(handle: str, wait: float = 0.0) -> Any:
    """The value a ``capture_response`` task returned.

    Waits up to ``wait`` seconds for it; raises :class:`TaskPending` if the task has not
    finished by then (or is unknown: results expire) and :class:`TaskFailed` if it
    raised. ``handle`` is the :class:`TaskHandle` or its string (a handle is a string so
    that it can go into a URL or a JSON answer and come back in another request).
    """
    from lw.tasks.results import wait_for

    return wait_for(str(handle), float(wait))
