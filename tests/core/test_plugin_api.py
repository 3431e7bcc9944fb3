"""``lw.plugin`` is the whole public API for plugins: documented, used by every provider,
and the CLI knows no provider (dependencies point CLI -> core <- providers)."""

from __future__ import annotations

import ast
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import lw.plugin
from lw import cli
from lw.core import workflow

ROOT = Path(__file__).resolve().parents[2]
PROVIDERS = ROOT / "lw" / "providers"
EXAMPLE_PLUGIN = ROOT / "tests" / "plugins" / "lw-dirdeploy" / "lw_dirdeploy" / "__init__.py"


def _imports(path: Path) -> set[str]:
    """Every module a file imports (``from x import y`` gives ``x`` and ``x.y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_every_public_name_is_documented() -> None:
    text = (ROOT / "docs" / "plugins.md").read_text()
    section = text[text.index("## The public API: `lw.plugin`") :]
    missing = [name for name in lw.plugin.__all__ if f"`{name}`" not in section and f"`{name}(" not in section]
    assert not missing, f"docs/plugins.md does not document lw.plugin names: {missing}"


def test_every_testing_helper_is_documented() -> None:
    import lw.testing

    text = (ROOT / "docs" / "plugins.md").read_text()
    section = text[text.index("## Testing your provider") : text.index("## The public API: `lw.plugin`")]
    missing = [name for name in lw.testing.__all__ if f"`{name}`" not in section and f"`{name}(" not in section]
    assert not missing, f"docs/plugins.md does not document lw.testing names: {missing}"
    assert "`ProviderContract`" in section or "ProviderContract`" in section


def test_example_plugins_entry_module_uses_only_the_public_runtime_api() -> None:
    entry = EXAMPLE_PLUGIN.parent / "entry.py"
    from_lw = {m for m in _imports(entry) if m == "lw" or m.startswith("lw.")}
    assert from_lw and all(m == "lw.runtime.api" or m.startswith("lw.runtime.api.") for m in from_lw), from_lw


def test_all_lists_exactly_the_public_names() -> None:
    lazy = set(lw.plugin._MODULE_OF)
    assert lazy | {"API_VERSION"} == set(lw.plugin.__all__)
    for name in lw.plugin.__all__:
        assert getattr(lw.plugin, name) is not None, name
    with pytest.raises(AttributeError):
        lw.plugin.not_public  # noqa: B018


def test_providers_never_import_the_cli() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in PROVIDERS.rglob("*.py")
        if any(m == "lw.cli" or m.startswith("lw.cli.") for m in _imports(p))
    ]
    assert offenders == []


def test_providers_never_import_each_other() -> None:
    offenders = []
    for provider in (p for p in PROVIDERS.iterdir() if p.is_dir() and not p.name.startswith("_")):
        others = {f"lw.providers.{o.name}" for o in PROVIDERS.iterdir() if o.is_dir() and o != provider}
        for path in provider.rglob("*.py"):
            if any(m == other or m.startswith(other + ".") for m in _imports(path) for other in others):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_example_plugin_imports_only_the_public_module() -> None:
    from_lw = {m for m in _imports(EXAMPLE_PLUGIN) if m == "lw" or m.startswith("lw.")}
    assert from_lw and all(m == "lw.plugin" or m.startswith("lw.plugin.") for m in from_lw), from_lw


def test_cli_declares_no_provider_option() -> None:
    source = (ROOT / "lw" / "cli.py").read_text() + (ROOT / "lw" / "core" / "invocation.py").read_text()
    assert not re.search(r"[\"']--(region|profile|port)[\"']", source)
    assert "providers" not in {m.split(".")[1] for m in _imports(ROOT / "lw" / "cli.py") if m.startswith("lw.")}


def test_provider_options_are_shown_under_their_provider() -> None:
    result = CliRunner().invoke(cli.main, ["deploy", "--help"])
    assert result.exit_code == 0, result.output
    options_for = result.output[result.output.index("Options for provider") :]
    assert "--region" in options_for and "--profile" in options_for and "--port" in options_for
    assert "LW_REGION" in options_for and "LW_PORT" in options_for
    assert "--region" not in result.output[: result.output.index("Options for provider")]


def test_help_lists_lifecycle_commands_before_provider_commands() -> None:
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Lifecycle commands") < out.index("Commands of provider aws")
    lifecycle = out[out.index("Lifecycle commands") : out.index("Other commands")]
    assert [line.split()[0] for line in lifecycle.splitlines()[1:] if line.strip()] == list(cli.LIFECYCLE)
    aws_part = out[out.index("Commands of provider aws") :]
    assert all(name in aws_part for name in ("certify", "policy", "template"))
    assert "_LW_COMPLETE" in out


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text("def app(environ, start_response):\n    return []\n")
    (tmp_path / "lw.yml").write_text(
        textwrap.dedent("""\
        dev:
          project_name: demo
          app_function: app.app
        """)
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _options_seen(monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]) -> dict:
    seen: dict = {}

    def fake_status(session):  # type: ignore[no-untyped-def]
        seen.update(session.ctx.options)
        return lw.plugin.Status(deployed=False)

    monkeypatch.setattr(cli.workflow, "status", fake_status)
    result = CliRunner().invoke(cli.main, args, env=env)
    assert result.exit_code == 0, result.output
    return seen


def test_provider_options_reach_the_provider_from_flags_and_env(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _options_seen(monkeypatch, ["status", "--provider", "local", "--port", "8123", "--region", "eu-west-3"], {})
    assert seen["port"] == 8123 and seen["region"] == "eu-west-3"
    seen = _options_seen(monkeypatch, ["status", "--provider", "local"], {"LW_PORT": "8124", "LW_REGION": "eu-north-1"})
    assert seen["port"] == 8124 and seen["region"] == "eu-north-1"
    # given after the command, the flag wins over the environment and the group's flag
    seen = _options_seen(
        monkeypatch,
        ["--region", "us-east-2", "status", "--provider", "aws", "--region", "ap-south-1"],
        {"LW_REGION": "eu-north-1"},
    )
    assert seen["region"] == "ap-south-1"


def test_plugin_command_gets_shared_and_provider_options(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli.main, ["policy", "--json", "--region", "eu-west-1", "--provider", "aws"])
    assert result.exit_code == 0, result.output
    assert "eu-west-1" in json.dumps(json.loads(result.output))


def test_local_package_goes_through_the_plugin_manager(project: Path) -> None:
    """A plugin that replaces ``aws`` is what the local provider packages with."""
    from lw.providers.local import plugin as local_plugin

    (project / "lw.yml").write_text(
        f"dev:\n  project_name: demo\n  app_function: app.app\n"
        f"  runtime: python{sys.version_info[0]}.{sys.version_info[1]}\n"
    )
    calls: list[str] = []

    class ReplacedAws:
        @staticmethod
        @lw.plugin.hookimpl
        def lw_providers():  # type: ignore[no-untyped-def]
            return [lw.plugin.ProviderInfo(name="aws", description="replaced")]

        @staticmethod
        @lw.plugin.hookimpl
        def lw_package(ctx, build):  # type: ignore[no-untyped-def]
            calls.append(ctx.app.name)
            return lw.plugin.Artifact(
                path=project / "x.zip",
                sha256="0" * 64,
                size=1,
                unpacked_size=1,
                file_count=1,
                handler="handler.handler",
            )

    pm = lw.plugin.make_plugin_manager(load_entrypoints=False, plugins=(ReplacedAws, local_plugin))
    session = workflow.open_stage(project / "lw.yml", stage=None, provider="local", providers=lw.plugin.Providers(pm))
    build = lw.plugin.Build(root=project, app_files=1, dependency_files=0)
    artifact = session.hook("lw_package")(ctx=session.ctx, build=build)
    assert calls == ["demo-dev"] and artifact.sha256 == "0" * 64


def test_shell_completion_script_and_provider_commands_complete() -> None:
    """What README.md documents: ``_LW_COMPLETE=bash_source lw`` prints the script, and
    completing ``lw p`` offers the core's and the providers' commands."""
    script = CliRunner().invoke(cli.main, [], prog_name="lw", env={"_LW_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_LW_COMPLETE=bash_complete" in script.output
    words = CliRunner().invoke(
        cli.main, [], prog_name="lw", env={"_LW_COMPLETE": "bash_complete", "COMP_WORDS": "lw p", "COMP_CWORD": "1"}
    )
    offered = {line.split(",")[-1] for line in words.output.split()}
    assert {"package", "providers", "policy"} <= offered
