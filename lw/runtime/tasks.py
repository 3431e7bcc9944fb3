"""Run a task envelope that another invocation of this deployment sent (``lw.tasks``).

The envelope names the function by its dotted path, so it passes the same gate as a
remote command (``commands.project_function``): only a plain function of the project's
own modules runs, never a dependency's, lw's, the standard library's or a bound method.
A refused or malformed envelope is answered with ``{"error": ...}`` and never raised:
retrying it cannot help. A task that raises does raise (after its failure is kept for a
captured result), so that Lambda's two retries and failure destination apply.
"""

from __future__ import annotations

import os

from lw.runtime.logs import log, log_exception

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping

ENVELOPE_KEY = "lw_task"
BACKEND_ENV = "LW_TASKS_BACKEND"


class TaskRaised(Exception):
    """The task function raised; the original is the ``__cause__``."""


def configure(settings: Mapping[str, Any]) -> None:
    """Tell ``lw.tasks`` where this deployment sends its tasks (environment variables, read
    at each task call), from the embedded settings. Done once at cold start."""
    provider = str(settings.get("provider") or "")
    project, stage = settings.get("project_name") or "", settings.get("stage") or ""
    tasks = settings.get("tasks") or {}
    environ = os.environ
    if provider == "openwhisk":
        environ[BACKEND_ENV] = "openwhisk"
        environ["LW_TASKS_ACTION"] = f"{project}-{stage}/events"
        return
    if provider == "local":
        environ[BACKEND_ENV] = "local"
        return
    if provider != "aws" and not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return  # a provider lw does not know: tasks run in the caller (lw.tasks' default)
    source = str(tasks.get("source") or "lambda")
    environ[BACKEND_ENV] = "sns" if source == "sns" else "lambda"
    environ["LW_TASKS_QUALIFIER"] = "live"
    if source == "sns":
        environ["LW_TASKS_TOPIC"] = f"{project}-{stage}-tasks"
    if tasks.get("table"):
        environ["LW_TASKS_TABLE"] = str(tasks["table"])


def sns_envelope(event: Mapping[str, Any], topic_suffix: str) -> dict[str, Any] | None:
    """The envelope an SNS record from the stage's task topic carries, else ``None``."""
    records = event.get("Records")
    if not topic_suffix or not isinstance(records, list) or len(records) != 1:
        return None
    record = records[0]
    if not isinstance(record, dict) or record.get("EventSource") != "aws:sns":
        return None
    sns = record.get("Sns") or {}
    if not isinstance(sns, dict) or not str(sns.get("TopicArn") or "").endswith(":" + topic_suffix):
        return None
    import json

    message = sns.get("Message")
    if not isinstance(message, str):  # SNS always delivers text: anything else is forged
        return {ENVELOPE_KEY: None}
    try:
        document = json.loads(message)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than json can parse
        return {ENVELOPE_KEY: None}
    return document if isinstance(document, dict) and ENVELOPE_KEY in document else {ENVELOPE_KEY: None}


def run_task(
    envelope: Any, context: Any, *, project_root: str | None, report: Callable[..., None] | None = None
) -> dict[str, Any]:
    """Run one task; ``{"lw_task": id, "status": "complete", "result": ...}``, or
    ``{"error": ...}`` for an envelope refused before anything ran. Raises
    :class:`TaskRaised` when the task itself failed."""
    from lw.runtime.commands import Refused, default_project_root, project_function

    problem = _malformed(envelope)
    if problem:
        log("WARNING", f"refused a task envelope: {problem}")
        return {"error": f"malformed task: {problem}"}
    task_id, dotted = envelope["id"], envelope["function"]
    try:
        target = project_function(dotted, project_root or default_project_root())
    except Exception as exc:  # Refused, a bad path, or an import that failed: never retried
        kind = "refused" if isinstance(exc, Refused) else "cannot run"
        log("WARNING", f"{kind} task {task_id} for {dotted[:200]!r}: {type(exc).__name__}: {exc}")
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    # A function decorated with @task would schedule itself again: run its original.
    function = target.sync if getattr(target, "lw_task", None) and callable(getattr(target, "sync", None)) else target
    log("INFO", f"task {task_id} {dotted} started")
    try:
        value = function(*envelope["args"], **envelope["kwargs"])
        from lw.tasks.envelope import check_json

        check_json(value, f"the result of {dotted}")
    except Exception as exc:
        log_exception(f"task {task_id} {dotted} failed")
        if report is not None:
            report(exc, {ENVELOPE_KEY: envelope}, context)
        if envelope.get("capture"):
            from lw.tasks.results import failure_text

            _keep(task_id, {"status": "failed", "error": failure_text(exc)})
        raise TaskRaised(f"task {dotted} failed: {type(exc).__name__}: {exc}".splitlines()[0]) from exc
    if envelope.get("capture"):
        _keep(task_id, {"status": "complete", "result": value})
    log("INFO", f"task {task_id} {dotted} done")
    return {ENVELOPE_KEY: task_id, "status": "complete", "result": value}


def _keep(task_id: str, document: dict[str, Any]) -> None:
    """Store a captured result; a store that fails is logged, the task is not re-run."""
    from lw.tasks.results import store

    try:
        store(os.environ.get(BACKEND_ENV) or "sync", task_id, document)
    except Exception:
        log_exception(f"could not keep the result of task {task_id}")


def _malformed(envelope: Any) -> str | None:
    if not isinstance(envelope, dict):
        return f"expected an object, got {type(envelope).__name__}"
    task_id = envelope.get("id")
    if not isinstance(task_id, str) or not task_id.isalnum() or not 0 < len(task_id) <= 64:
        return "id must be 1-64 letters or digits"
    if not isinstance(envelope.get("function"), str):
        return "function must be a dotted path"
    if not isinstance(envelope.get("args", []), list) or not isinstance(envelope.get("kwargs", {}), dict):
        return "args must be a list and kwargs an object"
    if not all(isinstance(k, str) and k.isidentifier() for k in envelope.get("kwargs", {})):
        return "kwargs keys must be argument names"
    envelope.setdefault("args", [])
    envelope.setdefault("kwargs", {})
    return None
