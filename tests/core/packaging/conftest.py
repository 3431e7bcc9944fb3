"""Shared fixtures for the packaging tests that really run pip.

The wheel cache is session-scoped so that PyPI is asked once per distribution and
platform, which keeps the real-install tests to a few seconds each.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lw-cache")
