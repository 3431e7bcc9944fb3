"""Fixtures for the OpenWhisk provider: a fake controller, a runner for deployed zips,
and stages built from a small stdlib-only app."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from action_runner import ActionRunner  # noqa: E402
from fake_openwhisk import FakeOpenWhisk  # noqa: E402

from ow_helpers import APP_SOURCE  # noqa: E402


@pytest.fixture(autouse=True)
def _no_wskprops(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never read the developer's own ~/.wskprops or LW_OPENWHISK_* settings."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WSK_CONFIG_FILE", raising=False)
    for name in ("APIHOST", "AUTH", "NAMESPACE", "IAM_API_KEY", "INSECURE", "CA_BUNDLE"):
        monkeypatch.delenv(f"LW_OPENWHISK_{name}", raising=False)


@pytest.fixture(autouse=True)
def _no_retry_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries still happen, without real waiting (no timing in tests)."""
    from lw.providers.openwhisk import client

    monkeypatch.setattr(client, "DEFAULT_BACKOFF", 0.0)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[ActionRunner]:
    active = ActionRunner(tmp_path / "containers")
    yield active
    active.close()


@pytest.fixture
def fake(runner: ActionRunner) -> Iterator[FakeOpenWhisk]:
    server = FakeOpenWhisk(runner=runner).start()
    yield server
    server.stop()
    assert server.violations == [], "requests that break the OpenWhisk swagger:\n" + "\n".join(server.violations)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(APP_SOURCE, root / "wsgi_app.py")
    return root
