"""Building blocks for AWS provider tests that drive the hooks without the CLI."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from lw.core.artifact import Artifact
from lw.core.context import Context, Reporter
from lw.core.model import AppModel
from lw.core.plan import Plan, apply_plan
from lw.providers.aws import plugin

MODEL_FIELDS = {
    "memory_size",
    "timeout_seconds",
    "runtime",
    "architecture",
    "keep_warm",
    "binary_support",
    "environment_variables",
    "events",
}


def make_app(project_dir: Path, *, project: str = "demo", stage: str = "dev", **settings: Any) -> AppModel:
    fields = {k: settings.pop(k) for k in list(settings) if k in MODEL_FIELDS}
    fields.setdefault("keep_warm", False)
    return AppModel(
        project_name=project,
        stage=stage,
        provider="aws",
        project_dir=project_dir,
        config_file=project_dir / "lw.yml",
        app_function="app.app",
        settings=settings,
        **fields,
    )


def make_context(app: AppModel, **options: Any) -> Context:
    return Context(app=app, reporter=Reporter(json_mode=True), options=options)


def make_artifact(directory: Path, body: str = "print('v1')\n", *, size_padding: int = 0) -> Artifact:
    """A deterministic zip standing in for a real package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("lw_handler.py", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, body)
        if size_padding:
            pad = zipfile.ZipInfo("padding.bin", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(pad, b"\0" * size_padding, compress_type=zipfile.ZIP_STORED)
    data = buffer.getvalue()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"pkg-{hashlib.sha256(data).hexdigest()[:8]}.zip"
    path.write_bytes(data)
    return Artifact(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        unpacked_size=len(body),
        file_count=1,
        handler="lw_handler.handler",
    )


def plan_deploy(ctx: Context, artifact: Artifact) -> Plan:
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=artifact))
    plan.extend(plugin.lw_route(ctx=ctx))
    plan.extend(plugin.lw_event(ctx=ctx))
    return plan


def deploy(ctx: Context, artifact: Artifact) -> tuple[Plan, dict[str, Any]]:
    plan = plan_deploy(ctx, artifact)
    return plan, apply_plan(plan)


def undeploy(ctx: Context, keep_logs: bool = False) -> tuple[Plan, dict[str, Any]]:
    plan = Plan(changes=list(plugin.lw_undeploy(ctx=ctx, keep_logs=keep_logs)))
    return plan, apply_plan(plan)
