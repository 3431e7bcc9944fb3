"""The real CLI deploying examples/flask-hello to moto: the issue's lifecycle end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from cli_helpers import FLASK_HELLO, copy_project, leftovers, lw_json, lw_run

NAME = "flask-hello-dev"


@pytest.fixture(scope="session")
def lw_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pip download of Flask for the whole session."""
    return tmp_path_factory.mktemp("lw-cache")


@pytest.fixture(scope="module")
def project_template(tmp_path_factory: pytest.TempPathFactory, lw_cache: Path) -> Path:
    """examples/flask-hello, packaged once so each test's copy starts with a warm build."""
    template = copy_project(FLASK_HELLO, tmp_path_factory.mktemp("flask-hello-src") / "flask-hello")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LW_CACHE_DIR", str(lw_cache))
        result = lw_run(template, "package")
    assert result.exit_code == 0, result.stderr
    return template


@pytest.fixture
def project(
    aws_env: str, lw_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_template: Path
) -> Path:
    monkeypatch.setenv("LW_CACHE_DIR", str(lw_cache))
    monkeypatch.setenv("CI", "1")
    return copy_project(project_template, tmp_path / "flask-hello", keep_build_cache=True)


def _alias_version() -> str:
    return boto3.client("lambda").get_alias(FunctionName=NAME, Name="live")["FunctionVersion"]


def test_deploy_redeploy_code_change_status_and_undeploy(project: Path, call_counter) -> None:
    first = lw_run(project, "deploy")
    assert first.exit_code == 0, first.stderr
    api = boto3.client("apigateway").get_rest_apis()["items"][0]
    assert first.stdout.strip() == f"https://{api['id']}.execute-api.us-east-1.amazonaws.com/dev/"
    config = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert config["MemorySize"] == 256 and config["Handler"] == "lw_handler.handler"

    call_counter.clear()
    again = lw_run(project, "deploy")
    assert again.exit_code == 0, again.stderr
    assert "no changes" in again.stderr
    assert again.stdout == first.stdout  # the URL is printed even when nothing changed
    assert call_counter.mutating == []

    (project / "app.py").write_text((project / "app.py").read_text() + "\n# a code-only change\n")
    call_counter.clear()
    changed = lw_run(project, "deploy")
    assert changed.exit_code == 0, changed.stderr
    assert call_counter.mutating == [
        ("lambda", "UpdateFunctionCode"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]
    assert _alias_version() == "2"

    status = lw_json(project, "status")
    assert status["deployed"] is True
    assert status["alias_version"] == "2" and status["latest_version"] == 2
    assert status["urls"] == [first.stdout.strip()]
    assert status["invocations_24h"] == 0 and status["code_sha256"]

    rolled = lw_run(project, "rollback")
    assert rolled.exit_code == 0, rolled.stderr
    assert _alias_version() == "1"

    removed = lw_run(project, "undeploy", "--yes")
    assert removed.exit_code == 0, removed.stderr
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_dry_run_changes_nothing(project: Path, call_counter) -> None:
    result = lw_run(project, "deploy", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert call_counter.mutating == []
    assert "create Lambda function flask-hello-dev" in result.stdout
    assert "create IAM role flask-hello-dev" in result.stdout
    assert boto3.client("lambda").list_functions()["Functions"] == []


def test_config_change_via_lw_yml(project: Path, call_counter) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    text = (project / "lw.yml").read_text().replace("memory_size: 256", "memory_size: 512")
    (project / "lw.yml").write_text(text + "  aws_environment_variables:\n    GREETING: hi\n")
    call_counter.clear()
    result = lw_run(project, "deploy")
    assert result.exit_code == 0, result.stderr
    assert call_counter.mutating == [
        ("lambda", "UpdateFunctionConfiguration"),
        ("lambda", "PublishVersion"),
        ("lambda", "UpdateAlias"),
    ]
    live = boto3.client("lambda").get_function_configuration(FunctionName=NAME, Qualifier="live")
    assert live["MemorySize"] == 512 and live["Environment"]["Variables"] == {"GREETING": "hi"}


def test_failed_deploy_names_step_and_keeps_serving(project: Path, fault) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    (project / "app.py").write_text((project / "app.py").read_text() + "\n# v2\n")
    fault.fail("lambda", "PublishVersion", "ServiceException", "Lambda is having a bad day", status=500)
    failed = lw_run(project, "deploy")
    assert failed.exit_code == 1
    assert failed.stderr.strip().endswith(
        "publish version of Lambda function flask-hello-dev failed: ServiceException: Lambda is having a bad day"
    )
    assert "Traceback" not in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
    assert _alias_version() == "1"
    assert lw_run(project, "deploy").exit_code == 0
    assert _alias_version() == "2"


def test_second_checkout_status_and_undeploy(project: Path, tmp_path: Path) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    other = copy_project(project, tmp_path / "elsewhere")
    assert not (other / ".lw").exists()
    status = lw_json(other, "status")
    assert status["deployed"] is True and status["alias_version"] == "1"
    preview = lw_run(other, "undeploy", "--dry-run")
    assert preview.exit_code == 0 and "delete Lambda function flask-hello-dev" in preview.stdout
    assert boto3.client("lambda").get_function(FunctionName=NAME)
    assert lw_run(other, "undeploy", "--yes").exit_code == 0
    assert leftovers(NAME, "flask-hello", "dev") == []
    assert lw_json(other, "status")["deployed"] is False


def test_undeploy_keep_logs(project: Path) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=f"/aws/lambda/{NAME}")
    assert lw_run(project, "undeploy", "--yes", "--keep-logs").exit_code == 0
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == [f"/aws/lambda/{NAME}"]
    assert lw_run(project, "undeploy", "--yes").exit_code == 0
    assert logs.describe_log_groups()["logGroups"] == []


def test_invoke_and_logs(project: Path) -> None:
    assert lw_run(project, "deploy").exit_code == 0
    # moto's Docker-free Lambda echoes the payload: what lw sent is what comes back.
    echoed = lw_json(project, "invoke", "app.hello", '{"n": 1}')
    assert echoed["result"] == {"lw_command": {"function": "app.hello", "payload": {"n": 1}}}
    refused = lw_run(project, "invoke", "--raw", "print(1)")
    assert refused.exit_code == 2 and "allow_raw_invoke" in refused.stderr

    logs = boto3.client("logs")
    group = f"/aws/lambda/{NAME}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {
                "timestamp": now - 2000,
                "message": '1.2.3.4 - - [26/Nov/2026:10:00:00 +0000] "GET /cookies HTTP/1.1" 200 15 "-" "curl"',
            },
            {"timestamp": now - 1000, "message": "ERROR something broke"},
        ],
    )
    everything = lw_run(project, "logs", "--since", "1h")
    assert "GET /cookies" in everything.stdout and "something broke" in everything.stdout
    only_app = lw_run(project, "logs", "--no-http")
    assert "GET /cookies" not in only_app.stdout and "something broke" in only_app.stdout
    only_http = lw_run(project, "logs", "--http")
    assert "GET /cookies" in only_http.stdout and "something broke" not in only_http.stdout
    filtered = lw_run(project, "logs", "--filter", "ERROR")
    assert filtered.stdout.strip().endswith("ERROR something broke")


def test_missing_credentials_is_one_line_exit_1(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = lw_run(project, "status")
    assert result.exit_code == 1
    assert "no AWS credentials" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_as_subprocess_behind_the_strict_layer(project: Path, tmp_path: Path) -> None:
    """The installed entry point, each command a real process, against moto behind the
    strict layer (loaded in the child through strict_aws/boot/sitecustomize.py): deploy,
    status, a code-only redeploy, a no-op redeploy and undeploy."""
    from strict_aws.process import environment, read_journal

    journal = tmp_path / "strict-journal.jsonl"
    env = environment(journal)
    cmd = [sys.executable, "-m", "lw", "--config", str(project / "lw.yml"), "--provider", "aws"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (args, done.stderr)
        return done

    deployed = run("deploy")
    assert deployed.stdout.strip().startswith("https://")
    calls = read_journal(journal)
    # the child was behind the layer: the new role could not be used at once, lw waited
    assert ("iam", "CreateRole", "") in calls
    assert any(c[1] == "CreateFunction" and c[2] == "InvalidParameterValueException" for c in calls)
    assert json.loads(run("status", "--json").stdout)["alias_version"] == "1"

    (project / "app.py").write_text((project / "app.py").read_text() + "\n# v2\n")
    run("deploy")
    assert _alias_version() == "2"
    journal.unlink()
    assert "no changes" in run("deploy").stderr
    assert [c for c in read_journal(journal) if not c[1].startswith(("Get", "List", "Describe", "Head"))] == []
    run("undeploy", "--yes")
    assert leftovers(NAME, "flask-hello", "dev") == []


def test_package_holds_runtime_entry_and_settings_but_not_boto3(project: Path, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "out.zip"
    result = lw_run(project, "package", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    names = zipfile.ZipFile(out).namelist()
    assert {"lw_handler.py", "lw_settings.json", "lw/__init__.py", "app.py"} <= set(names)
    assert any(n.startswith("lw/runtime/") for n in names) and any(n.startswith("flask/") for n in names)
    assert not any(n.startswith(("boto3/", "botocore/", "lw/cli", "lw/core/")) for n in names)
    settings = json.loads(zipfile.ZipFile(out).read("lw_settings.json"))
    assert settings["app_function"] == "app.app" and settings["provider"] == "aws"
