"""Send a task to where it runs: chosen at each call from the environment.

The deployed shim sets ``LW_TASKS_BACKEND`` (``lambda``, ``sns``, ``openwhisk`` or
``local``) and the names the backend needs; without it the app is not running under a
provider (``flask run``, pytest) and the task runs in the caller (``LW_TASKS=sync``,
the default, as Zappa does) or in a thread (``LW_TASKS=thread``).

Clients (boto3 on Lambda, where it is part of the runtime) are imported and built on the
first task, never at import: most invocations start no task and must not pay for them.
"""

from __future__ import annotations

import os

from lw.tasks import backend as shared
from lw.tasks.backend import BACKEND_ENV, current_backend
from lw.tasks.envelope import encode, make_envelope, new_task_id
from lw.tasks.handles import TaskHandle

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable


def dispatch(path: str, function: Callable[..., Any], args: Any, kwargs: Any, *, capture: bool) -> TaskHandle | None:
    """Schedule ``function(*args, **kwargs)``; the handle when its result is captured."""
    backend = current_backend()
    task_id = new_task_id()
    envelope = make_envelope(path, args, kwargs, task_id=task_id, capture=capture)
    handle = TaskHandle(task_id) if capture else None
    if backend == "sync":
        from lw.tasks.results import run_here

        run_here(function, args, kwargs, task_id if capture else None, raise_errors=not capture)
        return handle
    if backend == "thread":
        import threading

        from lw.tasks.results import run_here

        threading.Thread(
            target=run_here,
            args=(function, args, kwargs, task_id if capture else None),
            kwargs={"raise_errors": False},
            name=f"lw-task-{path}",
            daemon=True,
        ).start()
        return handle
    if path.startswith("__main__."):
        raise TypeError(
            f"{path}: a task must live in an importable module of the app, not in the script run as __main__"
        )
    if capture:
        from lw.tasks.results import check_capture

        check_capture(backend)
    body = encode(envelope, backend)
    started = SENDERS[backend](body)
    if backend == "openwhisk" and capture:
        # The activation holds the result: its id is the handle.
        return TaskHandle(started)
    return handle


def _send_lambda(body: bytes) -> str:
    """An asynchronous Invoke of this function's own alias: Lambda queues the event and
    answers 202 at once, retrying twice if the task fails."""
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if not function:
        raise RuntimeError(f"{BACKEND_ENV}=lambda but AWS_LAMBDA_FUNCTION_NAME is not set (not running on Lambda)")
    answer = shared.client("lambda").invoke(
        FunctionName=function,
        Qualifier=os.environ.get("LW_TASKS_QUALIFIER") or "live",
        InvocationType="Event",
        Payload=body,
    )
    status = answer.get("StatusCode")
    if status != 202:
        raise RuntimeError(f"Lambda did not queue the task (status {status})")
    return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))


def topic_arn() -> str:
    """The stage's task topic: its name in this account and region."""
    name = os.environ.get("LW_TASKS_TOPIC")
    if not name:
        raise RuntimeError(f"{BACKEND_ENV}=sns but LW_TASKS_TOPIC is not set")
    account = shared.clients.get("account")
    if account is None:
        # Lambda tells a function its region but not its account; STS answers any
        # principal without a permission.
        account = shared.clients["account"] = shared.client("sts").get_caller_identity()["Account"]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return f"arn:{partition}:sns:{region}:{account}:{name}"


def _send_sns(body: bytes) -> str:
    answer = shared.client("sns").publish(TopicArn=topic_arn(), Message=body.decode())
    return str(answer.get("MessageId", ""))


def _send_local(body: bytes) -> str:
    """The local provider's asynchronous invoke, asked through this worker's Runtime API."""
    from lw.tasks.results import local_call

    return str(local_call("POST", "tasks", body).get("request_id", ""))


def _send_openwhisk(body: bytes) -> str:
    """A non-blocking invoke of the stage's ``events`` action with the credentials the
    platform gives every activation; the controller answers 202 with the activation id."""
    from lw.tasks.results import openwhisk_call

    action = os.environ.get("LW_TASKS_ACTION")
    if not action:
        raise RuntimeError(f"{BACKEND_ENV}=openwhisk but LW_TASKS_ACTION is not set")
    package, _, name = action.rpartition("/")
    path = f"actions/{package}/{name}" if package else f"actions/{name}"
    answer = openwhisk_call("POST", path + "?blocking=false", body)
    activation = answer.get("activationId")
    if not isinstance(activation, str) or not activation:
        raise RuntimeError(f"the OpenWhisk controller did not start the task: {answer!r}"[:300])
    return activation


SENDERS: dict[str, Callable[[bytes], str]] = {
    "lambda": _send_lambda,
    "sns": _send_sns,
    "local": _send_local,
    "openwhisk": _send_openwhisk,
}
