"""Planning a local deployment: read what runs, return Changes that start or swap it.

The local "remote" is the supervisor named by ``state.json``; these functions only
read it (state file, admin health) and put every write (unpacking, starting the
process, swapping the package, stopping) inside the returned changes' ``apply``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.errors import ProviderError, UsageError
from lw.core.model import AppModel
from lw.core.plan import Change, Outputs
from lw.providers.local import client, gateway, image, isolation, readonly
from lw.providers.local.client import Running
from lw.providers.local.layout import Layout, layout_for
from lw.providers.local.settings import local_setting

RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
WEB_MARK = "local runtime"


def layout(ctx: Context) -> Layout:
    return layout_for(ctx.project_dir, ctx.app.name)


def requested_port(ctx: Context) -> int:
    """``--port`` or ``local: port``; a port no socket can have is a usage error."""
    given = ctx.option("port")
    port = given if given is not None else local_setting(ctx.app, "port")
    if port is None:
        return 0
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        where = "--port" if given is not None else f"{ctx.app.config_file.name}: stage '{ctx.app.stage}': local.port"
        raise UsageError(f"{where}: {port!r} is not a port number (0-65535, 0 for any free port)")
    return port


def payload_format(app: AppModel) -> gateway.PayloadFormat:
    """The events the local front door sends: those of the stage's AWS front door."""
    return gateway.payload_format_for(
        app.setting("apigateway", "rest"),
        app.setting("function_url"),
        local_setting(app, "front_door"),
        app.settings.get("alb"),
    )


def build_spec(ctx: Context, artifact: Artifact) -> dict[str, Any]:
    """What the supervisor needs to serve ``artifact``; ``spec_hash`` covers everything
    but the package itself, so an unchanged redeploy is recognised as a no-op."""
    app = ctx.app
    serves_http = bool(app.app_function or app.django_settings)
    spec: dict[str, Any] = {
        "handler": artifact.handler,
        "function_name": app.name,
        "memory_size": app.memory_size,
        "timeout_seconds": app.timeout_seconds,
        "init_timeout_seconds": int(local_setting(app, "init_timeout_seconds")),
        "region": str(ctx.option("region") or app.setting("aws_region") or "us-east-1"),
        "python_version": RUNNING_PYTHON,
        "concurrency": int(local_setting(app, "concurrency")),
        "payload_format": payload_format(app),
        "stage": app.stage,
        "health_path": str(local_setting(app, "health_check_path")) if serves_http else None,
        "client_timeout_seconds": float(local_setting(app, "client_timeout_seconds")),
        "serves_http": serves_http,
    }
    spec["spec_hash"] = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    spec["package_sha256"] = artifact.sha256
    folder = layout(ctx).package_dir(artifact.sha256)
    # An image is unpacked as a root folder; its /var/task is the task root.
    spec["package_dir"] = str(image.task_root(folder) if artifact.image is not None else folder)
    return spec


def schedules(ctx: Context) -> list[dict[str, Any]]:
    """The stage's schedules the local runtime fires (keep-warm pings are pointless here)."""
    found = []
    for binding in ctx.app.events_for():
        if binding.kind != "schedule" or not binding.enabled:
            continue
        for expression in binding.expressions:
            found.append(
                {
                    "name": binding.name,
                    "expression": expression,
                    "function": binding.function,
                    "rule_name": f"{ctx.app.name}-{binding.name}",
                }
            )
    return found


# ------------------------------------------------------------------ deploy


def plan_deploy(ctx: Context, artifact: Artifact) -> list[Change]:
    where = layout(ctx)
    running = client.find_running(where)
    spec = build_spec(ctx, artifact)
    resource = f"{WEB_MARK} {ctx.app.name}"
    port = requested_port(ctx)
    if running is None:
        at = f"127.0.0.1:{port}" if port else "a free port on 127.0.0.1"
        return [
            Change(
                "create",
                resource,
                f"start {spec['concurrency']} worker(s) on package {artifact.sha256[:12]} at {at}",
                apply=lambda out: _create(ctx, artifact, spec, out),
                step="start",
            )
        ]
    if port and port != int(running.state["port"]):
        return [
            Change(
                "update",
                resource,
                f"port {running.state['port']} -> {port}: restart",
                apply=lambda out: _restart(ctx, artifact, spec, running, out),
                step="restart",
            )
        ]
    same_package = running.state.get("package_sha256") == artifact.sha256
    same_spec = running.state.get("spec_hash") == spec["spec_hash"]
    if same_package and same_spec:
        return [Change("noop", resource, f"package {artifact.sha256[:12]} already serving at {running.url}")]
    what = (
        f"package {str(running.state.get('package_sha256'))[:12]} -> {artifact.sha256[:12]}"
        if not same_package
        else "runtime settings changed"
    )
    return [
        Change(
            "update",
            resource,
            f"{what}: new workers, old ones drain",
            apply=lambda out: _swap(ctx, artifact, spec, running, out),
            step="swap",
        )
    ]


def _prepare(ctx: Context, artifact: Artifact, spec: dict[str, Any]) -> None:
    where = layout(ctx)
    target = where.package_dir(artifact.sha256)
    if not target.exists():
        partial = target.with_name(target.name + ".partial")
        readonly.remove(partial)
        if artifact.image is not None:
            image.unpack_into(ctx, artifact, partial)
        else:
            _unpack(artifact.path, partial)
        partial.rename(target)
        readonly.protect(target)  # as Lambda's /var/task: see readonly.py
    if readonly.mechanism() == readonly.AUDIT_HOOK_ONLY:
        ctx.reporter.warn(
            "running as root without a usable `unshare`: only Python-level writes next to the code are "
            "refused locally, not those of subprocesses or C code (see docs/local.md, 'Read-only package folder')"
        )
    missing = isolation.build_runtime_dir(where.runtime_dir)
    if "awslambdaric" in missing:
        raise ProviderError("the local provider needs awslambdaric: pip install awslambdaric")


def _unpack(archive_path: Path, target: Path) -> None:
    """Extract keeping the Unix modes stored in the zip (zipfile drops them), since
    Lambda keeps them too: an executable shipped in the package must stay executable."""
    with zipfile.ZipFile(archive_path) as archive:
        for member in archive.infolist():
            extracted = Path(archive.extract(member, target))
            mode = (member.external_attr >> 16) & 0o777
            if mode and not member.is_dir():
                extracted.chmod(mode)


def _deploy_to(ctx: Context, state: dict[str, Any], spec: dict[str, Any], out: Outputs) -> None:
    wait = spec["init_timeout_seconds"] * 2 + spec["timeout_seconds"] + 10
    answer = client.admin_call(state, "POST", "/deploy", spec, timeout=wait)
    if not answer.get("ok"):
        raise ProviderError(_failure_message(answer))
    if answer.get("warning"):
        ctx.reporter.warn(_failure_message(answer, prefix="the app is deployed but its"))
    if spec["serves_http"]:
        out["urls"] = [state["url"]]
    out["local"] = {"pid": state["pid"], "url": state["url"], "package_sha256": spec["package_sha256"]}


def _create(ctx: Context, artifact: Artifact, spec: dict[str, Any], out: Outputs) -> None:
    """Start the supervisor and serve the package; a first deploy that fails or is
    interrupted (Ctrl-C while the workers start) leaves nothing running behind it,
    since the supervisor runs in its own session and would otherwise carry on alone."""
    where = layout(ctx)
    _prepare(ctx, artifact, spec)
    state: dict[str, Any] | None = None
    try:
        state = client.start_supervisor(where, host="127.0.0.1", port=requested_port(ctx))
        _deploy_to(ctx, state, spec, out)
    except BaseException:
        with client.sigint_deferred():  # a second Ctrl-C must not stop the clean-up half way
            if state is not None:
                client.stop_supervisor(state)
            readonly.remove(where.packages_dir)
        raise


def _swap(ctx: Context, artifact: Artifact, spec: dict[str, Any], running: Running, out: Outputs) -> None:
    _prepare(ctx, artifact, spec)
    try:
        _deploy_to(ctx, running.state, spec, out)
    except ProviderError:
        if spec["package_dir"] != running.state.get("package_dir"):
            # The whole folder _prepare unpacked (for an image, package_dir is the
            # /var/task inside it): a leftover would be reused by the next deploy.
            readonly.remove(layout(ctx).package_dir(artifact.sha256))
        raise


def _restart(ctx: Context, artifact: Artifact, spec: dict[str, Any], running: Running, out: Outputs) -> None:
    client.stop_supervisor(running.state)
    _create(ctx, artifact, spec, out)


def _failure_message(answer: dict[str, Any], prefix: str = "the app failed to start in the local runtime:") -> str:
    """The one-line cause, then the worker output that explains it (the traceback)."""
    lines = [str(line) for line in answer.get("output") or []]
    start = max(
        (i for i, line in enumerate(lines) if line.startswith("Traceback") or "Traceback (most recent" in line),
        default=max(0, len(lines) - 20),
    )
    detail = "\n".join(lines[start:]).strip()
    message = f"{prefix} {answer.get('error') or answer.get('warning')}"
    return f"{message}\n{detail}" if detail else message


# ------------------------------------------------------------------ route and events


def plan_route(ctx: Context) -> list[Change]:
    running = client.find_running(layout(ctx))
    wanted = payload_format(ctx.app)
    label = {
        "v1": "REST API (v1 events)",
        "v2": "HTTP API (v2 events)",
        "url": "Function URL events",
        "alb": "ALB target group events",
        "alb-multi": "ALB target group events, multi-value headers",
    }[wanted]
    resource = f"local front door {ctx.app.name}"
    if not (ctx.app.app_function or ctx.app.django_settings):
        return []

    def publish(out: Outputs) -> None:
        state = layout(ctx).read_state() or {}
        if state.get("url"):
            out["urls"] = [state["url"]]

    if running is None:
        return [Change("create", resource, f"{label} on 127.0.0.1", apply=publish, step="route")]
    current = running.state.get("payload_format")
    if current not in (None, wanted):
        return [Change("update", resource, f"{label} at {running.url}", apply=publish, step="route")]
    # The URL rides on the no-op change, so that an unchanged redeploy still prints it.
    return [Change("noop", resource, f"{label} at {running.url}", outputs={"urls": [running.url]})]


def plan_events(ctx: Context) -> list[Change]:
    where = layout(ctx)
    running = client.find_running(where)
    current = {(s["name"], s["expression"]) for s in (running.health.get("schedules") if running else []) or []}
    wanted = schedules(ctx)
    wanted_keys = {(s["name"], s["expression"]) for s in wanted}

    def push(out: Outputs) -> None:
        state = where.read_state()
        if state:
            client.admin_call(state, "POST", "/schedules", wanted)

    changes: list[Change] = []
    pushed = False
    for item in wanted:
        key = (item["name"], item["expression"])
        if key in current:
            changes.append(Change("noop", f"local schedule {item['name']}", f"{item['expression']} (unchanged)"))
            continue
        changes.append(
            Change(
                "create",
                f"local schedule {item['name']}",
                f"{item['expression']} -> {item['function']}",
                apply=None if pushed else push,
                step="schedule",
            )
        )
        pushed = True
    for name, expression in sorted(current - wanted_keys):
        changes.append(
            Change(
                "delete",
                f"local schedule {name}",
                f"{expression} no longer configured",
                apply=None if pushed else push,
                step="schedule",
            )
        )
        pushed = True
    for binding in ctx.app.events_for():
        if binding.kind in ("schedule", "keep_warm"):
            continue
        changes.append(
            Change(
                "noop",
                f"local {binding.kind} event {binding.name}",
                f"not fired locally; try: lw invoke --event {binding.kind}"
                if binding.kind in ("s3", "sqs", "sns", "dynamodb", "kinesis")
                else "OpenWhisk-only event, not served locally",
            )
        )
    return changes


# ------------------------------------------------------------------ undeploy


def plan_undeploy(ctx: Context) -> list[Change]:
    where = layout(ctx)
    running = client.find_running(where)
    images = image.plan_image_undeploy(ctx)
    if running is None and not where.root.exists():
        return images
    reason = f"stop pid {running.pid} at {running.url} and remove {where.root}" if running else f"remove {where.root}"

    def remove(out: Outputs) -> None:
        state = where.read_state()
        if running is not None:
            client.stop_supervisor(running.state)
        elif state and client.is_supervisor_of(int(state.get("pid") or 0), where):
            client.stop_supervisor(state, grace_seconds=1.0)
        readonly.remove(where.root)

    return [Change("delete", f"{WEB_MARK} {ctx.app.name}", reason, apply=remove, step="stop"), *images]
