"""Deploy, redeploy, dry run, rollback and undeploy against the fake controller."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openwhisk import FakeOpenWhisk
from ow_helpers import build_artifact, make_app, make_ctx

from lw.core.errors import ConfigError, LwError, PackagingError, ProviderError
from lw.core.plan import Plan, apply_plan
from lw.core.provider import RollbackTarget
from lw.providers.openwhisk import plugin


def plan_for(ctx, artifact) -> Plan:
    plan = Plan()
    plan.extend(plugin.lw_deploy(ctx=ctx, artifact=artifact))
    plan.extend(plugin.lw_route(ctx=ctx))
    plan.extend(plugin.lw_event(ctx=ctx))
    return plan


def deploy(ctx, tmp: Path):
    artifact = build_artifact(ctx, tmp)
    plan = plan_for(ctx, artifact)
    return plan, apply_plan(plan), artifact


def test_first_deploy_creates_package_and_both_actions(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    ctx = make_ctx(make_app(project, fake, environment_variables={"GREETING": "hi"}))
    plan, outputs, artifact = deploy(ctx, tmp_path)

    assert outputs["urls"] == [f"{fake.url}/api/v1/web/guest/shop-dev/app/"]
    assert "shop-dev" in fake.packages
    app = fake.actions[("shop-dev", "app")]
    ann = {a["key"]: a["value"] for a in app["annotations"]}
    assert (
        ann["web-export"] is True
        and ann["raw-http"] is True
        and ann["final"] is True
        and ann["web-custom-options"] is True
    )
    assert ann["lw:artifact"] == artifact.sha256
    assert app["exec"]["kind"] == "python:3.11" and app["exec"]["binary"] is True
    assert app["limits"]["memory"] == 256 and app["limits"]["timeout"] == 30000
    params = {p["key"]: p for p in app["parameters"]}
    assert params["GREETING"] == {"key": "GREETING", "value": "hi", "init": True}
    assert (
        params["lw_base_url"]["value"] == f"{fake.url}/api/v1/web/guest/shop-dev/app" and params["lw_base_url"]["init"]
    )
    events = fake.actions[("shop-dev", "events")]
    assert {a["key"]: a["value"] for a in events["annotations"]}["web-export"] is False
    # events runs app's code: one upload, and one write switches both (issue #19)
    assert events["exec"] == {"kind": "sequence", "components": ["/guest/shop-dev/app"]}
    assert fake.deployed_code("shop-dev", "app") == artifact.path.read_bytes()
    release = fake.actions[("shop-dev", f"app--{artifact.sha256[:12]}")]
    assert {a["key"]: a["value"] for a in release["annotations"]}["web-export"] is False
    # the app only goes live after everything it depends on; events needs app to exist
    puts = [r.path for r in fake.writes() if r.method == "PUT"]
    assert puts[-2:] == [
        "/api/v1/namespaces/guest/actions/shop-dev/app",
        "/api/v1/namespaces/guest/actions/shop-dev/events",
    ]


def test_unchanged_redeploy_reads_without_code_and_writes_nothing(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    app = make_app(project, fake, events=(), keep_warm=True)
    deploy(make_ctx(app), tmp_path)
    fake.reset_log()

    plan, outputs, _ = deploy(make_ctx(app), tmp_path)

    assert plan.is_noop, plan.render()
    assert fake.writes() == []
    action_reads = [r for r in fake.requests if "/actions/shop-dev/" in r.path]
    assert action_reads and all(r.query.get("code") == ["false"] for r in action_reads)


def test_dry_run_plan_writes_nothing(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    ctx = make_ctx(make_app(project, fake, keep_warm=True))
    plan = plan_for(ctx, build_artifact(ctx, tmp_path))
    text = plan.render()
    assert "create package shop-dev" in text and "create trigger shop-dev-keep-warm" in text
    assert fake.writes() == []


def test_config_change_updates_actions_but_keeps_code(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    deploy(make_ctx(make_app(project, fake)), tmp_path)
    fake.reset_log()
    plan, _, _ = deploy(make_ctx(make_app(project, fake, memory_size=512)), tmp_path)
    changed = [c.resource for c in plan.mutating]
    assert changed == ["action shop-dev/app"]  # events follows app
    assert fake.actions[("shop-dev", "app")]["limits"]["memory"] == 512
    assert all("exec" not in r.body for r in fake.writes())  # the zip is not uploaded again
    assert fake.deployed_code("shop-dev", "app")[:2] == b"PK"


def test_releases_are_kept_pruned_and_rolled_back(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    shas = []
    for version in range(4):
        (project / "version.py").write_text(f"VERSION = {version}\n")
        _, _, artifact = deploy(make_ctx(make_app(project, fake, block={"keep_releases": 2})), tmp_path)
        shas.append(artifact.sha256)
    releases = sorted(name for pkg, name in fake.actions if name.startswith("app--"))
    assert releases == sorted(f"app--{s[:12]}" for s in shas[-2:])

    ctx = make_ctx(make_app(project, fake))
    outputs = apply_plan(Plan(changes=plugin.lw_rollback(ctx=ctx, target=RollbackTarget(steps=1))))
    assert outputs["version"] == shas[2][:12]
    assert fake.deployed_code("shop-dev", "app") == fake.deployed_code("shop-dev", f"app--{shas[2][:12]}")
    ann = {a["key"]: a["value"] for a in fake.actions[("shop-dev", "app")]["annotations"]}
    assert ann["lw:artifact"] == shas[2] and ann["web-export"] is True and "lw:config" in ann
    with pytest.raises(LwError, match="only 0 older release"):
        plugin.lw_rollback(ctx=make_ctx(make_app(project, fake)), target=RollbackTarget(steps=1))
    # rolling forward by version works, and an unknown version lists the known ones
    apply_plan(
        Plan(
            changes=plugin.lw_rollback(
                ctx=make_ctx(make_app(project, fake)), target=RollbackTarget(version=shas[3][:8])
            )
        )
    )
    assert fake.deployed_code("shop-dev", "app") == fake.deployed_code("shop-dev", f"app--{shas[3][:12]}")
    with pytest.raises(LwError, match="stored releases"):
        plugin.lw_rollback(ctx=make_ctx(make_app(project, fake)), target=RollbackTarget(version="deadbeef"))


def test_missing_kind_lists_what_the_cluster_offers(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    ctx = make_ctx(make_app(project, fake, runtime="python3.12"))
    artifact = build_artifact(ctx, tmp_path)
    with pytest.raises(ProviderError, match=r"no python:3.12 runtime .* offers: python:3.10, python:3.11"):
        plugin.lw_deploy(ctx=ctx, artifact=artifact)
    assert fake.writes() == []


def test_memory_outside_the_cluster_range_is_refused_before_writing(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    ctx = make_ctx(make_app(project, fake, memory_size=2048))
    with pytest.raises(ConfigError, match=r"memory_size: 2048 MB is outside this cluster's range 128..512 MB"):
        plugin.lw_deploy(ctx=ctx, artifact=build_artifact(ctx, tmp_path))


def test_oversized_code_is_refused_before_upload_naming_dependencies(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    import dataclasses

    ctx = make_ctx(make_app(project, fake))
    artifact = dataclasses.replace(
        build_artifact(ctx, tmp_path),
        size=37 * 1024 * 1024,
        largest_dependencies=(("numpy", 30_000_000), ("scipy", 5_000_000)),
    )
    with pytest.raises(
        PackagingError, match=r"over OpenWhisk's 48 MB code limit; largest dependencies: numpy 28.6 MB, scipy 4.8 MB"
    ):
        plugin.lw_deploy(ctx=ctx, artifact=artifact)
    assert fake.writes() == []


def test_foreign_package_with_the_same_name_is_not_touched(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    fake.packages["shop-dev"] = {
        "namespace": "guest",
        "name": "shop-dev",
        "version": "0.0.1",
        "publish": False,
        "annotations": [],
        "parameters": [],
        "binding": {},
    }
    ctx = make_ctx(make_app(project, fake))
    with pytest.raises(ProviderError, match="was not created by lw"):
        plugin.lw_deploy(ctx=ctx, artifact=build_artifact(ctx, tmp_path))


def test_undeploy_removes_everything_and_is_safe_to_rerun(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    from ow_helpers import schedule

    from lw.core.model import EventBinding

    events = (
        schedule("nightly", "cron(0 3 * * ? *)"),
        EventBinding(name="orders", function="wsgi_app.on_event", kind="trigger", source="orders"),
    )
    app = make_app(project, fake, events=events, keep_warm=True)
    deploy(make_ctx(app), tmp_path)
    # a user's own trigger sharing the prefix is left alone
    fake.triggers["shop-dev-mine"] = {
        "namespace": "guest",
        "name": "shop-dev-mine",
        "version": "0.0.1",
        "publish": False,
        "annotations": [],
        "parameters": [],
    }
    assert len(fake.alarm_registrations) == 2
    fake.reset_log()

    changes = plugin.lw_undeploy(ctx=make_ctx(app), keep_logs=False)
    apply_plan(Plan(changes=changes))

    assert fake.packages == {} and fake.actions == {} and fake.rules == {}
    assert list(fake.triggers) == ["shop-dev-mine"]
    assert fake.alarm_registrations == {}
    order = [(r.method, r.path.split("/")[5]) for r in fake.writes()]
    kinds = [kind for _, kind in order if kind in ("rules", "triggers", "actions", "packages")]
    assert (
        kinds == sorted(kinds, key=["rules", "actions", "triggers", "packages"].index)
        or kinds.index("packages") == len(kinds) - 1
    )
    # (a feed trigger first loses its completion mark, so a stop between the DELETEs never leaves it looking done)
    first_trigger = next(i for i, r in enumerate(fake.writes()) if "/triggers/" in r.path and r.method == "DELETE")
    last_rule = max(i for i, r in enumerate(fake.writes()) if "/rules/" in r.path)
    feed_deletes = [
        i for i, r in enumerate(fake.writes()) if "alarms/" in r.path and r.body["lifecycleEvent"] == "DELETE"
    ]
    assert last_rule < min(feed_deletes) < first_trigger
    assert any(r.method == "POST" and "/rules/" in r.path and r.body == {"status": "inactive"} for r in fake.writes())

    fake.reset_log()
    assert plugin.lw_undeploy(ctx=make_ctx(app), keep_logs=False) == []
    assert fake.writes() == []


def test_interrupted_undeploy_finishes_on_rerun(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    app = make_app(project, fake, keep_warm=True)
    deploy(make_ctx(app), tmp_path)
    fake.inject("DELETE", r"/packages/shop-dev$", 503, "Service Unavailable", times=10)
    with pytest.raises(LwError, match="delete package of package shop-dev failed"):
        apply_plan(Plan(changes=plugin.lw_undeploy(ctx=make_ctx(app), keep_logs=False)))
    fake._injected.clear()
    apply_plan(Plan(changes=plugin.lw_undeploy(ctx=make_ctx(app), keep_logs=False)))
    assert fake.packages == {} and fake.triggers == {}


def test_status_shows_actions_triggers_rules_and_activations(
    fake: FakeOpenWhisk, project: Path, tmp_path: Path
) -> None:
    from ow_helpers import schedule

    app = make_app(project, fake, events=(schedule("tick", "rate(5 minutes)"),))
    _, _, artifact = deploy(make_ctx(app), tmp_path)
    fake.fire("shop-dev-tick", {})
    status = plugin.lw_status(ctx=make_ctx(app))
    assert status.deployed and status.facts["version"] == artifact.sha256[:12]
    assert status.facts["url"].endswith("/api/v1/web/guest/shop-dev/app/")
    assert {a["name"] for a in status.sections["actions"]} >= {"app", "events"}
    assert status.sections["triggers"] == [
        {"name": "shop-dev-tick", "feed": "/whisk.system/alarms/interval", "binding": "tick"}
    ]
    assert status.sections["rules"] == [{"name": "shop-dev-tick", "status": "active"}]
    assert status.sections["activations"][0]["status"] == "success"
    json.dumps(status.to_json())

    apply_plan(Plan(changes=plugin.lw_undeploy(ctx=make_ctx(app), keep_logs=False)))
    assert plugin.lw_status(ctx=make_ctx(app)).deployed is False


def test_package_layout_for_the_python_runtime(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    import zipfile

    (project / "requirements.txt").write_text("")
    (project / "exec").write_text("#!/bin/sh\n")
    ctx = make_ctx(make_app(project, fake))
    root = tmp_path / "build"
    root.mkdir()
    for name in ("wsgi_app.py", "requirements.txt", "exec"):
        (root / name).write_bytes((project / name).read_bytes())
    from lw.core.artifact import Build

    artifact = plugin.lw_package(ctx=ctx, build=Build(root=root, app_files=3, dependency_files=0))
    names = zipfile.ZipFile(artifact.path).namelist()
    assert "__main__.py" in names and "lw_settings.json" in names and "lw/runtime/openwhisk.py" in names
    assert "requirements.txt" not in names and "exec" not in names
    assert artifact.handler == "main"
    main_source = zipfile.ZipFile(artifact.path).read("__main__.py").decode()
    assert "main_from_settings" in main_source and "\nmain = " in main_source


def test_busy_controller_is_retried_during_deploy(fake: FakeOpenWhisk, project: Path, tmp_path: Path) -> None:
    fake.inject(
        "PUT",
        r"/actions/shop-dev/app$",
        429,
        "Too many requests in the last minute (count: 121, allowed: 120).",
        times=2,
        headers={"Retry-After": "0"},
    )
    deploy(make_ctx(make_app(project, fake)), tmp_path)
    assert ("shop-dev", "app") in fake.actions
    assert [r.status for r in fake.requests if r.method == "PUT" and r.path.endswith("/shop-dev/app")] == [
        429,
        429,
        200,
    ]
