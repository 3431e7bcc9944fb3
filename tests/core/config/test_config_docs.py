"""docs/configuration.md is generated from the schema and must match it."""

from __future__ import annotations

from pathlib import Path

from lw.core.provider import ProviderInfo, SettingSpec
from lw.core.settings_schema import CORE_SETTINGS, builtin_provider_infos, render_markdown

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
REGENERATE = "python -m lw.core.settings_schema > docs/configuration.md"


def test_docs_match_the_schema_and_the_builtin_providers():
    infos = builtin_provider_infos()
    assert {"aws", "openwhisk", "local"} <= {info.name for info in infos}
    expected = render_markdown(infos)
    actual = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert actual == expected, f"docs/configuration.md is stale; regenerate it with: {REGENERATE}"


def test_rendering_lists_every_key_with_type_default_and_providers():
    fake = ProviderInfo(
        "fake",
        "A fake provider.",
        settings=(SettingSpec("fake_top", (int,), 3, "top-level key of fake", ("fake",)),),
        block_settings=(SettingSpec("endpoint", (str,), "https://x", "where | it is"),),
    )
    text = render_markdown([fake])
    for spec in CORE_SETTINGS:
        assert f"| `{spec.name}` | {spec.type_name} |" in text
    assert "| `memory_size` | integer | `512` | all |" in text
    assert "| `apigateway` | string or boolean | `rest` | aws |" in text
    assert "| `fake_top` | integer | `3` | fake | top-level key of fake |" in text
    assert "## `fake:` block" in text
    assert "| `endpoint` | string | `https://x` | fake | where \\| it is |" in text


def test_core_keys_are_unique_and_documented():
    names = [spec.name for spec in CORE_SETTINGS]
    assert len(names) == len(set(names))
    assert all(spec.doc for spec in CORE_SETTINGS)


def test_module_entry_point_prints_the_docs():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "lw.core.settings_schema"], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout == render_markdown(builtin_provider_infos())
