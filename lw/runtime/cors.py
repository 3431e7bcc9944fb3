"""CORS rules shared by the deployer (which writes them into API Gateway) and the runtime.

API Gateway answers preflights itself, but a REST API's proxy integration passes the
function's response through untouched, so the ``Access-Control-Allow-Origin`` of an
actual request must come from the function. Parsing the ``cors`` setting in one place
keeps what the gateway promises and what the function answers identical.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Api-Key")
DEFAULT_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
KNOWN_KEYS = frozenset(
    {
        "allowed_origin",
        "allowed_headers",
        "allowed_methods",
        "allow_credentials",
        "max_age",
        "expose_headers",
    }
)


def _names(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"cors.{key} must be a string or a list of strings")
    return tuple(value)


class CorsRules:
    """The normalised ``cors`` setting (``true`` means any origin, default headers and methods)."""

    __slots__ = ("origins", "headers", "methods", "credentials", "max_age", "expose_headers")

    def __init__(
        self,
        origins: tuple[str, ...] = ("*",),
        headers: tuple[str, ...] = DEFAULT_HEADERS,
        methods: tuple[str, ...] = DEFAULT_METHODS,
        credentials: bool = False,
        max_age: int | None = None,
        expose_headers: tuple[str, ...] = (),
    ) -> None:
        self.origins = origins
        self.headers = headers
        self.methods = methods
        self.credentials = credentials
        self.max_age = max_age
        self.expose_headers = expose_headers

    @classmethod
    def from_setting(cls, value: Any) -> CorsRules | None:
        """``None`` when CORS is off; ``ValueError`` naming the bad key otherwise."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if not isinstance(value, dict):
            raise ValueError("cors must be true, false or a mapping")
        unknown = sorted(set(value) - KNOWN_KEYS)
        if unknown:
            raise ValueError(f"cors has unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
        origins = _names(value.get("allowed_origin", "*"), "allowed_origin")
        headers = _names(value.get("allowed_headers", list(DEFAULT_HEADERS)), "allowed_headers")
        methods = tuple(
            m.upper() for m in _names(value.get("allowed_methods", list(DEFAULT_METHODS)), "allowed_methods")
        )
        expose = _names(value.get("expose_headers") or [], "expose_headers") if value.get("expose_headers") else ()
        credentials = value.get("allow_credentials", False)
        if not isinstance(credentials, bool):
            raise ValueError("cors.allow_credentials must be true or false")
        if credentials and "*" in origins:
            raise ValueError(
                "cors.allow_credentials needs explicit allowed_origin values: browsers refuse '*' with credentials"
            )
        max_age = value.get("max_age")
        if max_age is not None and (isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0):
            raise ValueError("cors.max_age must be a number of seconds")
        return cls(origins, headers, methods, credentials, max_age, expose)

    def allow_origin(self, request_origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` for a request from ``request_origin``."""
        if "*" in self.origins:
            return "*"
        if request_origin and request_origin in self.origins:
            return request_origin
        return None

    def response_headers(self, request_origin: str | None) -> list[tuple[str, str]]:
        """Headers for an actual (non-preflight) response; empty when the origin is not allowed."""
        origin = self.allow_origin(request_origin)
        if origin is None:
            # Any answer that depends on Origin must say so, or a shared cache could
            # hand this refusal to an allowed origin.
            return [("Vary", "Origin")]
        headers = [("Access-Control-Allow-Origin", origin)]
        if origin != "*":
            headers.append(("Vary", "Origin"))
        if self.credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return headers

    def add_to(self, headers: list[tuple[str, str]], request_origin: str | None) -> None:
        """Add the CORS headers unless the app already answered with its own CORS policy."""
        for name, _ in headers:
            if name.lower() == "access-control-allow-origin":
                return
        headers.extend(self.response_headers(request_origin))
