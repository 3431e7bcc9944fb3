"""A small client for the OCI distribution API (what every registry speaks), on requests.

Why our own and not the ``oras`` SDK: see docs/images.md. In short, lw needs only
eight endpoints, but needs them with guarantees oras does not give: cross-repository
mounts, streaming a blob from one registry into another without a temp file, ECR's
basic auth next to the Bearer token flow, and a refusal of plain HTTP (for the
registry, its token realm and any redirect) anywhere but on this machine.

Authentication follows the registry's challenge: a ``401`` with
``WWW-Authenticate: Bearer realm=…,service=…,scope=…`` makes the client fetch a token
from the realm (with basic credentials when it has some, anonymously otherwise) and
retry; ``Basic`` makes it send the credentials. Tokens are cached per scope. The
``Authorization`` header only ever goes to the registry's own host and to the realm.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from lw.core.context import Reporter
from lw.core.errors import ProviderError
from lw.core.images import media
from lw.core.images.model import RegistryCredentials
from lw.core.images.reference import is_loopback

CHUNK_SIZE = 8 * 1024 * 1024  # ECR wants parts of at least 5 MiB (but the last)
RETRIES = 4
TIMEOUT = 60.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')
_MAX_REDIRECTS = 5
_LOOPBACK_SCHEMES: dict[str, str] = {}  # host:port -> scheme found by probing


@dataclass(frozen=True)
class Manifest:
    """A manifest or index as the registry served it (``body`` is what the digest covers)."""

    body: bytes
    media_type: str
    digest: str

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise ValueError("a manifest must be a JSON object")
        return data


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="…",service="…"`` -> ("bearer", {realm, service})."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _CHALLENGE_PARAM.finditer(rest)
    }
    return scheme.lower(), params


class RegistryClient:
    """One registry (``host[:port]``), one set of credentials.

    ``transfer`` is called with the number of bytes each upload request sent, so that
    callers can count what a push cost. Plain HTTP is used only for a loopback host
    that does not speak TLS; any other host must.
    """

    def __init__(
        self,
        registry: str,
        credentials: RegistryCredentials | None = None,
        *,
        reporter: Reporter | None = None,
        session: requests.Session | None = None,
        retries: int = RETRIES,
        chunk_size: int = CHUNK_SIZE,
        timeout: float = TIMEOUT,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        if "://" in registry or "/" in registry:
            raise ProviderError(f"registry {registry!r}: expected host[:port] without a scheme or path")
        self.registry = registry
        self.credentials = credentials or RegistryCredentials.anonymous()
        self.reporter = reporter or Reporter()
        self.session = session or requests.Session()
        self.retries = retries
        self.chunk_size = chunk_size
        self.timeout = timeout
        self.pause = pause
        self.loopback = is_loopback(registry)
        self._scheme: str | None = None if self.loopback else "https"
        self._tokens: dict[str, str] = {}
        self._basic = False

    # ------------------------------------------------------------ plumbing

    @property
    def base_url(self) -> str:
        if self._scheme is None:
            self._scheme = self._probe_scheme()
        return f"{self._scheme}://{self.registry}"

    def _probe_scheme(self) -> str:
        """A loopback registry may be plain HTTP (Docker allows it too); most local
        registries are, so HTTP is tried first. The answer is kept for the process."""
        known = _LOOPBACK_SCHEMES.get(self.registry)
        if known:
            return known
        scheme = "https"
        try:
            answer = self.session.get(f"http://{self.registry}/v2/", timeout=min(self.timeout, 5.0))
            if not (answer.status_code == 400 and "HTTPS" in answer.text):
                scheme = "http"
        except requests.RequestException:
            pass
        _LOOPBACK_SCHEMES[self.registry] = scheme
        return scheme

    def _check_url(self, url: str, what: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and is_loopback(parts.netloc):
            return
        raise ProviderError(
            f"registry {self.registry}: refusing {what} {parts.scheme}://{parts.netloc} "
            "(TLS is required except on 127.0.0.1/localhost)"
        )

    def _same_host(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base_url).netloc

    def _fail(self, what: str, response: requests.Response) -> ProviderError:
        detail = ""
        try:
            errors = response.json().get("errors") or []
            detail = "; ".join(f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") for e in errors[:3])
        except (ValueError, AttributeError):
            detail = response.text[:200].strip().replace("\n", " ")
        reason = f"{response.status_code} {detail or response.reason}".strip()
        return ProviderError(f"registry {self.registry}: {what} failed ({reason})")

    def _authorization(self, scope: str) -> dict[str, str]:
        token = self._tokens.get(scope)
        if token:
            return {"Authorization": f"Bearer {token}"}
        if self._basic and not self.credentials.is_anonymous:
            return {"Authorization": _basic_header(self.credentials)}
        return {}

    def _fetch_token(self, params: Mapping[str, str], scopes: Iterable[str]) -> str:
        realm = params.get("realm") or ""
        self._check_url(realm, "the token service at")
        query: list[tuple[str, str]] = []
        if params.get("service"):
            query.append(("service", params["service"]))
        query += [("scope", s) for s in scopes if s]
        auth = None
        if not self.credentials.is_anonymous:
            auth = (self.credentials.username or "", self.credentials.password or "")
        url = realm + ("&" if "?" in realm else "?") + urlencode(query)
        try:
            response = self.session.get(url, auth=auth, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise ProviderError(
                f"registry {self.registry}: cannot reach its token service ({exc.__class__.__name__})"
            ) from None
        if response.status_code in (401, 403):
            who = "anonymous access" if self.credentials.is_anonymous else f"user {self.credentials.username!r}"
            raise ProviderError(f"registry {self.registry}: the token service refused {who} ({response.status_code})")
        if response.status_code != 200:
            raise self._fail("token request", response)
        try:
            body = response.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise ProviderError(f"registry {self.registry}: the token service answered without a token")
        return token

    def _login(self, response: requests.Response, scope: str) -> bool:
        """Answer a 401 challenge; False when there is nothing more to try."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "bearer":
            if scope in self._tokens:  # the token we had was refused: one fresh try
                del self._tokens[scope]
                return False
            scopes = [*scope.split(), *params.get("scope", "").split()]
            self._tokens[scope] = self._fetch_token(params, dict.fromkeys(s for s in scopes if s))
            return True
        if scheme == "basic" and not self.credentials.is_anonymous and not self._basic:
            self._basic = True
            return True
        return False

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        scope: str,
        what: str,
        ok: Iterable[int] = (200,),
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        retries: int | None = None,
    ) -> requests.Response:
        """One API call with authentication, retries and redirect checks; ``ok`` lists
        the statuses returned to the caller (others raise ``ProviderError``).
        ``retries`` overrides the client's count (0: a caller that resumes by itself)."""
        limit = self.retries if retries is None else retries
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        self._check_url(url, "to talk to")
        accepted = set(ok)
        logins = 0
        attempt = 0
        while True:
            send = dict(headers or {})
            if self._same_host(url):
                send.update(self._authorization(scope))
            try:
                response = self._follow(method, url, send, data, params, stream)
            except requests.RequestException as exc:
                attempt += 1
                if attempt > limit:
                    raise ProviderError(
                        f"registry {self.registry}: {what} failed after {attempt} attempts ({exc.__class__.__name__})"
                    ) from None
                self.pause(min(0.5 * 2 ** (attempt - 1), 8.0))
                continue
            if response.status_code == 401 and logins < 2 and self._login(response, scope):
                logins += 1
                continue
            if response.status_code in accepted:
                return response
            if response.status_code in _RETRY_STATUSES and attempt < limit:
                attempt += 1
                wait = _retry_after(response) or min(0.5 * 2 ** (attempt - 1), 8.0)
                self.pause(wait)
                continue
            if response.status_code == 401:
                who = "anonymous access" if self.credentials.is_anonymous else f"user {self.credentials.username!r}"
                raise ProviderError(f"registry {self.registry}: {what}: {who} is not authorized (401)")
            raise self._fail(what, response)

    def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | None,
        params: Mapping[str, str] | None,
        stream: bool,
    ) -> requests.Response:
        """Redirects followed by hand: each hop must be TLS (or loopback), and the
        registry's Authorization header never leaves its host (a blob store's signed
        URL carries its own)."""
        for _ in range(_MAX_REDIRECTS + 1):
            response = self.session.request(
                method,
                url,
                headers=headers,
                data=data,
                params=params,
                stream=stream,
                timeout=self.timeout,
                allow_redirects=False,
            )
            if response.status_code not in (301, 302, 303, 307, 308) or method not in ("GET", "HEAD"):
                return response
            target = urljoin(url, response.headers.get("Location", ""))
            response.close()
            self._check_url(target, "a redirect to")
            if urlsplit(target).netloc != urlsplit(url).netloc:
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            url, params = target, None
        shown = urlsplit(url)  # a blob store's signed URL carries its credentials in the query
        raise ProviderError(
            f"registry {self.registry}: too many redirects for {shown.scheme}://{shown.netloc.rpartition('@')[2]}{shown.path}"
        )

    # ------------------------------------------------------------ the API

    def ping(self) -> None:
        """``GET /v2/``: is this a registry, and do the credentials work."""
        self.request("GET", "/v2/", scope="", what="checking the API", ok=(200,))

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """The manifest or index at a tag or digest; a digest reference is verified."""
        response = self._manifest_request("GET", repository, reference, "reading")
        if response.status_code == 404:
            raise ProviderError(f"registry {self.registry}: no image {repository}:{reference}")
        body = response.content
        digest = sha256_digest(body)
        if reference.startswith("sha256:") and digest != reference:
            raise ProviderError(f"registry {self.registry}: {repository}@{reference} came back with digest {digest}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            declared = json.loads(body).get("mediaType")
        except (ValueError, AttributeError):
            raise ProviderError(f"registry {self.registry}: {repository}:{reference} is not a JSON manifest") from None
        return Manifest(body=body, media_type=declared or media_type, digest=digest)

    def manifest_digest(self, repository: str, reference: str) -> str | None:
        """The digest a tag points at, or ``None`` when absent (``HEAD``, nothing read)."""
        response = self._manifest_request("HEAD", repository, reference, "checking")
        if response.status_code == 404:
            return None
        return response.headers.get("Docker-Content-Digest") or None

    def _manifest_request(self, method: str, repository: str, reference: str, doing: str) -> requests.Response:
        """``GET`` or ``HEAD`` of a manifest, 404 allowed. One place for both because
        the ``Accept`` list decides which manifest the registry picks (or converts to),
        so ``HEAD``'s digest only matches what ``GET`` returns when they send the same one."""
        return self.request(
            method,
            f"/v2/{repository}/manifests/{reference}",
            scope=_pull(repository),
            what=f"{doing} {repository}:{reference}",
            headers={"Accept": media.ACCEPT},
            ok=(200, 404),
        )

    def put_manifest(self, repository: str, tag: str, body: bytes, media_type: str) -> str:
        response = self.request(
            "PUT",
            f"/v2/{repository}/manifests/{tag}",
            scope=_push(repository),
            what=f"pushing the manifest {repository}:{tag}",
            headers={"Content-Type": media_type},
            data=body,
            ok=(201, 200),
        )
        digest = sha256_digest(body)
        answered = response.headers.get("Docker-Content-Digest")
        if answered and answered != digest:
            raise ProviderError(f"registry {self.registry}: stored the manifest as {answered}, expected {digest}")
        return digest

    def delete_manifest(self, repository: str, digest: str) -> bool:
        """Delete by digest; False when it was already gone."""
        response = self.request(
            "DELETE",
            f"/v2/{repository}/manifests/{digest}",
            scope=_push(repository, delete=True),
            what=f"deleting {repository}@{digest}",
            ok=(202, 200, 404),
        )
        return response.status_code != 404

    def tags(self, repository: str) -> list[str]:
        response = self.request(
            "GET",
            f"/v2/{repository}/tags/list",
            scope=_pull(repository),
            what=f"listing the tags of {repository}",
            ok=(200, 404),
        )
        if response.status_code == 404:
            return []
        try:
            found = response.json().get("tags") or []
        except (ValueError, AttributeError):
            found = None
        if not isinstance(found, list) or not all(isinstance(t, str) for t in found):
            raise ProviderError(f"registry {self.registry}: {repository}: the tag list is not a list of names")
        return sorted(found)

    def blob_exists(self, repository: str, digest: str) -> bool:
        response = self.request(
            "HEAD",
            f"/v2/{repository}/blobs/{digest}",
            scope=_pull(repository),
            what=f"checking blob {digest[:19]}",
            ok=(200, 404),
        )
        return response.status_code == 200

    def get_blob(self, repository: str, digest: str) -> bytes:
        """A small blob (a config) in memory, verified against its digest."""
        response = self.request(
            "GET", f"/v2/{repository}/blobs/{digest}", scope=_pull(repository), what=f"reading blob {digest[:19]}"
        )
        if sha256_digest(response.content) != digest:
            raise ProviderError(f"registry {self.registry}: blob {digest} does not match its digest")
        return response.content

    def open_blob(self, repository: str, digest: str) -> requests.Response:
        """A blob as a stream (the caller verifies the digest as it reads)."""
        return self.request(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            scope=_pull(repository),
            what=f"downloading blob {digest[:19]}",
            stream=True,
        )

    def mount_blob(self, repository: str, digest: str, source: str) -> bool:
        """Cross-repository mount: True when the registry linked ``digest`` from
        ``source`` into ``repository`` without any upload."""
        response = self.request(
            "POST",
            f"/v2/{repository}/blobs/uploads/",
            scope=_push(repository) + f" {_pull(source)}",
            what=f"mounting blob {digest[:19]} from {source}",
            params={"mount": digest, "from": source},
            ok=(201, 202),
        )
        if response.status_code == 201:
            return True
        location = response.headers.get("Location")
        if location:  # the registry opened an upload instead: close it
            try:
                self.request(
                    "DELETE",
                    urljoin(self.base_url + "/", location),
                    scope=_push(repository),
                    what="cancelling an upload",
                    ok=(204, 200, 202, 404, 405),
                )
            except ProviderError:
                pass
        return False

    def upload_blob(
        self,
        repository: str,
        digest: str,
        chunks: Iterator[bytes],
        size: int,
        *,
        label: str = "",
        on_sent: Callable[[int], None] | None = None,
    ) -> None:
        """Upload ``chunks`` (``size`` bytes in all) as ``digest``: ``PATCH`` parts of
        ``chunk_size`` (the last one shorter), then an empty ``PUT ?digest=`` that closes
        the upload, which is how Docker pushes and what every registry accepts (ECR takes
        no monolithic ``PUT`` with a body). The registry verifies the digest; progress
        goes to a terminal."""
        scope = _push(repository)
        what = f"uploading {label or digest[:19]}"
        start = self.request("POST", f"/v2/{repository}/blobs/uploads/", scope=scope, what=what, ok=(202,))
        location = self._location(start, what)
        progress = _Progress(self.reporter, label or digest[:19], size)
        sent = 0
        pending = b""

        def send(part: bytes) -> None:
            nonlocal location, sent
            location = self._patch(location, scope, what, part, sent)
            sent += len(part)
            if on_sent:
                on_sent(len(part))
            progress.update(sent)

        for chunk in chunks:
            pending += chunk
            while len(pending) >= self.chunk_size:
                part, pending = pending[: self.chunk_size], pending[self.chunk_size :]
                send(part)
        if pending:
            send(pending)
        if sent != size:
            raise ProviderError(f"registry {self.registry}: {what}: read {sent} bytes, expected {size}")
        separator = "&" if "?" in location else "?"
        self.request(
            "PUT",
            f"{location}{separator}{urlencode({'digest': digest})}",
            scope=scope,
            what=what,
            headers={"Content-Type": "application/octet-stream", "Content-Length": "0"},
            data=b"",
            ok=(201, 204),
        )
        progress.update(sent, done=True)

    def _patch(self, location: str, scope: str, what: str, part: bytes, offset: int) -> str:
        """Send one part; after a failure, ask the registry how much it kept (``GET`` on
        the upload: ``Range: 0-<last byte>``) and send only the rest, so that a dropped
        connection neither restarts a layer nor sends a byte twice."""
        attempt = 0
        while True:
            try:
                response = self.request(
                    "PATCH",
                    location,
                    scope=scope,
                    what=what,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Range": f"{offset}-{offset + len(part) - 1}",
                        "Content-Length": str(len(part)),
                    },
                    data=part,
                    ok=(202, 204),
                    retries=0,
                )
                return self._location(response, what, default=location)
            except ProviderError:
                attempt += 1
                if attempt > self.retries:
                    raise
                self.pause(min(0.5 * 2 ** (attempt - 1), 8.0))
                status = self.request("GET", location, scope=scope, what=f"{what} (resuming)", ok=(204, 200))
                location = self._location(status, what, default=location)
                received = _received(status.headers.get("Range", ""))
                if received > offset:
                    part, offset = part[received - offset :], received
                if not part:
                    return location

    def _location(self, response: requests.Response, what: str, default: str | None = None) -> str:
        location = response.headers.get("Location") or default
        if not location:
            raise ProviderError(f"registry {self.registry}: {what}: the registry gave no upload location")
        url = urljoin(self.base_url + "/", location)
        self._check_url(url, "an upload location at")
        return url


class _Progress:
    """``uploading app layer 12/140 MB`` on a terminal, at most every second."""

    def __init__(self, reporter: Reporter, label: str, size: int) -> None:
        self.reporter = reporter
        self.label = label
        self.size = size
        self.last = 0.0

    def update(self, sent: int, done: bool = False) -> None:
        if not self.reporter.interactive or self.size < CHUNK_SIZE:
            return
        now = time.monotonic()
        if not done and now - self.last < 1.0:
            return
        self.last = now
        mb = 1024 * 1024
        self.reporter.progress(f"uploading {self.label}: {sent / mb:.0f}/{self.size / mb:.0f} MB")


def _pull(repository: str) -> str:
    return f"repository:{repository}:pull"


def _push(repository: str, delete: bool = False) -> str:
    return f"repository:{repository}:pull,push" + (",delete" if delete else "")


def _basic_header(credentials: RegistryCredentials) -> str:
    import base64

    raw = f"{credentials.username}:{credentials.password or ''}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _received(header: str) -> int:
    """Bytes an upload holds, from its status' ``Range: 0-<last byte>``; no header (or
    one lw cannot read) counts as nothing kept, so the part is sent whole again."""
    match = re.fullmatch(r"(?:bytes=)?0-(\d+)", header.strip())
    return int(match.group(1)) + 1 if match else 0


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), 30.0)
    except ValueError:
        return None
