"""The CLI's contract: exit statuses, one-line errors, shared options, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lw import cli
from lw.core import workflow
from lw.core.artifact import Artifact
from lw.core.hookspecs import hookimpl
from lw.core.plan import Change
from lw.core.plugins import Providers, make_plugin_manager
from lw.core.provider import InvokeResult, ProviderInfo, Status


class RecordingProvider:
    """A provider whose plan and state live in memory, to test the CLI alone."""

    def __init__(self) -> None:
        self.deployed_sha: str | None = None
        self.applied: list[str] = []

    @hookimpl
    def lw_providers(self) -> list[ProviderInfo]:
        return [ProviderInfo(name="mem", description="in-memory provider for CLI tests")]

    @hookimpl
    def lw_package(self, ctx: Any, build: Any) -> Artifact:
        out = ctx.work_dir / "mem.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"zip")
        sha = "abc" if (ctx.project_dir / "app.py").read_text().startswith("#1") else "def"
        return Artifact(path=out, sha256=sha, size=3, unpacked_size=3, file_count=1, handler="h")

    @hookimpl
    def lw_deploy(self, ctx: Any, artifact: Artifact) -> list[Change]:
        if artifact.sha256 == self.deployed_sha:
            return [Change("noop", "function", "unchanged")]

        def apply(outputs: dict) -> None:
            self.deployed_sha = artifact.sha256
            self.applied.append(artifact.sha256)

        return [Change("update" if self.deployed_sha else "create", "function", "code changed", apply)]

    @hookimpl
    def lw_route(self, ctx: Any) -> list[Change]:
        return [Change("noop", "url", "known", outputs={"urls": ["http://example.test/"]})]

    @hookimpl
    def lw_event(self, ctx: Any) -> list[Change]:
        return []

    @hookimpl
    def lw_status(self, ctx: Any) -> Status:
        return Status(deployed=self.deployed_sha is not None, facts={"sha256": self.deployed_sha})

    @hookimpl
    def lw_invoke(self, ctx: Any, request: Any) -> InvokeResult:
        if request.function == "app.fail":
            return InvokeResult(result=None, error="ValueError: bad")
        if request.function == "app.refused":  # the runtime's reply; the provider saw a success
            return InvokeResult(result={"error": "PermissionError: refused", "output": ""})
        return InvokeResult(result={"sent": request.to_command()}, logs="START\nEND")


@pytest.fixture()
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    plugin = RecordingProvider()
    providers = Providers(make_plugin_manager(load_entrypoints=False, plugins=(plugin,)))
    monkeypatch.setattr(workflow, "load_providers", lambda pm=None: providers)

    def fake_package(session: workflow.Session, out: Path | None = None) -> Artifact:
        return session.hook("lw_package")(ctx=session.ctx, build=None)

    monkeypatch.setattr(workflow, "package", fake_package)
    return plugin


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text("#1\napp = None\n")
    (tmp_path / "lw.yml").write_text("dev:\n  app_function: app.app\n  provider: mem\n")
    monkeypatch.chdir(tmp_path)
    for var in ("LW_STAGE", "LW_PROVIDER", "LW_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=False)


def test_deploy_dry_run_then_apply_then_noop(provider: RecordingProvider, project: Path) -> None:
    dry = run("deploy", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "create" in dry.output and provider.applied == []

    first = run("deploy")
    assert first.exit_code == 0
    assert "http://example.test/" in first.output and provider.applied == ["abc"]

    again = run("deploy", "--json")
    data = json.loads(again.output)
    assert data["plan"]["mutating"] == 0 and data["applied"] is True
    assert provider.applied == ["abc"]


def test_missing_config_is_exit_2_with_one_line(provider: RecordingProvider, project: Path) -> None:
    result = run("deploy", "--config", "nope.yml")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "nope.yml" in lines[0]


def test_options_after_the_command_override_environment(
    provider: RecordingProvider, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LW_STAGE", "prod")
    assert run("status").exit_code == 2  # no stage 'prod'
    assert run("status", "--stage", "dev").exit_code == 0


def test_unknown_provider_is_exit_2(provider: RecordingProvider, project: Path) -> None:
    result = run("status", "--provider", "nimbus")
    assert result.exit_code == 2
    assert "unknown provider 'nimbus'; installed providers: mem" in result.output


def test_invoke_prints_result_and_fails_on_function_error(provider: RecordingProvider, project: Path) -> None:
    ok = run("invoke", "app.work", '{"n": 1}', "--json")
    assert json.loads(ok.output)["result"] == {"sent": {"lw_command": {"function": "app.work", "payload": {"n": 1}}}}
    bad = run("invoke", "app.fail")
    assert bad.exit_code == 1 and "the invocation failed: ValueError: bad" in bad.output


def test_invoke_exits_1_when_the_runtime_answers_with_an_error(provider: RecordingProvider, project: Path) -> None:
    refused = run("invoke", "app.refused", "--json")
    assert refused.exit_code == 1
    assert json.loads(refused.output)["error"] == "PermissionError: refused"
    assert run("invoke", "app.refused").exit_code == 1


def test_invoke_rejects_bad_json_and_raw_without_opt_in(provider: RecordingProvider, project: Path) -> None:
    assert run("invoke", "app.work", "{nope").exit_code == 2
    raw = run("invoke", "--raw", "print(1)")
    assert raw.exit_code == 2 and "allow_raw_invoke" in raw.output


def test_internal_errors_are_one_line_unless_verbose(
    provider: RecordingProvider, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setattr(workflow, "status", broken)
    quiet = run("status")
    assert quiet.exit_code == 1
    assert "Traceback" not in quiet.output and "run with -v for the traceback" in quiet.output
    loud = CliRunner().invoke(cli.main, ["status", "-v"])
    assert loud.exit_code == 1 and "Traceback" in loud.output


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800), ("42", 42)])
def test_durations(text: str, seconds: int) -> None:
    assert cli.parse_duration(text) == seconds


def test_bad_duration_is_usage_error(provider: RecordingProvider, project: Path) -> None:
    result = run("logs", "--since", "soon")
    assert result.exit_code == 2 and "--since" in result.output


def test_real_subprocess_help_and_version() -> None:
    result = subprocess.run([sys.executable, "-m", "lw", "--version"], capture_output=True, text=True, timeout=60)
    # the distribution (what pip installed), its version and the Python lw runs on
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("lw-deploy 0.1.0 (Python 3.") and sys.executable in result.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "lw", "status", "--config", "/nonexistent/lw.yml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr


@pytest.mark.parametrize("text", ["soon", "infs", "1e400s", "-5m", "0"])
def test_impossible_durations_are_usage_errors(text: str) -> None:
    from lw.core.errors import UsageError

    with pytest.raises(UsageError, match="--since"):
        cli.parse_duration(text)


def test_ctrl_c_after_the_release_serves_says_the_stage_is_deployed(
    provider: RecordingProvider, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C between the last write and the printed URL: the deploy did complete, and
    the one line says so (issue 10, item 9), with exit 130."""
    real_deploy = workflow.deploy

    def deploy_then_ctrl_c(session: Any, *, dry_run: bool) -> Any:
        real_deploy(session, dry_run=dry_run)
        raise KeyboardInterrupt

    monkeypatch.setattr(workflow, "deploy", deploy_then_ctrl_c)
    monkeypatch.setattr(workflow, "status", lambda session: Status(True, {"url": "http://example.test/"}))
    late = run("deploy")
    assert late.exit_code == 130
    assert "interrupted; the stage is deployed and serving at http://example.test/" in late.output
    assert "Traceback" not in late.output

    monkeypatch.setattr(workflow, "status", lambda session: Status(False))
    early = run("deploy")
    assert early.exit_code == 130 and "nothing of this stage is serving" in early.output
