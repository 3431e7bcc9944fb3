"""A complete, minimal third-party lw provider (the worked example of docs/plugins.md).

It "deploys" a stage into a folder: the artifact becomes ``<root>/<project>-<stage>/
releases/<sha256>.zip`` and ``current.json`` says which release serves and which events
are bound. Small as it is, it follows every rule a real provider follows: it declares
its settings and the core settings it honours, packages for its own target with its
own entry module (``entry.py``, written against the public ``lw.runtime.api``), plans
from what is "remote" (the folder) and writes only inside ``Change.apply``, so
``--dry-run`` and no-op redeploys come for free. ``lw invoke`` runs the serving release
for real. It passes the provider contract (``lw.testing.contract``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
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
    PackageTarget,
    ProviderError,
    ProviderInfo,
    SettingSpec,
    Status,
    artifact_path,
    entry_file,
    hookimpl,
    honoured_settings,
    package_files,
    write_zip,
)

NAME = "dirdeploy"
ENTRY = "dirdeploy_entry.py"


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
            # It runs the app with this machine's Python, on request: no pings, no tags,
            # no memory or time limits, whatever the architecture.
            honours=honoured_settings(
                without=("keep_warm", "keep_warm_expression", "tags", "memory_size", "timeout_seconds", "architecture")
            ),
            # Pure-Python dependencies, kept apart from the app in site-packages/.
            package_target=PackageTarget(pure_python=True, dependency_folder="site-packages"),
        )
    ]


@hookimpl
def lw_package(ctx: Context, build: Build) -> Artifact:
    # Its own entry module, on the public runtime API (see entry.py).
    module = entry_file(ENTRY, resources.files(__package__).joinpath("entry.py").read_bytes())
    return write_zip(build, package_files(ctx, module), artifact_path(ctx, NAME), entry_point=ENTRY)


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
    """Run the serving release's entry module once, in a fresh Python, as the platform would."""
    current = _manifest(ctx)
    if not current:
        raise ProviderError(f"{ctx.app.name}: not deployed (run lw deploy --provider {NAME})")
    release = _stage_dir(ctx) / "releases" / f"{current['sha256']}.zip"
    with tempfile.TemporaryDirectory(prefix="dirdeploy-") as scratch:
        with zipfile.ZipFile(release) as archive:
            archive.extractall(scratch)
        ran = subprocess.run(
            [sys.executable, "-I", str(Path(scratch) / ENTRY)],
            input=json.dumps(request.to_command()),
            capture_output=True,
            text=True,
            timeout=120,
        )
    if ran.returncode != 0:
        return InvokeResult(result=None, logs=ran.stderr, error=f"the function exited {ran.returncode}")
    return InvokeResult(result=json.loads(ran.stdout.strip().splitlines()[-1]), logs=ran.stderr)
