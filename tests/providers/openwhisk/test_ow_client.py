"""The HTTP client, with ``responses``: retries, errors, auth paths, TLS settings."""

from __future__ import annotations

import base64
import json
import socket
import time

import pytest
import requests
import responses
from responses import matchers

from lw.core.errors import ProviderError
from lw.providers.openwhisk.client import ControllerError, OpenWhiskClient
from lw.providers.openwhisk.credentials import Credentials

HOST = "https://ow.example.com"
AUTH = "uuid-1:secret-key"


def unsigned_jwt(claims: dict) -> str:
    """A JWT-shaped token: the IAM token manager only reads its expiry."""

    def part(doc: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


def make_client(**kw) -> tuple[OpenWhiskClient, list[float]]:
    slept: list[float] = []
    creds = Credentials(apihost=HOST, auth=AUTH, namespace="guest", source="lw.yml (openwhisk.auth)", **kw)
    return OpenWhiskClient(creds, sleep=slept.append, backoff=0.25), slept


@responses.activate
def test_basic_auth_header_and_json() -> None:
    expected = "Basic " + base64.b64encode(AUTH.encode()).decode()
    responses.get(
        f"{HOST}/api/v1/namespaces", json=["guest"], match=[matchers.header_matcher({"Authorization": expected})]
    )
    client, _ = make_client()
    assert client.request("GET", "/namespaces") == ["guest"]


@responses.activate
def test_429_is_retried_honoring_retry_after() -> None:
    url = f"{HOST}/api/v1/namespaces/guest/actions/p/a"
    responses.put(
        url,
        status=429,
        json={"error": "Too many requests in the last minute (count: 121, allowed: 120).", "code": "t1"},
        headers={"Retry-After": "7"},
    )
    responses.put(url, status=503, json={"error": "busy", "code": "t2"})
    responses.put(url, json={"name": "a"})
    client, slept = make_client()
    assert client.request("PUT", "/namespaces/guest/actions/p/a", body={}) == {"name": "a"}
    assert slept == [7.0, 0.5]


@responses.activate
def test_retries_give_up_with_the_controller_message_and_transaction() -> None:
    url = f"{HOST}/api/v1/namespaces/guest/triggers/t"
    for _ in range(5):
        responses.get(url, status=503, json={"error": "Service Unavailable", "code": "tx42"})
    client, slept = make_client()
    with pytest.raises(ControllerError) as caught:
        client.request("GET", "/namespaces/guest/triggers/t")
    assert (
        str(caught.value)
        == "OpenWhisk GET /api/v1/namespaces/guest/triggers/t failed: HTTP 503: Service Unavailable (transaction tx42)"
    )
    assert len(slept) == 4


@responses.activate
def test_controller_errors_become_one_line() -> None:
    responses.put(
        f"{HOST}/api/v1/namespaces/guest/actions/p/a",
        status=400,
        json={"error": "The request content was malformed:\nmissing exec", "code": "abc"},
    )
    client, slept = make_client()
    with pytest.raises(ControllerError) as caught:
        client.request("PUT", "/namespaces/guest/actions/p/a", body={})
    assert "\n" not in str(caught.value) and "malformed: missing exec (transaction abc)" in str(caught.value)
    assert caught.value.status == 400 and caught.value.code == "abc" and slept == []


@responses.activate
def test_wrong_key_names_namespace_and_host() -> None:
    responses.get(
        f"{HOST}/api/v1/namespaces", status=401, json={"error": "The supplied authentication is invalid", "code": "x"}
    )
    client, _ = make_client()
    with pytest.raises(ProviderError) as caught:
        client.request("GET", "/namespaces")
    assert str(caught.value) == (
        f"authentication failed for namespace guest at {HOST} (check the key from lw.yml (openwhisk.auth))"
    )


@responses.activate
def test_missing_ok_turns_404_into_none() -> None:
    responses.get(
        f"{HOST}/api/v1/namespaces/guest/packages/p",
        status=404,
        json={"error": "The requested resource does not exist.", "code": "c"},
    )
    client, _ = make_client()
    assert client.request("GET", "/namespaces/guest/packages/p", missing_ok=True) is None


def test_unreachable_host_is_one_clear_line() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    creds = Credentials(apihost=f"http://127.0.0.1:{port}", auth=AUTH)
    with pytest.raises(ProviderError) as caught:
        OpenWhiskClient(creds).info()
    message = str(caught.value)
    assert message.startswith(f"cannot reach OpenWhisk at http://127.0.0.1:{port}: ")
    assert "\n" not in message and "object at 0x" not in message


@responses.activate
def test_tls_failure_suggests_ca_bundle_or_insecure() -> None:
    responses.get(f"{HOST}/", body=requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    client, _ = make_client()
    with pytest.raises(
        ProviderError,
        match=r"TLS verification failed .*self-signed certificate \(for a self-signed certificate set openwhisk.ca_bundle",
    ):
        client.info()


def test_tls_settings_reach_the_session(tmp_path) -> None:
    assert make_client()[0].session.verify is True
    assert make_client(insecure=True)[0].session.verify is False
    bundle = tmp_path / "ca.pem"
    assert make_client(ca_bundle=str(bundle))[0].session.verify == str(bundle)


@responses.activate
def test_iam_api_key_gives_a_bearer_token_through_the_same_path() -> None:
    token = unsigned_jwt({"iat": int(time.time()), "exp": int(time.time()) + 3600})
    responses.post(
        "https://iam.cloud.ibm.com/identity/token",
        json={
            "access_token": token,
            "refresh_token": "r",
            "token_type": "Bearer",
            "expires_in": 3600,
            "expiration": 4102444800,
        },
    )
    responses.get(
        f"{HOST}/api/v1/namespaces",
        json=["ns-guid"],
        match=[matchers.header_matcher({"Authorization": f"Bearer {token}"})],
    )
    creds = Credentials(apihost=HOST, auth=None, namespace="ns-guid", iam_api_key="my-iam-key")
    assert OpenWhiskClient(creds).request("GET", "/namespaces") == ["ns-guid"]


@responses.activate
def test_failed_blocking_invoke_reports_the_action_error() -> None:
    responses.post(
        f"{HOST}/api/v1/namespaces/whisk.system/actions/alarms/alarm",
        status=502,
        json={"activationId": "a1", "response": {"success": False, "result": {"error": "bad cron"}}},
    )
    client, _ = make_client()
    with pytest.raises(ControllerError, match="HTTP 502: bad cron"):
        client.request("POST", "/namespaces/whisk.system/actions/alarms/alarm", params={"blocking": True}, body={})


@responses.activate
def test_iam_token_failure_is_one_line() -> None:
    responses.post(
        "https://iam.cloud.ibm.com/identity/token",
        status=400,
        json={"errorMessage": "Provided API key could not be found"},
    )
    creds = Credentials(apihost=HOST, auth=None, namespace="ns-guid", iam_api_key="bad-key")
    with pytest.raises(ProviderError, match="could not get an IAM token") as caught:
        OpenWhiskClient(creds).request("GET", "/namespaces")
    assert "\n" not in str(caught.value)


@responses.activate
def test_a_post_that_may_have_run_is_not_retried() -> None:
    """After a 504 a blocking invoke may already have run: running `manage migrate` twice is worse than an error."""
    url = f"{HOST}/api/v1/namespaces/guest/actions/p/events"
    responses.post(url, status=504, json={"error": "The action exceeded its time limits", "code": "tx9"})
    client, slept = make_client()
    with pytest.raises(ControllerError, match="HTTP 504"):
        client.request("POST", "/namespaces/guest/actions/p/events", body={})
    assert slept == [] and len(responses.calls) == 1


@responses.activate
def test_a_post_refused_before_running_is_retried() -> None:
    url = f"{HOST}/api/v1/namespaces/guest/actions/p/events"
    responses.post(url, status=429, json={"error": "Too many requests", "code": "t1"})
    responses.post(url, json={"ok": True})
    client, _ = make_client()
    assert client.request("POST", "/namespaces/guest/actions/p/events", body={}) == {"ok": True}
