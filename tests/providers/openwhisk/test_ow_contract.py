"""The OpenWhisk provider passes the provider contract (lw.testing.contract) against the
fake controller; "writes nothing" means no write request reached the controller."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk

from lw.testing.contract import ProviderContract


class TestOpenWhiskContract(ProviderContract):
    provider = "openwhisk"

    @pytest.fixture
    def contract_project(self, fake: FakeOpenWhisk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("LW_OPENWHISK_APIHOST", fake.url)
        monkeypatch.setenv("LW_OPENWHISK_AUTH", GUEST_AUTH)
        return self.write_contract_project(tmp_path / "proj")

    @pytest.fixture
    def remote_state(self, fake: FakeOpenWhisk) -> Callable[[], Any]:
        return lambda: len(fake.writes())
