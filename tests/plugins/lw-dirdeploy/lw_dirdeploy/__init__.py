"""A complete, minimal third-party lw provider (the worked example of docs/plugins.md).

It "deploys" a stage into a folder: the artifact becomes ``<root>/<project>-<stage>/
releases/<sha256>.zip`` and ``current.json`` says which release serves and which events
are bound. Small as it is, it follows every rule a real provider follows: it declares
its settings, plans from what is "remote" (the folder) and writes only inside
``Change.apply``, so ``--dry-run`` and no-op redeploys come for free.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterable, Iterator

from lw.plugin import (
    Artifact,
    Build,
    Change,
    Context,
    InvokeRequest,
    InvokeResult,
    LogQuery,
    ProviderInfo,
    SettingSpec,
    Status,
    artifact_path,
    entry_module,
    hookimpl,
    package_files,
    write_zip,
)

NAME = "dirdeploy"


def _stage_dir(ctx: Context) -> Path:
    root = Path(ctx.app.provider_settings.get("root") or ctx.work_dir / "dirdeploy").expanduser()
    return root / ctx.app.name


def _manifest(ctx: Context) -> dict | None:
    path = _stage_dir(ctx) / "current.json"
    return json.loads(path.read_text()) if path.exists() else None


def _write_manifest(ctx: Context, **updates: object) -> None:
    current = _manifest(ctx) or {}
    current.update(updates)
    path = _stage_dir(ctx) / "current.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=1, sort_keys=True))


@hookimpl
def lw_providers() -> Iterable[ProviderInfo]:
    return [
        ProviderInfo(
            name=NAME,
            description="Example provider: deploys into a local folder",
            block_settings=(SettingSpec("root", (str,), None, "Folder that receives the releases."),),
        )
    ]


@hookimpl
def lw_package(ctx: Context, build: Build) -> Artifact:
    # Lambda-style entry point: lw's AWS runtime shim, built from the embedded settings.
    module = entry_module(
        "handler.py",
        runtime_module="aws",
        factory="handler_from_settings",
        attribute="handler",
        what="dirdeploy entry point",
    )
    return write_zip(build, package_files(ctx, module), artifact_path(ctx, NAME), handler="handler.handler")


@hookimpl
def lw_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    current = _manifest(ctx) or {}
    if current.get("sha256") == artifact.sha256:
        return [Change("noop", f"release {artifact.sha256[:12]}", "code unchanged")]
    release = _stage_dir(ctx) / "releases" / f"{artifact.sha256}.zip"

    def upload(outputs: dict) -> None:
        release.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifact.path, release)

    def switch(outputs: dict) -> None:
        history = [current["sha256"], *current.get("history", [])] if current.get("sha256") else []
        _write_manifest(ctx, sha256=artifact.sha256, history=history[:5])

    return [
        Change("create", f"release {artifact.sha256[:12]}", "new code", upload),
        Change("update" if current else "create", "current release", "serve the new code", switch, phase="release"),
    ]


@hookimpl
def lw_route(ctx: Context) -> list[Change]:
    url = (_stage_dir(ctx) / "current.json").as_uri()
    return [Change("noop", "route", url, outputs={"urls": [url]})]


@hookimpl
def lw_event(ctx: Context) -> list[Change]:
    wanted = sorted(e.name for e in ctx.app.events_for())
    if (_manifest(ctx) or {}).get("events", []) == wanted:
        return [Change("noop", "event bindings", "unchanged")]
    return [
        Change("update", "event bindings", f"bind {len(wanted)} events", lambda _: _write_manifest(ctx, events=wanted))
    ]


@hookimpl
def lw_undeploy(ctx: Context, keep_logs: bool) -> list[Change]:
    folder = _stage_dir(ctx)
    if not folder.exists():
        return []
    return [Change("delete", f"folder {folder}", "undeploy", lambda _: shutil.rmtree(folder))]


@hookimpl
def lw_status(ctx: Context) -> Status:
    current = _manifest(ctx)
    if not current:
        return Status(deployed=False)
    return Status(deployed=True, facts={"sha256": current["sha256"], "events": len(current.get("events", []))})


@hookimpl
def lw_logs(ctx: Context, query: LogQuery) -> Iterator[str]:
    return iter([f"{ctx.app.name}: releases kept {len((_manifest(ctx) or {}).get('history', []))}"])


@hookimpl
def lw_invoke(ctx: Context, request: InvokeRequest) -> InvokeResult:
    return InvokeResult(result={"would_send": request.to_command()})
