"""The example third-party plugin (tests/plugins/lw-dirdeploy) passes the provider
contract, imported as a plugin that is not pip-installed, through the public API only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from lw.testing import write_project
from lw.testing.contract import ProviderContract

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "lw-dirdeploy"))
import lw_dirdeploy  # noqa: E402


def _listing(folder: Path) -> list[tuple[str, int, int]]:
    """What is "deployed": every file under the releases folder, with size and mtime."""
    if not folder.exists():
        return []
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*"))


class TestDirdeployContract(ProviderContract):
    provider = "dirdeploy"
    plugins = (lw_dirdeploy,)

    @pytest.fixture
    def contract_project(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
        return write_project(
            tmp_path / "proj",
            f"""\
            dev:
              project_name: demo
              app_function: app.app
              dirdeploy:
                root: {tmp_path / "releases"}
              events:
              - function: app.tick
                expression: rate(1 hour)
            """,
        )

    @pytest.fixture
    def remote_state(self, tmp_path: Path) -> Callable[[], Any]:
        return lambda: _listing(tmp_path / "releases")
