"""AwsSession honors the standard AWS configuration and the fixtures behave."""

from __future__ import annotations

import pytest

from lw.core.errors import ProviderError
from lw.providers.aws.errors import aws_call
from lw.providers.aws.session import AwsSession


def test_session_caches_clients_and_reads_account(aws_env: str) -> None:
    aws = AwsSession(region="eu-west-1")
    assert aws.region == "eu-west-1"
    assert aws.client("lambda") is aws.client("lambda")
    assert aws.account_id == "123456789012"


def test_region_defaults_from_environment(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert AwsSession().region == "eu-central-1"


def test_unknown_profile_is_one_line_error(aws_env: str) -> None:
    with pytest.raises(ProviderError, match="profile 'nope' not found"):
        AwsSession(profile="nope")


def test_fault_raises_modeled_exception_then_recovers(aws_env: str, fault, call_counter) -> None:
    aws = AwsSession()
    client = aws.client("lambda")
    fault.fail("lambda", "ListFunctions", "ResourceConflictException", "busy", status=409, times=1)
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.list_functions()
    assert client.list_functions()["Functions"] == []
    assert ("lambda", "ListFunctions") in call_counter.calls


def test_missing_credentials_is_clear(aws_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws = AwsSession()
    with pytest.raises(ProviderError, match="no AWS credentials found") as info:
        aws_call("read", "function demo-dev", lambda: aws.client("lambda").list_functions())
    assert "\n" not in str(info.value)
