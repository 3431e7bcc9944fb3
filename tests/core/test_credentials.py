"""The credentials convention and the one redaction every error goes through (issue 18,
item 6): block > LW_<PROVIDER>_* > the platform's own file, and no secret in a message."""

from __future__ import annotations

from pathlib import Path

from lw.plugin import ProviderError, ProviderInfo, Status, env_prefix, hookimpl, redact, resolve_credentials
from lw.testing import run_cli, write_project

UUID_KEY = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP"


def test_redact_hides_given_secrets_and_well_known_shapes() -> None:
    assert redact("login failed for s3cr3t-token", ["s3cr3t-token"]) == "login failed for [redacted]"
    assert redact("GET https://bob:hunter2@host/x failed") == "GET https://[redacted]@host/x failed"
    assert redact("sent Authorization: Basic dXNlcjpwYXNz") == "sent Authorization: [redacted]"
    assert redact(f"auth {UUID_KEY} refused") == "auth [redacted] refused"
    assert redact('too large. String measured: {"A":"secret"}') == "too large. String measured: [redacted]"
    assert redact("short ab", ["ab"]) == "short ab"  # too short to be a secret: words stay readable


def test_credentials_resolve_key_by_key_block_then_environment_then_platform_file() -> None:
    assert env_prefix("my-cloud") == "LW_MY_CLOUD_"
    creds = resolve_credentials(
        "my-cloud",
        {"endpoint": "https://api.example"},
        ["endpoint", "token", "account"],
        secret_keys=["token"],
        platform_file={"endpoint": "https://ignored", "account": "acme", "token": "from-file"},
        platform_file_label="~/.mycloud/config",
        environ={"LW_MY_CLOUD_TOKEN": "env-token-123"},
    )
    assert dict(creds.values) == {"endpoint": "https://api.example", "token": "env-token-123", "account": "acme"}
    assert dict(creds.sources) == {
        "endpoint": "lw.yml (my-cloud.endpoint)",
        "token": "LW_MY_CLOUD_TOKEN",
        "account": "~/.mycloud/config",
    }
    assert creds.redact("denied for env-token-123") == "denied for [redacted]"


class LeakyProvider:
    @staticmethod
    @hookimpl
    def lw_providers():  # type: ignore[no-untyped-def]
        return [ProviderInfo("leaky", "raises errors that quote secrets")]

    @staticmethod
    @hookimpl
    def lw_status(ctx):  # type: ignore[no-untyped-def]
        raise ProviderError("cannot reach https://admin:pa55word@cloud.example/api (Authorization: Bearer abc.def)")


def test_every_cli_error_is_redacted_for_third_party_providers_too(tmp_path: Path) -> None:
    project = write_project(tmp_path, "dev:\n  app_function: app.app\n  provider: leaky\n")
    result = run_cli(project, "status", plugins=(LeakyProvider,))
    assert result.exit_code == 1
    assert result.error_lines == [
        "error: cannot reach https://[redacted]@cloud.example/api (Authorization: [redacted])"
    ]
    assert Status(deployed=False).to_json() == {"deployed": False}
