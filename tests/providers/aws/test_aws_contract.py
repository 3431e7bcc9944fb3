"""The AWS provider passes the provider contract (lw.testing.contract) against the
session's moto server; "writes nothing" means no mutating AWS API call."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from lw.testing.contract import ProviderContract


class TestAwsContract(ProviderContract):
    provider = "aws"

    @pytest.fixture
    def contract_project(
        self, strict_aws: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
    ) -> Path:
        monkeypatch.setenv("LW_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "lw-cache"))
        monkeypatch.setenv("CI", "1")
        return self.write_contract_project(tmp_path / "proj", "  apigateway: http\n")

    @pytest.fixture
    def remote_state(self, call_counter: Any) -> Callable[[], Any]:
        return lambda: len(call_counter.mutating)
