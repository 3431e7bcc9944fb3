"""The ALLOWED_HOSTS / CSRF_TRUSTED_ORIGINS values `lw deploy` prints for a Django stage (issue 17)."""

from __future__ import annotations

from lw.core import django_hosts


def test_api_gateway_custom_domain_and_local_urls() -> None:
    found = django_hosts.for_urls(
        [
            "https://abc123.execute-api.us-east-1.amazonaws.com/dev/",
            "https://api.example.com/v1/",
            "https://API.example.com/v2/",
        ]
    )
    assert found is not None
    assert found.allowed_hosts == ("abc123.execute-api.us-east-1.amazonaws.com", "api.example.com")
    assert found.csrf_trusted_origins == (
        "https://abc123.execute-api.us-east-1.amazonaws.com",
        "https://api.example.com",
    )
    local = django_hosts.for_urls(["http://127.0.0.1:8123/"])
    assert local is not None and local.to_json() == {
        "ALLOWED_HOSTS": ["127.0.0.1"],
        "CSRF_TRUSTED_ORIGINS": ["http://127.0.0.1:8123"],  # the port is part of the origin Django compares
    }
    assert local.describe().startswith("Django: ALLOWED_HOSTS=127.0.0.1 CSRF_TRUSTED_ORIGINS=http://127.0.0.1:8123")
    assert django_hosts.for_urls([]) is None and django_hosts.for_urls(["arn:aws:lambda:x"]) is None
