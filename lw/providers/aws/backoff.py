"""The schedules for AWS answers that outlast botocore's own retries, and the API
Gateway client that waits out its control plane's quotas.

botocore's ``standard`` mode retries throttling a few times within seconds. Some AWS
refusals last longer than that: API Gateway's control plane allows about one
``DeleteRestApi`` or ``CreateDomainName`` per 30 seconds per account, and S3 refuses a
bucket notification until the Lambda permission written just before it has
propagated. This module says how long to wait for each and which answers pass; the
waiting itself is ``waits.retry_while``, lw's one retry primitive (tests replace
``waits.sleep``; ``LW_AWS_WAIT_SCALE`` shrinks every pause).
"""

from __future__ import annotations

from typing import Any, Callable

from lw.providers.aws.errors import aws_message, error_code
from lw.providers.aws.waits import retry_while

# About three minutes in all: long enough for a 30-second quota window to pass
# several times over (other tools and deploys share the account's quota).
API_GATEWAY_DELAYS: tuple[float, ...] = (2, 5, 10, 20, 30, 30, 30, 30, 30)
# Another service (S3 validating a notification's destination, Elastic Load Balancing
# registering a target) sees a new Lambda permission only once it has propagated,
# usually within seconds (Zappa retries S3 for a similar span).
LAMBDA_PERMISSION_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 15, 30)

_API_GATEWAY_SERVICES = ("apigateway", "apigatewayv2")
# ConflictException is also what a genuine duplicate returns ("already exists");
# only the concurrent-modification kind goes away by waiting.
_TRANSIENT_CONFLICT = ("concurrent modification", "try again")


def api_gateway_transient(exc: BaseException) -> str | None:
    """Why an API Gateway refusal is worth waiting out, or ``None`` when it is not."""
    code = error_code(exc)
    if code == "TooManyRequestsException":
        return "API Gateway's control-plane rate limit"
    if code == "ConflictException" and any(m in aws_message(exc).lower() for m in _TRANSIENT_CONFLICT):
        return "a concurrent API Gateway change"
    return None


class QuotaAwareClient:
    """An API Gateway client whose operations wait out the control plane's quotas.

    Everything else (``exceptions``, ``meta``, paginators, waiters) is the wrapped
    client's own. Only mutating operations are wrapped: reads are cheap, and
    botocore's retries cover their throttling."""

    def __init__(self, client: Any, progress: Callable[[str], None] | None = None) -> None:
        self._client = client
        self._progress = progress
        self._operations = set(client.meta.method_to_api_mapping)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name not in self._operations or name.startswith(("get_", "list_")):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            return retry_while(
                lambda: attribute(*args, **kwargs),
                api_gateway_transient,
                delays=API_GATEWAY_DELAYS,
                progress=self._progress,
                what=f"API Gateway {self._client.meta.method_to_api_mapping[name]}",
            )

        return call


def wrap(service_name: str, client: Any, progress: Callable[[str], None] | None = None) -> Any:
    """``client`` itself, or a quota-aware one for the API Gateway services."""
    return QuotaAwareClient(client, progress) if service_name in _API_GATEWAY_SERVICES else client
