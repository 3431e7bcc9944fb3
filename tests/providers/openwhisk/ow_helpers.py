"""Helpers shared by the OpenWhisk provider tests (imported by module name)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.core.artifact import Artifact, Build
from lw.core.context import Context, Reporter
from lw.core.model import AppModel, EventBinding
from lw.core.plan import Plan, apply_plan

HERE = Path(__file__).parent
APP_SOURCE = HERE / "apps" / "wsgi_app.py"


def make_app(
    project: Path,
    fake: FakeOpenWhisk | None = None,
    *,
    events: tuple[EventBinding, ...] = (),
    keep_warm: bool = False,
    block: dict[str, Any] | None = None,
    **fields: Any,
) -> AppModel:
    settings: dict[str, Any] = {"openwhisk": dict(block or {})}
    if fake is not None:
        settings["openwhisk"].setdefault("apihost", fake.url)
        settings["openwhisk"].setdefault("auth", GUEST_AUTH)
    values: dict[str, Any] = {
        "project_name": "shop",
        "stage": "dev",
        "provider": "openwhisk",
        "project_dir": project,
        "config_file": project / "lw.yml",
        "app_function": "wsgi_app.app",
        "events": events,
        "keep_warm": keep_warm,
        "settings": settings,
        "memory_size": 256,
        "timeout_seconds": 30,
    }
    values.update(fields)
    return AppModel(**values)


def make_ctx(app: AppModel) -> Context:
    return Context(app=app, reporter=Reporter(stream=sys.stderr))


def build_artifact(ctx: Context, tmp: Path) -> Artifact:
    """The provider's real ``lw_package`` over a build holding only the app sources."""
    from lw.providers.openwhisk import plugin

    root = tmp / "build"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for source in ctx.app.project_dir.glob("*.py"):
        shutil.copy(source, root / source.name)
    build = Build(root=root, app_files=1, dependency_files=0)
    return plugin.lw_package(ctx=ctx, build=build)


def deploy_app(app: AppModel, tmp: Path) -> Plan:
    """Plan and apply what ``lw deploy`` would for ``app`` (package, actions, events)."""
    from lw.providers.openwhisk import plugin

    ctx = make_ctx(app)
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=build_artifact(ctx, tmp)))
    plan.extend(plugin.lw_event(ctx=ctx))
    apply_plan(plan)
    return plan


def schedule(name: str, expression: str, function: str = "wsgi_app.on_event", **kw: Any) -> EventBinding:
    return EventBinding(name=name, function=function, kind="schedule", expressions=(expression,), **kw)
