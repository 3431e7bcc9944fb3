"""Which backend a task started now goes to, and the AWS clients the backends share.

Its own module so that sending (``dispatch``) and reading results (``results``) both
use it without importing each other. Clients are built on the first task, never at
import: most invocations start no task and must not pay for boto3.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BACKEND_ENV = "LW_TASKS_BACKEND"
MODE_ENV = "LW_TASKS"
REMOTE_BACKENDS = ("lambda", "sns", "openwhisk", "local")
LOCAL_MODES = ("sync", "thread")

clients: dict[str, Any] = {}


def current_backend() -> str:
    """Where a task started now goes: a remote backend, ``sync`` or ``thread``."""
    backend = os.environ.get(BACKEND_ENV, "")
    if backend:
        if backend not in REMOTE_BACKENDS:
            raise RuntimeError(f"{BACKEND_ENV}={backend!r} is not one of {', '.join(REMOTE_BACKENDS)}")
        return backend
    mode = (os.environ.get(MODE_ENV) or "sync").lower()
    if mode not in LOCAL_MODES:
        raise RuntimeError(f"{MODE_ENV}={mode!r}: expected sync or thread")
    return mode


def client(service: str) -> Any:
    """The boto3 client for ``service``, made once per container."""
    made = clients.get(service)
    if made is None:
        import boto3  # part of the Lambda runtime; imported only when a task starts

        made = clients[service] = boto3.client(service)
    return made
