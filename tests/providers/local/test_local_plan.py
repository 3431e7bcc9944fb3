"""Planning reads only: what deploy/undeploy would do, without starting anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lw.core.artifact import Artifact
from lw.core.context import Context
from lw.core.errors import ConfigError
from lw.core.model import AppModel, EventBinding
from lw.core.workflow import open_stage
from lw.providers.local import deployer, isolation
from lw.providers.local.layout import layout_for, write_json

NIGHTLY = EventBinding(name="nightly", function="jobs.clean", kind="schedule", expressions=("cron(0 3 * * ? *)",))
UPLOADS = EventBinding(name="thumbs", function="jobs.thumb", kind="s3", source="arn:aws:s3:::upload-bucket")
OFF = EventBinding(name="off", function="jobs.off", kind="schedule", expressions=("rate(1 hour)",), enabled=False)


def context(tmp_path: Path, **settings: object) -> Context:
    app = AppModel(
        project_name="demo",
        stage="dev",
        provider="local",
        project_dir=tmp_path,
        config_file=tmp_path / "lw.yml",
        app_function="app.app",
        events=(NIGHTLY, UPLOADS, OFF),
        settings=settings,
    )
    return Context(app=app)


ARTIFACT = Artifact(
    path=Path("demo.zip"), sha256="ab" * 32, size=1, unpacked_size=1, file_count=1, handler="lw_handler.handler"
)


def test_first_deploy_plans_a_start_and_writes_nothing(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    changes = deployer.plan_deploy(ctx, ARTIFACT) + deployer.plan_route(ctx) + deployer.plan_events(ctx)
    summary = [(c.action, c.resource) for c in changes]
    assert ("create", "local runtime demo-dev") in summary
    assert ("create", "local front door demo-dev") in summary
    assert ("create", "local schedule nightly") in summary
    assert ("noop", "local s3 event thumbs") in summary
    assert not any("off" in resource for _action, resource in summary)  # disabled: not scheduled
    assert not (tmp_path / ".lw").exists()


def test_a_stale_state_file_is_not_a_running_deployment(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    layout = layout_for(tmp_path, "demo-dev")
    write_json(layout.state_file, {"pid": 2**22 + 7, "admin_port": 1, "port": 1, "url": "http://127.0.0.1:1"})
    [change] = deployer.plan_deploy(ctx, ARTIFACT)
    assert change.action == "create"
    [removal] = deployer.plan_undeploy(ctx)
    assert removal.action == "delete" and "remove" in removal.reason
    removal.apply({})
    assert not layout.root.exists()


def test_nothing_deployed_means_nothing_to_undeploy(tmp_path: Path) -> None:
    assert deployer.plan_undeploy(context(tmp_path)) == []


def test_spec_hash_ignores_the_package_but_not_the_settings(tmp_path: Path) -> None:
    other = Artifact(**{**ARTIFACT.__dict__, "sha256": "cd" * 32})
    base = deployer.build_spec(context(tmp_path), ARTIFACT)
    assert deployer.build_spec(context(tmp_path), other)["spec_hash"] == base["spec_hash"]
    changed = deployer.build_spec(context(tmp_path, apigateway="http"), ARTIFACT)
    assert changed["spec_hash"] != base["spec_hash"] and changed["payload_format"] == "v2"
    assert deployer.build_spec(context(tmp_path, local={"concurrency": 4}), ARTIFACT)["concurrency"] == 4


def test_port_comes_from_the_command_line_then_the_local_block(tmp_path: Path) -> None:
    ctx = context(tmp_path, local={"port": 8123})
    assert deployer.requested_port(ctx) == 8123
    assert deployer.requested_port(Context(app=ctx.app, options={"port": 9000})) == 9000


def test_failure_message_starts_at_the_traceback() -> None:
    answer = {
        "error": "health check GET / answered 500",
        "output": ["noise", "Traceback (most recent call last):", '  File "app.py"', "KeyError: 'X'"],
    }
    message = deployer._failure_message(answer)
    assert message.splitlines()[0] == "the app failed to start in the local runtime: health check GET / answered 500"
    assert "noise" not in message and message.endswith("KeyError: 'X'")


def test_worker_environment_is_built_not_inherited(tmp_path: Path) -> None:
    env = isolation.worker_environment(
        function_name="demo-dev",
        handler="lw_handler.handler",
        task_root=tmp_path,
        runtime_dir=tmp_path / "rt",
        runtime_api="127.0.0.1:1",
        memory_size=512,
        region="us-east-1",
        log_stream="s",
        python_version="3.11",
        source_env={"VIRTUAL_ENV": "/venv", "PYTHONPATH": "/venv/lib", "AWS_ACCESS_KEY_ID": "AKIA", "SECRET": "x"},
    )
    assert "VIRTUAL_ENV" not in env and "PYTHONPATH" not in env and "SECRET" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "AKIA"  # credentials pass through, like the function's role
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11" and env["LAMBDA_TASK_ROOT"] == str(tmp_path)


def test_runtime_dir_links_only_the_runtime_client_and_the_sdk(tmp_path: Path) -> None:
    target = tmp_path / "runtime"
    assert isolation.build_runtime_dir(target) == []
    names = {p.name for p in target.iterdir()}
    assert {"awslambdaric", "boto3", "botocore"} <= names
    assert not names & {"flask", "yaml", "click", "lw", "pluggy"}
    assert isolation.worker_command("h.handler")[1:3] == ["-I", "-S"]


def test_local_block_is_validated_by_the_config_loader(tmp_path: Path) -> None:
    config = tmp_path / "lw.yml"
    config.write_text("dev:\n  app_function: app.app\n  local:\n    concurency: 3\n")
    with pytest.raises(ConfigError) as caught:
        open_stage(config, stage=None, provider="local")
    assert "did you mean 'concurrency'" in str(caught.value)
    config.write_text("dev:\n  app_function: app.app\n  local:\n    concurrency: 3\n    port: 8111\n")
    session = open_stage(config, stage=None, provider="local")
    assert deployer.requested_port(session.ctx) == 8111
    assert json.loads(json.dumps(session.providers.get("local").info.provided_packages))[0] == "boto3"


def test_unpacking_keeps_executable_bits(tmp_path: Path) -> None:
    import stat
    import zipfile

    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as out:
        script = zipfile.ZipInfo("bin/tool")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        out.writestr(script, "#!/bin/sh\necho hi\n")
        out.writestr("module.py", "x = 1\n")
    deployer._unpack(archive, tmp_path / "out")
    assert (tmp_path / "out" / "bin" / "tool").stat().st_mode & 0o111
    assert (tmp_path / "out" / "module.py").read_text() == "x = 1\n"


def test_local_package_is_the_aws_package(tmp_path: Path) -> None:
    """Same hook output, same bytes: the local runtime runs exactly what Lambda would get."""
    from lw.core.artifact import Build
    from lw.providers.aws import plugin as aws_plugin
    from lw.providers.local import plugin

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def app(environ, start_response):\n    return []\n")
    build = Build(root=tmp_path / "src", app_files=1, dependency_files=0)
    artifacts = []
    for provider, hook in (("local", plugin.lw_package), ("aws", aws_plugin.lw_package)):
        app = AppModel(
            project_name="demo",
            stage="dev",
            provider=provider,
            project_dir=tmp_path,
            config_file=tmp_path / "lw.yml",
            app_function="app.app",
            runtime=f"python{deployer.RUNNING_PYTHON}",
        )
        ctx = Context(app=app, options={"package_out": str(tmp_path / f"{provider}.zip")})
        artifacts.append(hook(ctx=ctx, build=build))
    local, aws = artifacts
    assert local.handler == aws.handler == "lw_handler.handler"
    assert local.file_count == aws.file_count


def test_commands_on_a_stage_that_is_not_deployed_say_so(tmp_path: Path) -> None:
    from lw.core.errors import ProviderError, UsageError
    from lw.core.provider import InvokeRequest, LogQuery, RollbackTarget
    from lw.providers.local import plugin

    ctx = context(tmp_path)
    status = plugin.lw_status(ctx=ctx)
    assert status.deployed is False and status.facts["name"] == "demo-dev"
    with pytest.raises(ProviderError, match="no local runtime is running for demo-dev"):
        plugin.lw_invoke(ctx=ctx, request=InvokeRequest(function="app.f"))
    with pytest.raises(ProviderError, match="no local deployment of demo-dev"):
        plugin.lw_logs(ctx=ctx, query=LogQuery())
    with pytest.raises(UsageError, match="keeps no previous releases"):
        plugin.lw_rollback(ctx=ctx, target=RollbackTarget())


@pytest.mark.parametrize(
    "requires, expected",
    [
        # awslambdaric 2.0.4, the floor: a backport only Python 3.7 installs
        (["simplejson (==3.17.2)", 'importlib-metadata (~=2.0) ; python_version < "3.8"'], ["simplejson"]),
        # awslambdaric 3.x and later
        (["simplejson>=3.18.4", "snapshot-restore-py>=1.0.0"], ["simplejson", "snapshot-restore-py"]),
    ],
)
def test_the_runtime_dir_links_what_the_installed_runtime_client_requires(
    monkeypatch: pytest.MonkeyPatch, requires: list[str], expected: list[str]
) -> None:
    monkeypatch.setattr(isolation.importlib.metadata, "requires", lambda name: requires)
    assert isolation.runtime_client_dists() == ("awslambdaric", *expected)
