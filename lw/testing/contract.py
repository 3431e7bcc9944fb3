"""The provider contract: what every lw provider guarantees, as a pytest suite that a
provider runs against itself (the built-in ``aws``, ``openwhisk`` and ``local`` run it,
and so does the example third-party plugin).

Subclass :class:`ProviderContract` in a test module, name the provider and give two
fixtures: ``contract_project`` (a project whose stage deploys to the provider, through
whatever test double the provider uses) and ``remote_state`` (a function returning a
comparable view of what is deployed: a listing, or a count of write calls)::

    from lw.testing.contract import ProviderContract

    class TestMyProviderContract(ProviderContract):
        provider = "myprovider"
        plugins = (lw_myprovider,)   # only for a plugin that is not pip-installed

        @pytest.fixture
        def contract_project(self, tmp_path):
            return write_project(tmp_path / "p", "dev:\\n  app_function: app.app\\n  provider: myprovider\\n")

        @pytest.fixture
        def remote_state(self, fake_cloud):
            return lambda: fake_cloud.write_count

The checks, each one line of docs/plugins.md ("The provider contract"):

- ``--dry-run`` writes nothing and reports the stage not deployed;
- a deploy, then an unchanged redeploy: a plan of no-op changes that writes nothing and
  still prints the URLs;
- ``status`` with no local state (``.lw/`` removed) still finds the deployment;
- ``undeploy`` removes it, and a second ``undeploy`` is a no-op;
- errors are one line (``error: ...``), exit 2 for configuration, never a traceback.

``pytest`` is needed only here, not by ``lw.testing``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable, ClassVar

import pytest

from lw.testing import CliResult, run_cli, write_project

__all__ = ["ProviderContract"]


def _one_line_error(result: CliResult, codes: tuple[int, ...]) -> None:
    """lw's error form: exit 2 (usage, configuration) or 1 (failure), one line
    ``error: ...``; a configuration error lists its problems below it, one per line."""
    assert result.exception is None, f"unexpected exception: {result.exception!r}"
    assert result.exit_code in codes, (result.exit_code, result.stderr)
    first, *rest = result.error_lines or [""]
    assert first.startswith("error: "), result.stderr
    assert all(line.startswith("  - ") for line in rest), f"not one line: {result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout


class ProviderContract:
    """Base class of a provider's contract tests (see the module docs)."""

    #: The provider's name, as in ``lw deploy --provider NAME``.
    provider: ClassVar[str] = ""
    #: Plugin modules to load next to the installed ones (a plugin under test that is
    #: not pip-installed); empty: the installed plugins only.
    plugins: ClassVar[tuple[object, ...]] = ()
    #: Folders of ``.lw/`` that are the provider's remote side rather than local state:
    #: only for a provider whose platform is this machine (``local``).
    remote_folders: ClassVar[tuple[str, ...]] = ()

    @pytest.fixture
    def contract_project(self) -> Path:
        raise NotImplementedError("define the contract_project fixture: a project deploying to the provider")

    @pytest.fixture
    def remote_state(self) -> Callable[[], Any]:
        raise NotImplementedError("define the remote_state fixture: a comparable view of what is deployed")

    # -- helpers ------------------------------------------------------------------

    def write_contract_project(self, folder: Path, extra: str = "") -> Path:
        """The project the contract deploys: the standard-library app (``app.app``) with
        one schedule (``app.tick``), for this provider; ``extra`` is added to the stage
        (``"  myprovider:\n    endpoint: ...\n"``)."""
        stage = (
            "dev:\n"
            "  project_name: contract\n"
            "  app_function: app.app\n"
            f"  provider: {self.provider}\n"
            "  events:\n"
            "  - function: app.tick\n"
            "    expression: rate(1 hour)\n"
        )
        return write_project(folder, stage + extra)

    def lw(self, project: Path, *args: str) -> CliResult:
        """``lw *args --provider <provider>`` in ``project``."""
        return run_cli(project, *args, "--provider", self.provider, plugins=self.plugins)

    def ok(self, project: Path, *args: str) -> CliResult:
        result = self.lw(project, *args)
        assert result.exception is None, f"lw {' '.join(args)}: unexpected exception {result.exception!r}"
        assert result.exit_code == 0, f"lw {' '.join(args)} exited {result.exit_code}: {result.stderr}"
        return result

    def status(self, project: Path) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.ok(project, "status", "--json").stdout)
        return data

    def forget_local_state(self, project: Path) -> None:
        """Remove ``.lw/`` (build caches, packages), as on a fresh CI runner."""
        work = project / ".lw"
        if not work.exists():
            return
        for child in work.iterdir():
            if child.name in self.remote_folders:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    # -- the contract ---------------------------------------------------------------

    def test_dry_run_writes_nothing(self, contract_project: Path, remote_state: Callable[[], Any]) -> None:
        before = remote_state()
        result = self.ok(contract_project, "deploy", "--dry-run", "--json")
        plan = json.loads(result.stdout)
        assert plan["applied"] is False
        assert plan["plan"]["mutating"] > 0, "a first deploy must plan changes"
        assert remote_state() == before, "lw deploy --dry-run wrote to the provider"
        assert self.status(contract_project)["deployed"] is False

    def test_redeploy_status_and_undeploy(self, contract_project: Path, remote_state: Callable[[], Any]) -> None:
        first = json.loads(self.ok(contract_project, "deploy", "--json").stdout)
        assert first["applied"] is True

        # An unchanged redeploy: only no-op changes, no write, the same URLs.
        self.forget_local_state(contract_project)
        before = remote_state()
        again = json.loads(self.ok(contract_project, "deploy", "--json").stdout)
        changed = [c for c in again["plan"]["changes"] if c["action"] != "noop"]
        assert changed == [], f"an unchanged redeploy planned changes: {changed}"
        assert remote_state() == before, "an unchanged redeploy wrote to the provider"
        assert again["urls"] == first["urls"], "a no-op deploy must still print the stage's URLs"

        # Status needs no local state: the provider is the source of truth.
        self.forget_local_state(contract_project)
        assert self.status(contract_project)["deployed"] is True, "status without .lw/ did not find the stage"

        # Undeploy, then undeploy again: the second finds nothing and writes nothing.
        self.ok(contract_project, "undeploy", "--yes")
        assert self.status(contract_project)["deployed"] is False
        before = remote_state()
        second = json.loads(self.ok(contract_project, "undeploy", "--yes", "--json").stdout)
        assert second["plan"]["mutating"] == 0, "a second undeploy planned changes"
        assert remote_state() == before, "a second undeploy wrote to the provider"

    def test_errors_are_one_line(self, contract_project: Path) -> None:
        # The provider's own failure: invoking a stage that was never deployed.
        _one_line_error(self.lw(contract_project, "invoke", "app.tick"), (1, 2))
        _one_line_error(self.lw(contract_project, "status", "--stage", "no-such-stage"), (2,))
        config = contract_project / "lw.yml"
        original = config.read_text(encoding="utf-8")
        try:
            config.write_text(original + "\n  memory_size: lots\n", encoding="utf-8")
            broken = self.lw(contract_project, "deploy", "--dry-run")
            _one_line_error(broken, (2,))
            assert "memory_size" in broken.stderr
        finally:
            config.write_text(original, encoding="utf-8")
