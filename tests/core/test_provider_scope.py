"""Providers declare the core settings they honour (issue 18, item 2): a stage setting
one its provider ignores gets a plan-time warning naming the key (``--strict``: exit 2),
and a key's default applies only where it is honoured."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lw.plugin import ProviderInfo, honoured_settings, settings_json
from lw.testing import open_session, run_cli, write_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "lw-dirdeploy"))
import lw_dirdeploy  # noqa: E402


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))


def test_defaults_apply_only_where_honoured(tmp_path: Path) -> None:
    project = write_project(tmp_path, "dev:\n  app_function: app.app\n")
    assert open_session(project, provider="aws").ctx.app.keep_warm is True
    local = open_session(project, provider="local").ctx.app
    assert local.keep_warm is False and local.settings["keep_warm"] is None
    assert "keep-warm" not in settings_json(local).decode()
    assert open_session(project, provider="local").ctx.app.ignored_settings == ()


def test_ignored_keys_are_named_top_level_and_in_the_providers_block(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        """\
        dev:
          app_function: app.app
          xray_tracing: true
          domain: api.example.com
          cors: true
          openwhisk:
            tags: {team: web}
          aws:
            memory_size: 1024
        """,
    )
    app = open_session(project, provider="openwhisk").ctx.app
    assert app.ignored_settings == ("xray_tracing", "domain", "openwhisk.tags")  # cors is honoured
    assert open_session(project, provider="aws").ctx.app.ignored_settings == ()


def test_built_in_provider_warns_at_plan_time_and_strict_refuses(tmp_path: Path, cache: None) -> None:
    project = write_project(tmp_path / "p", "dev:\n  app_function: app.app\n  domain: api.example.com\n")
    dry = run_cli(project, "deploy", "--dry-run", "--provider", "local")
    assert dry.exit_code == 0, dry.stderr
    assert (
        "warning: lw.yml: stage 'dev': domain is not honoured by provider 'local' and has no effect there "
        "(it applies to aws; set it under 'aws:' for that provider only)"
    ) in dry.stderr
    strict = run_cli(project, "deploy", "--dry-run", "--strict", "--provider", "local")
    assert strict.exit_code == 2
    assert strict.error_lines == [
        "error: lw.yml: stage 'dev': provider 'local' does not honour domain "
        "(--strict refuses settings that would have no effect)"
    ]
    assert not (project / ".lw" / "local").exists()


def test_example_plugin_warns_for_what_it_does_not_honour(tmp_path: Path, cache: None) -> None:
    project = write_project(
        tmp_path / "p",
        f"""\
        dev:
          app_function: app.app
          provider: dirdeploy
          keep_warm: true
          xray_tracing: true
          dirdeploy:
            root: {tmp_path / "releases"}
        """,
    )
    dry = run_cli(project, "deploy", "--dry-run", plugins=(lw_dirdeploy,))
    assert dry.exit_code == 0, dry.stderr
    warned = [line for line in dry.stderr.splitlines() if "not honoured" in line]
    assert len(warned) == 2 and "keep_warm is not honoured by provider 'dirdeploy'" in warned[0]
    assert "xray_tracing is not honoured" in warned[1]
    strict = run_cli(project, "deploy", "--strict", plugins=(lw_dirdeploy,))
    assert strict.exit_code == 2 and "does not honour keep_warm, xray_tracing" in strict.stderr
    assert not (tmp_path / "releases").exists()


def test_a_block_for_a_provider_not_installed_stays_a_config_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", "dev:\n  app_function: app.app\n  azure:\n    plan: y1\n")
    result = run_cli(project, "deploy", "--dry-run", "--provider", "local")
    assert result.exit_code == 2
    assert "no installed provider or plugin declares a 'azure' block" in result.stderr


def test_honoured_settings_refuses_unknown_names() -> None:
    assert "keep_warm" not in honoured_settings(without=("keep_warm",))
    assert "domain" in honoured_settings(plus=("domain",))
    with pytest.raises(ValueError, match="not lw core settings: keep_wram"):
        honoured_settings(without=("keep_wram",))
    assert ProviderInfo("x", "y").honours is None
