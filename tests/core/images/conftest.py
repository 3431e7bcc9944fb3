from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from registry_server import Registry, start_registry, stop_registry  # noqa: E402


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A real docker-registry on 127.0.0.1 (plain HTTP, no auth), shared by the session."""
    server = start_registry(tmp_path_factory.mktemp("registry"))
    yield server
    stop_registry(server)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests using a real registry start a process: ``-m "not subprocess"`` skips them."""
    for item in items:
        if {"registry", "private_registry"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.subprocess)
