"""Turning botocore failures into one-line ``ProviderError`` messages.

botocore's own messages are long and name the operation, not the resource the user
cares about; every AWS call that can fail for a user-facing reason goes through
``aws_call`` so the message names what lw was doing and to which resource.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from lw.core.credentials import redact
from lw.core.errors import ProviderError

T = TypeVar("T")

_CREDENTIALS_HINT = "set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError (empty for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def is_not_found(exc: BaseException) -> bool:
    code = error_code(exc)
    return (
        code
        in {
            "ResourceNotFoundException",
            "NoSuchEntity",
            "NotFoundException",
            "NoSuchBucket",
            "NotFound",
            "404",
        }
        or code.endswith("NotFound")
        or code.endswith("NotFoundException")
    )


def aws_message(exc: BaseException) -> str:
    """The first line of AWS's message, with anything Lambda echoes back removed: its
    "environment variables too large" error quotes every variable (secrets included)
    after ``String measured:``, and this text ends up in terminals and CI logs."""
    response = getattr(exc, "response", None) or {}
    lines = str((response.get("Error") or {}).get("Message") or "").strip().splitlines()
    if not lines:
        return ""
    return redact(lines[0])


def to_provider_error(action: str, resource: str, exc: BaseException) -> ProviderError:
    """A one-line error naming ``action`` on ``resource`` and the AWS reason."""
    import botocore.exceptions as bex

    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        return ProviderError(f"{action} {resource}: no AWS credentials found", hint=_CREDENTIALS_HINT)
    if isinstance(exc, bex.ProfileNotFound):
        return ProviderError(f"{action} {resource}: {exc}")
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError)):
        return ProviderError(f"{action} {resource}: cannot reach AWS ({exc})")
    if isinstance(exc, bex.ClientError):
        code = error_code(exc)
        message = aws_message(exc)
        detail = f"{code}: {message}" if message else code
        if code in {"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException"}:
            return ProviderError(
                f"{action} {resource}: AWS rejected the credentials ({detail})", hint=_CREDENTIALS_HINT
            )
        if code in {"AccessDenied", "AccessDeniedException"}:
            return ProviderError(f"{action} {resource}: access denied ({detail})")
        return ProviderError(f"{action} {resource}: {detail}")
    if isinstance(exc, bex.BotoCoreError):
        return ProviderError(f"{action} {resource}: {exc}")
    raise exc


def aws_call(action: str, resource: str, call: Callable[[], T]) -> T:
    """Run ``call``; botocore failures become a ``ProviderError`` naming the resource."""
    import botocore.exceptions as bex

    try:
        return call()
    except (bex.BotoCoreError, bex.ClientError) as exc:
        raise to_provider_error(action, resource, exc) from exc


def read_or_none(resource: str, call: Callable[[], T], *, action: str = "read") -> T | None:
    """A read that returns ``None`` when the resource does not exist: how lw discovers
    state, since there is no local record of what was created."""
    import botocore.exceptions as bex

    try:
        return call()
    except bex.ClientError as exc:
        if is_not_found(exc):
            return None
        raise to_provider_error(action, resource, exc) from exc
    except bex.BotoCoreError as exc:
        raise to_provider_error(action, resource, exc) from exc


def readable_changes(changes: list[Any]) -> list[Any]:
    """Make each change's writes fail with AWS's own code and message (``ServiceException:
    …``) instead of botocore's sentence; ``apply_plan`` adds the step and the resource."""
    for change in changes:
        if change.apply is not None and not getattr(change.apply, "_lw_readable", False):
            change.apply = _readable(change.apply)
    return changes


def _readable(apply: Callable[[Any], Any]) -> Callable[[Any], Any]:
    import botocore.exceptions as bex

    def run(outputs: Any) -> Any:
        try:
            return apply(outputs)
        except bex.ClientError as exc:
            code = error_code(exc)
            message = aws_message(exc)
            raise ProviderError(f"{code}: {message}" if message else code) from exc
        except bex.NoCredentialsError as exc:
            raise ProviderError("no AWS credentials found", hint=_CREDENTIALS_HINT) from exc
        except bex.BotoCoreError as exc:
            raise ProviderError(str(exc).splitlines()[0]) from exc

    run._lw_readable = True  # type: ignore[attr-defined]
    return run
