"""lw.tasks on OpenWhisk through the fake controller: a task is a non-blocking invoke of
the stage's ``events`` action made with the activation's own credentials, the deployed
zip runs it, and a captured result is read back from the activation record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk
from ow_helpers import deploy_app, make_app

import lw.tasks
import lw.tasks.results

JOBS = """
from lw.tasks import task


@task(capture_response=True)
def crunch(n):
    print("crunching", n)
    return {"double": n * 2}


@task(capture_response=True)
def explode():
    raise RuntimeError("boom")
"""


@pytest.fixture
def jobs(project: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeOpenWhisk) -> Iterator[Any]:
    """The project with a tasks module, and this process set up as the app action's
    container: the variables the invoker exports for an action with provide-api-key."""
    (project / "owjobs.py").write_text(JOBS)
    monkeypatch.syspath_prepend(str(project))
    for key, value in {
        "LW_TASKS_BACKEND": "openwhisk",
        "LW_TASKS_ACTION": "shop-dev/events",
        "__OW_API_HOST": fake.url,
        "__OW_API_KEY": GUEST_AUTH,
        "__OW_NAMESPACE": "guest",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(lw.tasks.results, "POLL_SECONDS", 0.01)
    import owjobs

    yield owjobs
    del sys.modules["owjobs"]


def _annotation(entity: dict[str, Any], key: str) -> Any:
    return next((a["value"] for a in entity["annotations"] if a["key"] == key), None)


def test_a_task_is_a_non_blocking_invoke_of_the_events_action(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path, jobs: Any
) -> None:
    deploy_app(make_app(project, fake), tmp_path)
    # The app action gets the key only because the app starts tasks.
    assert _annotation(fake.actions[("shop-dev", "app")], "provide-api-key") is True
    assert _annotation(fake.actions[("shop-dev", "events")], "provide-api-key") is False
    from lw.providers.openwhisk import plugin
    from ow_helpers import make_ctx

    status = plugin.lw_status(ctx=make_ctx(make_app(project, fake)))
    assert status.facts["tasks"] == "non-blocking invoke of shop-dev/events"

    fake.reset_log()
    handle = jobs.crunch(21)
    [invoke] = [r for r in fake.requests if r.method == "POST"]
    assert invoke.path == "/api/v1/namespaces/guest/actions/shop-dev/events"
    assert invoke.query["blocking"] == ["false"]
    assert invoke.body["lw_task"]["function"] == "owjobs.crunch" and invoke.body["lw_task"]["args"] == [21]
    assert invoke.status == 202
    # the handle is the activation: its result is the task's
    assert lw.tasks.result(handle, wait=5) == {"double": 42}

    failed = jobs.explode()
    with pytest.raises(lw.tasks.TaskFailed, match="boom"):
        lw.tasks.result(failed, wait=5)
    with pytest.raises(lw.tasks.TaskPending):
        lw.tasks.result("0" * 32)


def test_an_app_without_tasks_gets_no_api_key(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy_app(make_app(project, fake), tmp_path)
    assert _annotation(fake.actions[("shop-dev", "app")], "provide-api-key") is False


def test_a_wrong_key_is_a_clear_error_at_the_call(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path, jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_app(make_app(project, fake), tmp_path)
    monkeypatch.setenv("__OW_API_KEY", "nobody:wrong")
    with pytest.raises(RuntimeError, match="answered 401"):
        jobs.crunch(1)
