"""The one place that speaks HTTP to the OpenWhisk controller.

Everything a user can get wrong about a connection (wrong key, wrong host, a
self-signed certificate, a busy controller) is turned here into a one-line
``ProviderError``, so no module above it ever sees a requests exception.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping
from urllib.parse import quote

import requests

from lw.core.credentials import redact
from lw.core.errors import ProviderError
from lw.providers.openwhisk.credentials import Credentials

API_PREFIX = "/api/v1"
# 429 and 503 mean the request was not run, so any method may be retried; after a 500
# or 504 a POST (a blocking invoke, a feed lifecycle call) may already have run, so
# only the idempotent methods are retried then.
RETRY_ALWAYS = frozenset({429, 503})
RETRY_IDEMPOTENT = frozenset({500, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD"})
DEFAULT_TIMEOUT = (10.0, 70.0)
DEFAULT_BACKOFF = 0.5  # seconds, doubled per attempt unless the controller sends Retry-After  # blocking invocations wait up to 60 s on the controller


class SdkCoreAuth(requests.auth.AuthBase):
    """Adapts an ibm-cloud-sdk-core authenticator (Basic or IAM bearer) to requests,
    so both credential kinds take the same path and IAM tokens refresh on their own."""

    def __init__(self, authenticator: Any) -> None:
        self.authenticator = authenticator

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        carrier: dict[str, Any] = {"headers": {}}
        try:
            self.authenticator.authenticate(carrier)
        except Exception as exc:  # the SDK's ApiException and friends: keep them to one line
            kind = "an IAM token" if type(self.authenticator).__name__.startswith("IAM") else "credentials"
            raise ProviderError(f"could not get {kind} for OpenWhisk: {' '.join(str(exc).split())[:200]}") from None
        request.headers.update(carrier["headers"])
        return request


def make_auth(credentials: Credentials) -> SdkCoreAuth:
    from ibm_cloud_sdk_core.authenticators import BasicAuthenticator, IAMAuthenticator

    if credentials.iam_api_key:
        return SdkCoreAuth(IAMAuthenticator(credentials.iam_api_key, disable_ssl_verification=credentials.insecure))
    uuid, _, key = (credentials.auth or "").partition(":")
    try:
        return SdkCoreAuth(BasicAuthenticator(uuid, key))
    except ValueError as exc:
        reason = redact(str(exc), (credentials.auth, key, credentials.iam_api_key))
        raise ProviderError(
            f"OpenWhisk auth from {credentials.source or 'configuration'} is invalid: {reason}"
        ) from None


class OpenWhiskClient:
    """A thin, retrying JSON client for ``{APIHOST}/api/v1``."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        session: requests.Session | None = None,
        retries: int = 4,
        backoff: float | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.session = session or requests.Session()
        self.session.verify = credentials.verify
        self.session.headers["User-Agent"] = "lw-openwhisk"
        self.auth = make_auth(credentials)
        self.retries = retries
        self.backoff = DEFAULT_BACKOFF if backoff is None else backoff
        self.timeout = timeout
        self.sleep = sleep
        self.namespace = credentials.namespace

    @property
    def apihost(self) -> str:
        return self.credentials.apihost

    # ------------------------------------------------------------------ raw calls

    def info(self) -> dict[str, Any]:
        """``GET {APIHOST}/``: unauthenticated cluster facts (kinds and limits)."""
        return self._send("GET", self.apihost + "/", auth=False, what="cluster info")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """Call ``/api/v1{path}``; a 404 gives ``None`` when ``missing_ok``."""
        return self._send(method, self.apihost + API_PREFIX + path, params=params, body=body, missing_ok=missing_ok)

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        auth: bool = True,
        missing_ok: bool = False,
        what: str | None = None,
    ) -> Any:
        label = what or f"{method} {url.removeprefix(self.apihost)}"
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    params={k: _query_value(v) for k, v in (params or {}).items()},
                    json=body,
                    auth=self.auth if auth else None,
                    timeout=self.timeout,
                )
            except requests.exceptions.SSLError as exc:
                raise ProviderError(
                    f"TLS verification failed for OpenWhisk at {self.apihost}: {_reason(exc)}",
                    hint="for a self-signed certificate set openwhisk.ca_bundle: <path> or openwhisk.insecure: true",
                ) from None
            except requests.exceptions.Timeout:
                if attempt < self.retries and method == "GET":
                    attempt += 1
                    self.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                raise ProviderError(f"OpenWhisk at {self.apihost} did not answer {label} in time") from None
            except requests.exceptions.ConnectionError as exc:
                raise ProviderError(f"cannot reach OpenWhisk at {self.apihost}: {_reason(exc)}") from None
            except requests.exceptions.RequestException as exc:
                raise ProviderError(f"OpenWhisk request {label} failed: {_reason(exc)}") from None
            if attempt < self.retries and _retryable(response.status_code, method):
                attempt += 1
                self.sleep(_retry_delay(response, self.backoff * 2 ** (attempt - 1)))
                continue
            return self._decode(response, label, missing_ok)

    def _decode(self, response: requests.Response, label: str, missing_ok: bool) -> Any:
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status == 401:
            raise ProviderError(
                f"authentication failed for namespace {self.namespace} at {self.apihost}",
                hint=f"check the key from {self.credentials.source or 'your configuration'}",
            )
        if status == 204:
            return {}
        if 200 <= status < 300:
            try:
                return response.json() if response.content else {}
            except ValueError:
                raise ProviderError(
                    f"OpenWhisk answered {label} with a body that is not JSON (HTTP {status})"
                ) from None
        raise ControllerError.from_response(response, label)


class ControllerError(ProviderError):
    """An ``{"error", "code"}`` answer, kept as one line with its transaction code."""

    def __init__(self, message: str, *, status: int, error: str, code: str | None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.code = code
        self.body = body

    @classmethod
    def from_response(cls, response: requests.Response, label: str) -> "ControllerError":
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        error = ""
        code = None
        if isinstance(body, dict):
            raw_error = body.get("error")
            if raw_error is None:  # a failed blocking invoke answers with the activation
                result = (body.get("response") or {}).get("result")
                raw_error = result.get("error", result) if isinstance(result, dict) else result
            if isinstance(raw_error, dict):
                raw_error = raw_error.get("error", raw_error)
            error = "" if raw_error is None else str(raw_error)
            code = body.get("code")
        if not error:
            error = (response.text or response.reason or "").strip()
        error = " ".join(error.split())[:300]
        suffix = f" (transaction {code})" if code not in (None, "") else ""
        return cls(
            f"OpenWhisk {label} failed: HTTP {response.status_code}: {error}{suffix}",
            status=response.status_code,
            error=error,
            code=str(code) if code is not None else None,
            body=body,
        )


def path_of(*parts: str) -> str:
    """Quote entity names for a URL path (names may contain spaces and @)."""
    return "/" + "/".join(quote(p, safe="@") for p in parts)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _retry_delay(response: requests.Response, default: float) -> float:
    header = response.headers.get("Retry-After")
    if not header:
        return default
    try:
        return min(max(float(header), 0.0), 60.0)
    except ValueError:
        pass
    try:
        return min(max(parsedate_to_datetime(header).timestamp() - time.time(), 0.0), 60.0)
    except (TypeError, ValueError):
        return default


def _reason(exc: Exception) -> str:
    """The innermost cause, without urllib3's object reprs, on one line."""
    inner: Any = exc.args[0] if exc.args else exc
    text = str(getattr(inner, "reason", None) or inner)
    text = re.sub(r"<[^>]+>:?\s*", "", text)
    return " ".join(text.split())[:200]


def _retryable(status: int, method: str) -> bool:
    return status in RETRY_ALWAYS or (status in RETRY_IDEMPOTENT and method.upper() in IDEMPOTENT_METHODS)
