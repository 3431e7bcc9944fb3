"""The keys of the ``local:`` block: how the local runtime runs the package."""

from __future__ import annotations

from typing import Any

from lw.core.model import AppModel
from lw.core.provider import OptionSpec, SettingSpec
from lw.core.scope import honoured_settings

LOCAL = ("local",)

BLOCK_SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "concurrency",
        (int,),
        2,
        "How many worker processes (Lambda execution environments) run at once; more requests queue.",
        LOCAL,
    ),
    SettingSpec(
        "port", (int,), None, "Port of the local URL on 127.0.0.1 (default: a free port); `--port` overrides it.", LOCAL
    ),
    SettingSpec(
        "health_check_path",
        (str,),
        "/",
        "Path requested once at deploy; an app that fails to start refuses the deploy, a 5xx answer is "
        "a warning with the traceback (the deploy stands, as on AWS, where nothing checks it).",
        LOCAL,
    ),
    SettingSpec(
        "init_timeout_seconds",
        (int,),
        60,
        "How long a worker may take to import the app before the deploy is refused.",
        LOCAL,
    ),
    SettingSpec(
        "front_door",
        (str,),
        "apigateway",
        "Events the local URL sends the function: `apigateway` (those of the stage's `apigateway` / "
        "`function_url` setting) or `alb` (an Application Load Balancer target group's, multi-value "
        "unless `alb.multi_value_headers` is false), to try an `alb:` stage locally.",
        LOCAL,
        choices=("apigateway", "alb"),
    ),
    SettingSpec(
        "client_timeout_seconds",
        (int, float),
        30,
        "Seconds a client has to send a whole request to the local URL; slower clients are cut off.",
        LOCAL,
    ),
)

# The core settings local acts on: the AWS package and the front doors it emulates;
# nothing pings a local function (keep_warm) and nothing here takes tags.
HONOURS = honoured_settings(
    without=("keep_warm", "keep_warm_expression", "tags"),
    plus=("apigateway", "function_url", "authorizer", "aws_region", "remote_env", "dependency_layer"),
)

# Command-line options of every lw command, for this provider (``ctx.option(name)``).
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("port", "Local provider: port to serve on (overrides the local: block's port).", int),
    OptionSpec("region", "AWS region the local function sees as AWS_REGION (overrides aws_region)."),
)

# What the local runtime provides besides the package, as Lambda's image does (see
# ``isolation``): the AWS SDK. What only it needs is left out too.
PROVIDED_PACKAGES: tuple[str, ...] = ("boto3", "botocore", "s3transfer")

_DEFAULTS = {spec.name: spec.default for spec in BLOCK_SETTINGS}


def local_setting(app: AppModel, key: str) -> Any:
    """A ``local:`` block key, falling back to its documented default (not to the
    top-level setting of the same name: ``port`` means nothing outside this block)."""
    block = app.settings.get("local") or {}
    value = block.get(key) if hasattr(block, "get") else None
    return _DEFAULTS[key] if value is None else value
