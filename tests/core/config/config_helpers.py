"""Helpers shared by the configuration tests: fake providers, load a stage, collect problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lw.core.config import load_app
from lw.core.errors import ConfigError
from lw.core.model import AppModel
from lw.core.provider import ProviderInfo, SettingSpec

FAKE_PROVIDERS = [
    ProviderInfo(
        name="aws",
        description="fake aws for tests",
        settings=(SettingSpec("aws_only_flag", (bool,), False, "a top-level key only aws honors", ("aws",)),),
        block_settings=(
            SettingSpec("region", (str,), None, "region"),
            SettingSpec("keep_versions", (int,), 5, "versions kept"),
        ),
    ),
    ProviderInfo(
        name="openwhisk",
        description="fake openwhisk for tests",
        block_settings=(SettingSpec("apihost", (str,), None, "API host"), SettingSpec("insecure", (bool,), False)),
    ),
    ProviderInfo(name="local", description="fake local for tests"),
]


def load(
    path: Path,
    *,
    stage: str | None = None,
    provider: str | None = None,
    providers: list[ProviderInfo] | None = None,
    **kwargs: Any,
) -> AppModel:
    return load_app(
        path, stage=stage, provider=provider, providers=FAKE_PROVIDERS if providers is None else providers, **kwargs
    )


def problems_of(path: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(path, **kwargs)
    assert info.value.exit_code == 2
    return info.value.problems
