"""One boto3 session per command, honoring the standard AWS configuration.

Profile and region follow the usual precedence (command line, then ``lw.yml``, then
the environment), and ``AWS_ENDPOINT_URL`` is honored by botocore itself, so moto and
LocalStack work with no lw-specific switch. Clients are cached per service because
creating one costs tens of milliseconds, which adds up over a plan's many reads.

Retries use botocore's ``standard`` mode unless the user chose a mode
(``AWS_RETRY_MODE`` or ``retry_mode`` in the profile): the ``legacy`` default does not
retry every throttling and transient error AWS documents. API Gateway clients also
wait out the control plane's slower quotas (see ``backoff``).
"""

from __future__ import annotations

import copy
import os
import threading
from typing import Any, Callable

from lw.core.context import Context
from lw.core.errors import ProviderError

DEFAULT_REGION = "us-east-1"


class AwsSession:
    """Clients for one account and region, created lazily."""

    def __init__(self, *, profile: str | None = None, region: str | None = None) -> None:
        import boto3
        import botocore.exceptions

        try:
            self._session = boto3.Session(profile_name=profile or None, region_name=region or None)
        except botocore.exceptions.ProfileNotFound as exc:
            raise ProviderError(f"AWS profile {profile!r} not found in ~/.aws/config or ~/.aws/credentials") from exc
        self.profile = profile
        self.region: str = self._session.region_name or DEFAULT_REGION
        self._clients: dict[str, Any] = {}
        self._account_id: str | None = None
        self._lock = threading.Lock()
        self.progress: Callable[[str], None] | None = None  # where waits are reported
        self.memo: dict[str, Any] = {}  # reads shared by the hooks of one command
        self._client_config = self._retry_config()

    def _retry_config(self) -> Any:
        """``standard`` retries unless the environment or the profile names a mode;
        the number of attempts stays whatever the user configured (botocore's 3)."""
        from botocore.config import Config

        configured = os.environ.get("AWS_RETRY_MODE") or self._session._session.get_scoped_config().get("retry_mode")
        return None if configured else Config(retries={"mode": "standard"})

    @classmethod
    def from_context(cls, ctx: Context, *, region: str | None = None) -> "AwsSession":
        """``--profile``/``--region`` win over ``profile_name``/``aws_region`` in lw.yml,
        which win over ``AWS_PROFILE``/``AWS_REGION``/``AWS_DEFAULT_REGION``; an explicit
        ``region`` (one of a global stage's ``regions``) wins over all of them."""
        app = ctx.app
        profile = ctx.option("profile") or app.setting("profile_name") or os.environ.get("AWS_PROFILE")
        region = (
            region
            or ctx.option("region")
            or app.setting("aws_region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        aws = cls(profile=profile, region=region)
        aws.progress = ctx.reporter.progress
        return aws

    def for_region(self, region: str) -> "AwsSession":
        """The same account and profile in another region (a global stage's regions).

        Siblings share the boto3 session, whose loaded service models make each new
        client three times cheaper than from a fresh session, and its lock, because a
        boto3 session must not create clients from several threads at once (the
        regions are planned concurrently). The account id is not asked for again."""
        sibling = copy.copy(self)
        sibling.region = region
        sibling._clients = {}
        sibling.memo = {}
        return sibling

    def client(self, service_name: str) -> Any:
        """The cached client for ``service_name`` in this session's region."""
        client = self._clients.get(service_name)
        if client is None:
            from lw.providers.aws.backoff import wrap

            with self._lock:
                client = self._session.client(service_name, region_name=self.region, config=self._client_config)
            client = wrap(service_name, client, lambda message: self.progress and self.progress(message))
            self._clients[service_name] = client
        return client

    @property
    def account_id(self) -> str:
        """The caller's account id, asked once (STS) and only when an ARN needs it."""
        if self._account_id is None:
            from lw.providers.aws.errors import aws_call

            identity = aws_call("read caller identity", "sts", lambda: self.client("sts").get_caller_identity())
            self._account_id = str(identity["Account"])
        return self._account_id

    @property
    def partition(self) -> str:
        return partition_of(self.region)


def partition_of(region: str) -> str:
    """The ARN partition a region belongs to (China and GovCloud have their own)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
