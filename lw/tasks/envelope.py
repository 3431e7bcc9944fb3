"""The task envelope: what one invocation sends another, checked at the call.

``{"lw_task": {"function": "pkg.mod.fn", "args": [...], "kwargs": {...}, "id": "...",
"capture": true}}``. The receiving shim runs it only if ``function`` names a plain
function of the project's own modules (``lw.runtime.tasks``), so a forged envelope can
do no more than a real one.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ENVELOPE_KEY = "lw_task"

# What each platform accepts for one asynchronous invocation's payload, in bytes.
PAYLOAD_LIMITS = {
    "lambda": 1024 * 1024,  # Lambda's asynchronous Invoke (InvocationType=Event): 1 MB since October 2025
    "sns": 256 * 1024,  # an SNS message
    "local": 1024 * 1024,  # the local provider plays Lambda
    "openwhisk": 1024 * 1024,  # the controller's default limit on action parameters
}


class TaskTooLarge(ValueError):
    """The task's arguments exceed what the platform takes in one asynchronous invocation."""


def task_path(function: Any) -> str:
    """``pkg.mod.fn`` for a module-level function; anything else is a ``TypeError``,
    because the other invocation finds the function again by this name."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(f"a task must be a module-level function, got {type(function).__name__}")
    if "." in qualname or "<" in qualname:
        raise TypeError(
            f"{module}.{qualname} cannot be a task: only a module-level function can be found "
            "again by another invocation (no methods, nested functions or lambdas)"
        )
    return f"{module}.{qualname}"


_LEAVE = object()  # check_json's marker: the container below it on the stack is done


def check_json(value: Any, what: str) -> None:
    """Raise ``TypeError`` naming the offending part unless ``value`` is plain JSON.

    Stricter than ``json.dumps``: keys must be strings (an int key would come back as a
    string) and floats finite (NaN is not JSON), so what arrives is what was sent. A list
    or dict that contains itself is refused too (``json.dumps`` would; walking it would
    never end): the containers on the path being walked are tracked, each left again
    once its items are done, so the same list used twice is still fine.
    """
    stack: list[tuple[Any, Any]] = [(value, what)]
    open_containers: set[int] = set()
    while stack:
        item, where = stack.pop()
        if item is _LEAVE:
            open_containers.discard(where)
            continue
        if item is None or isinstance(item, (str, bool, int)):
            continue
        if isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise TypeError(f"{where} is {item!r}, which JSON cannot carry")
            continue
        if isinstance(item, (list, tuple, dict)):
            if id(item) in open_containers:
                raise TypeError(f"{where} refers to itself, which JSON cannot carry")
            open_containers.add(id(item))
            stack.append((_LEAVE, id(item)))
        if isinstance(item, (list, tuple)):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
            continue
        if isinstance(item, dict):
            for key, v in item.items():
                if not isinstance(key, str):
                    raise TypeError(f"{where} has the key {key!r}: task data must have string keys (JSON)")
                stack.append((v, f"{where}[{key!r}]"))
            continue
        raise TypeError(
            f"{where} is a {type(item).__name__}: task arguments and results must be JSON "
            "(None, bool, int, float, str, lists and dicts with string keys)"
        )


def make_envelope(path: str, args: Any, kwargs: Any, *, task_id: str, capture: bool) -> dict[str, Any]:
    """The envelope for one call, after checking that its data is JSON."""
    for index, arg in enumerate(args):
        check_json(arg, f"{path}: argument {index + 1}")
    for name, arg in kwargs.items():
        check_json(arg, f"{path}: argument {name}=")
    return {
        ENVELOPE_KEY: {"function": path, "args": list(args), "kwargs": dict(kwargs), "id": task_id, "capture": capture}
    }


def encode(envelope: dict[str, Any], backend: str) -> bytes:
    """The envelope as bytes, refused here when over the platform's limit."""
    import json

    body = json.dumps(envelope, separators=(",", ":"), allow_nan=False).encode()
    limit = PAYLOAD_LIMITS.get(backend)
    if limit is not None and len(body) > limit:
        name = envelope[ENVELOPE_KEY]["function"]
        raise TaskTooLarge(
            f"task {name}: its arguments take {len(body):,} bytes, over the {limit // 1024} KB "
            f"that {backend} accepts for one asynchronous invocation; store the data (S3, a database) "
            "and pass its key instead"
        )
    return body


def new_task_id() -> str:
    import uuid

    return uuid.uuid4().hex
