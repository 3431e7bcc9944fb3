"""Whether an app uses ``lw.tasks`` is read from the files its package holds, no others.

Every provider asks ``app_uses_tasks`` (AWS grants the invoke or publish permission,
OpenWhisk the action's API key), so the files it reads must be the package's: the
stage's ``exclude`` removes a module, ``include`` adds one the secret rules would skip.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lw.core.task_sources import app_uses_tasks


def _app(project: Path, **settings: Any) -> Any:
    return SimpleNamespace(project_dir=project, settings=settings)


def _project(tmp_path: Path, tasks_module: str) -> Path:
    (tmp_path / "app.py").write_text("def app(environ, start_response):\n    return []\n")
    module = tmp_path / tasks_module
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text("from lw.tasks import task\n\n\n@task\ndef crunch(n):\n    return n\n")
    return tmp_path


def test_a_module_that_imports_lw_tasks_is_found(tmp_path: Path) -> None:
    assert app_uses_tasks(_app(_project(tmp_path, "jobs.py")))


def test_an_excluded_module_is_not_read(tmp_path: Path) -> None:
    assert not app_uses_tasks(_app(_project(tmp_path, "jobs.py"), exclude=["jobs.py"]))


def test_an_included_module_is_read(tmp_path: Path) -> None:
    # A folder the secret rules skip (.config/gcloud/) ships only when the stage includes it.
    project = _project(tmp_path, ".config/gcloud/jobs.py")
    assert not app_uses_tasks(_app(project))
    assert app_uses_tasks(_app(project, include=[".config/gcloud/"]))
