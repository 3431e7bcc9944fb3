"""The keys of the ``aws:`` block that only this provider knows.

Most AWS keys (``memory_size``, ``role_arn``, ``apigateway``…) are top-level settings
declared by the core, and the ``aws:`` block may override any of them; these are the
few that exist only inside the block.
"""

from __future__ import annotations

from lw.core.packaging.archive import SizeLimits
from lw.core.provider import OptionSpec, SettingSpec

AWS = ("aws",)

BLOCK_SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "function_url_auth",
        (str,),
        "NONE",
        "Auth type of the Function URL: `NONE` (public) or `AWS_IAM` (SigV4-signed callers only).",
        AWS,
        choices=("NONE", "AWS_IAM"),
    ),
    SettingSpec(
        "lambda_concurrency", (int,), None, "Zappa's name for `reserved_concurrency`; used when that is not set.", AWS
    ),
)

# Top-level keys only the AWS provider honors (Zappa's names).
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "num_retained_versions",
        (int,),
        None,
        "Keep only this many newest published versions (at least 2); default: keep all.",
        AWS,
    ),
    SettingSpec(
        "usage_plan",
        (dict,),
        None,
        "Limits of the `api_key_required` key's usage plan: `throttle: {rate, burst}` (requests per "
        "second, bucket size) and `quota: {limit, period}` (period `DAY`, `WEEK` or `MONTH`).",
        AWS,
    ),
    SettingSpec(
        "domain_endpoint_type",
        (str,),
        "REGIONAL",
        "Endpoint of the `domain` lw certify creates: `REGIONAL` (certificate in the stage's region) or "
        "`EDGE` (CloudFront, certificate in us-east-1; REST APIs only).",
        AWS,
        choices=("REGIONAL", "EDGE"),
    ),
    SettingSpec(
        "alb",
        (dict,),
        None,
        "An Application Load Balancer front door (Zappa's `alb_enabled`): `subnets` (two or more), "
        "`security_groups`, `certificate_arn` (HTTPS; without it the listener is plain HTTP), `internal`, "
        "`listener_port` (443 with a certificate, else 80), `ssl_policy`, `multi_value_headers` (default "
        "true); or `listener_arn` with `path_patterns`, `host_headers` and `priority` to add one rule to a "
        "load balancer you already have. See docs/aws.md.",
        AWS,
    ),
)

# Command-line options of every lw command, for this provider (``ctx.option(name)``).
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("region", "AWS region (overrides aws_region)."),
    OptionSpec("profile", "AWS profile (overrides profile_name)."),
)

# Distributions the Lambda Python runtime already ships; never packaged. The packaging
# engine keeps their dependencies (urllib3, jmespath...) only if something else needs them.
# Distributions the Lambda Python runtime already has. Their own dependencies
# (jmespath, python-dateutil, six, urllib3) are dropped too when nothing else in the
# package needs them, so an app that pins its own urllib3 for requests keeps it.
PROVIDED_PACKAGES: tuple[str, ...] = ("boto3", "botocore", "s3transfer")

_MB = 1024 * 1024
# Lambda: 50 MB for a zip uploaded directly with the API (larger ones go through S3),
# 250 MB unzipped, function and layers together.
LIMITS = SizeLimits(zipped_bytes=50 * _MB, unpacked_bytes=250 * _MB, label="AWS Lambda")
