"""The local provider passes the provider contract (lw.testing.contract). Its "remote"
is this machine: the deployment folder ``.lw/local/`` and the processes serving it, so
"writes nothing" means that folder's files did not change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from localrun import Deployment

from lw.testing.contract import ProviderContract


def _deployment_files(folder: Path) -> list[tuple[str, int, int]]:
    """Every file of the deployment but the logs (a serving stage appends to them)."""
    if not folder.exists():
        return []
    return sorted(
        (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and ".log" not in p.name
    )


class TestLocalContract(ProviderContract):
    provider = "local"
    remote_folders = ("local",)

    @pytest.fixture
    def contract_project(
        self, tmp_path: Path, lw_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> Iterator[Path]:
        for key, value in lw_env.items():
            monkeypatch.setenv(key, value)
        project = self.write_contract_project(tmp_path / "proj")
        yield project
        Deployment(project=project, env=dict(os.environ)).cleanup()  # nothing left running

    @pytest.fixture
    def remote_state(self, contract_project: Path) -> Callable[[], Any]:
        return lambda: _deployment_files(contract_project / ".lw" / "local")
