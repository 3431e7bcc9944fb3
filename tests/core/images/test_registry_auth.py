"""The registry client's authentication and transport rules, against a strict double
(``responses``: an unexpected call fails the test). The challenge/token exchange
follows the distribution token spec: a 401 names the realm, service and scope; the
client asks the realm, with basic credentials if it has any, and retries with the
token. TLS is required everywhere but loopback, and credentials never leak."""

from __future__ import annotations

import base64

import pytest
import responses
from responses import matchers

from lw.core.errors import ProviderError
from lw.core.images import RegistryCredentials
from lw.core.images.registry import RegistryClient, parse_challenge

HOST = "registry.example.com"
BLOB = "sha256:" + "a" * 64
CHALLENGE = f'Bearer realm="https://auth.example.com/token",service="{HOST}",scope="repository:team/app:pull"'


def client(credentials: RegistryCredentials | None = None, **options: object) -> RegistryClient:
    return RegistryClient(HOST, credentials, pause=lambda seconds: None, **options)  # type: ignore[arg-type]


def test_challenge_parsing() -> None:
    scheme, params = parse_challenge(CHALLENGE)
    assert scheme == "bearer"
    assert params == {"realm": "https://auth.example.com/token", "service": HOST, "scope": "repository:team/app:pull"}


@responses.activate
def test_bearer_flow_with_basic_credentials_then_token() -> None:
    url = f"https://{HOST}/v2/team/app/blobs/{BLOB}"
    responses.head(url, status=401, headers={"WWW-Authenticate": CHALLENGE})
    basic = "Basic " + base64.b64encode(b"AWS:pw").decode()
    responses.get(
        "https://auth.example.com/token",
        match=[
            matchers.query_param_matcher({"service": HOST, "scope": "repository:team/app:pull"}),
            matchers.header_matcher({"Authorization": basic}),
        ],
        json={"token": "T1"},
    )
    responses.head(url, status=200, match=[matchers.header_matcher({"Authorization": "Bearer T1"})])
    c = client(RegistryCredentials("AWS", "pw"))
    assert c.blob_exists("team/app", BLOB)
    # the token is reused for the same scope: no second round trip to the realm
    responses.head(url, status=200, match=[matchers.header_matcher({"Authorization": "Bearer T1"})])
    assert c.blob_exists("team/app", BLOB)
    assert len([call for call in responses.calls if "auth.example.com" in call.request.url]) == 1


@responses.activate
def test_anonymous_token_for_public_pulls() -> None:
    url = f"https://{HOST}/v2/team/app/manifests/latest"
    responses.head(url, status=401, headers={"WWW-Authenticate": CHALLENGE})
    responses.get("https://auth.example.com/token", json={"access_token": "anon"})
    responses.head(url, status=200, headers={"Docker-Content-Digest": BLOB})
    assert client().manifest_digest("team/app", "latest") == BLOB
    assert "Authorization" not in responses.calls[1].request.headers


@responses.activate
def test_basic_challenge_sends_the_credentials() -> None:
    url = f"https://{HOST}/v2/"
    responses.get(url, status=401, headers={"WWW-Authenticate": 'Basic realm="x"'})
    responses.get(
        url,
        status=200,
        match=[matchers.header_matcher({"Authorization": "Basic " + base64.b64encode(b"u:p").decode()})],
    )
    client(RegistryCredentials("u", "p")).ping()


@responses.activate
def test_a_refused_token_is_one_line_without_the_password() -> None:
    responses.get(f"https://{HOST}/v2/", status=401, headers={"WWW-Authenticate": CHALLENGE})
    responses.get("https://auth.example.com/token", status=401)
    with pytest.raises(ProviderError) as caught:
        client(RegistryCredentials("AWS", "topsecret")).ping()
    assert str(caught.value) == f"registry {HOST}: the token service refused user 'AWS' (401)"


@responses.activate
def test_server_errors_are_retried_then_reported() -> None:
    url = f"https://{HOST}/v2/team/app/tags/list"
    responses.get(url, status=503)
    responses.get(url, status=200, json={"tags": ["b", "a"]})
    assert client().tags("team/app") == ["a", "b"]
    responses.replace(responses.GET, url, status=503)
    with pytest.raises(ProviderError, match=r"listing the tags of team/app failed \(503"):
        client(retries=2).tags("team/app")


@responses.activate
def test_chunked_upload_sends_ranges_then_closes_with_the_digest() -> None:
    responses.post(
        f"https://{HOST}/v2/team/app/blobs/uploads/",
        status=202,
        headers={"Location": "/v2/team/app/blobs/uploads/u1?_state=s0"},
    )
    ranges: list[str] = []

    def patch(request):  # noqa: ANN001
        ranges.append(request.headers["Content-Range"])
        return 202, {"Location": f"/v2/team/app/blobs/uploads/u1?_state=s{len(ranges)}"}, ""

    responses.add_callback(responses.PATCH, f"https://{HOST}/v2/team/app/blobs/uploads/u1", callback=patch)
    responses.put(
        f"https://{HOST}/v2/team/app/blobs/uploads/u1",
        status=201,
        match=[matchers.query_param_matcher({"_state": "s3", "digest": BLOB})],
    )
    sent: list[int] = []
    client(chunk_size=4).upload_blob("team/app", BLOB, iter([b"0123", b"4567", b"89"]), 10, on_sent=sent.append)
    assert ranges == ["0-3", "4-7", "8-9"]
    assert sum(sent) == 10
    assert not responses.calls[-1].request.body  # the closing PUT carries no data


# ------------------------------------------------------------------ attack tests: TLS and leaks


def test_plain_http_registry_urls_are_refused() -> None:
    with pytest.raises(ProviderError, match="without a scheme"):
        RegistryClient("http://registry.example.com")


@responses.activate
def test_a_token_realm_over_plain_http_is_refused() -> None:
    """A registry (or a man in the middle of one) naming an http:// realm would get the
    basic credentials in clear text: lw refuses before sending them."""
    responses.get(
        f"https://{HOST}/v2/",
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="http://evil.example.com/token",service="x"'},
    )
    with pytest.raises(ProviderError, match="refusing the token service at http://evil.example.com"):
        client(RegistryCredentials("AWS", "pw")).ping()
    assert all("evil" not in call.request.url for call in responses.calls)


@responses.activate
def test_a_redirect_to_plain_http_is_refused() -> None:
    responses.get(
        f"https://{HOST}/v2/team/app/blobs/{BLOB}", status=307, headers={"Location": "http://cdn.example.com/blob"}
    )
    with pytest.raises(ProviderError, match="refusing a redirect to http://cdn.example.com"):
        client().get_blob("team/app", BLOB)


@responses.activate
def test_the_registry_token_never_follows_a_redirect_to_another_host() -> None:
    data = b"x"
    digest = "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    responses.get(f"https://{HOST}/v2/team/app/blobs/{digest}", status=401, headers={"WWW-Authenticate": CHALLENGE})
    responses.get("https://auth.example.com/token", json={"token": "T1"})
    responses.get(
        f"https://{HOST}/v2/team/app/blobs/{digest}",
        status=307,
        headers={"Location": "https://bucket.s3.example.com/blob?sig=1"},
    )
    responses.get("https://bucket.s3.example.com/blob", body=data)
    assert client(RegistryCredentials("AWS", "pw")).get_blob("team/app", digest) == data
    assert "Authorization" not in responses.calls[-1].request.headers


@responses.activate
def test_an_upload_location_on_plain_http_is_refused() -> None:
    responses.post(
        f"https://{HOST}/v2/team/app/blobs/uploads/", status=202, headers={"Location": "http://evil.example.com/up"}
    )
    with pytest.raises(ProviderError, match="refusing an upload location at http://evil.example.com"):
        client().upload_blob("team/app", BLOB, iter([b"x"]), 1)


@responses.activate
def test_a_blob_that_does_not_match_its_digest_is_refused() -> None:
    responses.get(f"https://{HOST}/v2/team/app/blobs/{BLOB}", body=b"tampered")
    with pytest.raises(ProviderError, match="does not match its digest"):
        client().get_blob("team/app", BLOB)


def test_loopback_may_use_plain_http_only() -> None:
    from lw.core.images.reference import is_loopback

    assert is_loopback("127.0.0.1:5000") and is_loopback("localhost") and is_loopback("[::1]:5000")
    assert not is_loopback("127.0.0.1.example.com") and not is_loopback("registry.example.com:5000")


@responses.activate
def test_a_big_upload_shows_progress_on_a_terminal() -> None:
    import io

    from lw.core.context import Reporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    reporter = Reporter(stream=screen)
    reporter.interactive = True  # CI sets CI=1, which turns progress off
    responses.post(f"https://{HOST}/v2/team/app/blobs/uploads/", status=202, headers={"Location": "/up/1"})
    responses.patch(f"https://{HOST}/up/1", status=202, headers={"Location": "/up/1"})
    responses.put(f"https://{HOST}/up/1", status=201)
    size = 3 * 8 * 1024 * 1024
    chunks = iter([b"\0" * (8 * 1024 * 1024)] * 3)
    client(reporter=reporter).upload_blob("team/app", BLOB, chunks, size, label="dependencies layer")
    assert "uploading dependencies layer: " in screen.getvalue() and "24/24 MB" in screen.getvalue()


def test_ecr_authorization_token_decodes_to_basic_credentials() -> None:
    token = base64.b64encode(b"AWS:eyJwYXlsb2Fk").decode()
    creds = RegistryCredentials.from_basic_token(token)
    assert (creds.username, creds.password) == ("AWS", "eyJwYXlsb2Fk")
    assert "eyJwYXlsb2Fk" not in repr(creds)
    for bad in ("not base64!", base64.b64encode(b"no-colon").decode()):
        with pytest.raises(ValueError):
            RegistryCredentials.from_basic_token(bad)


def test_registry_credentials_from_the_environment_then_docker_config(tmp_path) -> None:
    import json

    from lw.core.images import registry_credentials

    env = {"LW_REGISTRY_USERNAME": "ci", "LW_REGISTRY_PASSWORD": "pw", "DOCKER_CONFIG": str(tmp_path)}
    assert registry_credentials(HOST, env) == RegistryCredentials("ci", "pw")
    env = {"DOCKER_CONFIG": str(tmp_path)}
    assert registry_credentials(HOST, env).is_anonymous  # no config.json
    auth = base64.b64encode(b"dev:secret").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {f"https://{HOST}": {"auth": auth}}}))
    assert registry_credentials(HOST, env) == RegistryCredentials("dev", "secret")
    assert registry_credentials("other.example.com", env).is_anonymous


@responses.activate
def test_a_dropped_part_resumes_from_what_the_registry_kept() -> None:
    """The registry kept the first 2 bytes of the second part before the connection
    dropped: lw asks (GET on the upload), then sends only the missing 2 bytes."""
    import requests

    responses.post(f"https://{HOST}/v2/team/app/blobs/uploads/", status=202, headers={"Location": "/up/1"})
    ranges: list[str] = []
    calls = {"n": 0}

    def patch(request):  # noqa: ANN001
        calls["n"] += 1
        ranges.append(request.headers["Content-Range"])
        if calls["n"] == 2:
            raise requests.ConnectionError("connection reset")
        return 202, {"Location": "/up/1"}, ""

    responses.add_callback(responses.PATCH, f"https://{HOST}/up/1", callback=patch)
    responses.get(f"https://{HOST}/up/1", status=204, headers={"Range": "0-5", "Location": "/up/1"})
    responses.put(f"https://{HOST}/up/1", status=201)
    sent: list[int] = []
    client(chunk_size=4).upload_blob("team/app", BLOB, iter([b"01234567", b"89"]), 10, on_sent=sent.append)
    assert ranges == ["0-3", "4-7", "6-7", "8-9"]


def test_ci_registry_credentials_never_go_to_the_base_images_registry(tmp_path, monkeypatch) -> None:
    """``LW_REGISTRY_USERNAME``/``PASSWORD`` are the stage's ``image_registry`` login: a
    base image on another registry (Docker Hub, a registry the base_image setting names)
    must not be sent them, only its own ``docker login`` entry."""
    import json

    from lw.core.images import ImageSpec
    from lw.providers.local.image import base_image_credentials

    monkeypatch.setenv("LW_REGISTRY_USERNAME", "ci")
    monkeypatch.setenv("LW_REGISTRY_PASSWORD", "pw")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    def spec(base: str | None, registry: str = HOST) -> ImageSpec:
        return ImageSpec(
            registry=registry, repository="team/app", tag="latest", base_image=base, platform="linux/amd64"
        )

    assert base_image_credentials(spec(None)) is None
    for base in ("python:3.12", "evil.example.net/x/python:3.12", "docker.io/library/python:3.12"):
        assert base_image_credentials(spec(base)) == RegistryCredentials.anonymous(), base
    assert base_image_credentials(spec(f"{HOST}/team/base:1")) == RegistryCredentials("ci", "pw")
    # Docker Hub's docker-login entry is keyed by its index URL
    auth = base64.b64encode(b"hub:secret").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": auth}}}))
    assert base_image_credentials(spec("python:3.12")) == RegistryCredentials("hub", "secret")


@responses.activate
@pytest.mark.parametrize("body", ["[]", "not json", '{"tags": "latest"}', '{"tags": [{"a": 1}]}'])
def test_a_tag_list_that_is_not_one_is_a_provider_error(body: str) -> None:
    responses.get(f"https://{HOST}/v2/team/app/tags/list", body=body)
    with pytest.raises(ProviderError, match="tag list"):
        client().tags("team/app")


@responses.activate
def test_a_redirect_loop_error_does_not_print_the_signed_url() -> None:
    url = f"https://{HOST}/v2/team/app/blobs/{BLOB}"
    signed = "https://blobs.example.com/x?X-Amz-Signature=SECRETSIG&X-Amz-Credential=AKIAEXAMPLE"
    responses.get(url, status=307, headers={"Location": signed})
    responses.get("https://blobs.example.com/x", status=307, headers={"Location": signed})
    with pytest.raises(ProviderError, match="too many redirects") as caught:
        client().get_blob("team/app", BLOB)
    assert "SECRETSIG" not in str(caught.value) and "AKIAEXAMPLE" not in str(caught.value)
