"""What a caller holds after starting a task, and how a result read can fail."""

from __future__ import annotations


class TaskHandle(str):
    """The task's id: a string, so it can be returned to a client and read back later
    (``lw.tasks.result(request.args["task"])``) in another request or invocation."""

    @property
    def id(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"TaskHandle({str(self)!r})"


class TaskPending(TimeoutError):
    """The task has not finished within the wait (or its id is unknown or expired)."""


class TaskFailed(RuntimeError):
    """The task raised; the message is the exception's ``Type: message``."""
