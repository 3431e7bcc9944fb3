"""Every top-level ``lw.yml`` key: one table drives validation, ``lw init`` and the docs.

Names follow Zappa's wherever Zappa has one, so a Zappa user's settings mean the same
thing here. Keeping the table as data (not as checks scattered in code) is what lets
``docs/configuration.md`` be regenerated and tested against it, so the docs cannot
drift from what the loader accepts.

Run ``python -m lw.core.settings_schema > docs/configuration.md`` to regenerate the
docs with the installed built-in providers' keys.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from lw.core.provider import ProviderInfo, SettingSpec

AWS = ("aws",)

CORE_SETTINGS: tuple[SettingSpec, ...] = (
    # ---------------------------------------------------------------- lw's own keys
    SettingSpec("provider", (str,), "aws", "Provider that deploys the stage; `--provider`/`LW_PROVIDER` override it."),
    SettingSpec(
        "extends",
        (str,),
        None,
        "Name of another stage whose settings this stage inherits; mappings are merged "
        "key by key, other values are replaced.",
    ),
    # ---------------------------------------------------------------- the app
    SettingSpec("app_function", (str,), None, "Dotted path of the WSGI or ASGI application object, e.g. `app.app`."),
    SettingSpec(
        "django_settings",
        (str,),
        None,
        "Dotted path of a Django settings module; the app is then Django's WSGI application. "
        "Exclusive with `app_function`.",
    ),
    SettingSpec(
        "project_name",
        (str,),
        None,
        "Prefix of every remote resource name (`<project>-<stage>`). Default: the project "
        "folder's name, slugified. Lowercase letters, digits and `-`, at most 40 characters.",
    ),
    SettingSpec(
        "exception_handler",
        (str,),
        None,
        "Dotted path of a function called with `(exception, event, context)` when the app or an event function raises.",
    ),
    SettingSpec(
        "environment_variables",
        (dict,),
        {},
        "Variables set in `os.environ` before the app is imported; embedded in the package. "
        "Values may be `${ssm:/path}` or `${secretsmanager:name}`, resolved at cold start.",
    ),
    SettingSpec(
        "remote_env",
        (str,),
        None,
        "`s3://bucket/key.json`: a flat JSON object loaded into the environment at cold start.",
        AWS,
    ),
    SettingSpec(
        "log_level",
        (str,),
        "INFO",
        "Level of the root logger in the deployed function.",
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
    ),
    SettingSpec("log_requests", (bool,), True, "Log one access line per HTTP request."),
    SettingSpec(
        "lifespan",
        (str,),
        "auto",
        "ASGI lifespan events at cold start: `auto` (skipped if the app has no lifespan "
        "support), `on` (a missing or failed startup answers every request with 500), `off`.",
        choices=("auto", "on", "off"),
    ),
    SettingSpec(
        "allow_raw_invoke",
        (bool,),
        False,
        "Let `lw invoke --raw` run arbitrary Python in the function. Off because it is a "
        "code-execution door. Without it `lw invoke` calls only plain functions of the "
        "project's own modules and `lw manage` only the commands in `manage_commands`.",
    ),
    SettingSpec(
        "manage_commands",
        (list,),
        None,
        "Management commands `lw manage` may run without `allow_raw_invoke`. Default: Django's "
        "non-interactive maintenance commands (check, clearsessions, collectstatic, "
        "createcachetable, findstatic, migrate, showmigrations, sqlmigrate, sqlsequencereset). "
        "shell, dbshell and runscript always need `allow_raw_invoke`.",
    ),
    SettingSpec(
        "events", (list,), [], "Event sources and schedules that call functions of the app; see *Events* below."
    ),
    SettingSpec("keep_warm", (bool,), True, "Ping the function on a schedule so one container stays warm."),
    SettingSpec(
        "keep_warm_expression", (str,), "rate(4 minutes)", "Schedule of the keep-warm ping: `rate(...)` or `cron(...)`."
    ),
    # ---------------------------------------------------------------- the function
    SettingSpec(
        "runtime",
        (str,),
        "python3.11",
        "Python runtime of the function, `python3.X`; dependencies are installed for it.",
    ),
    SettingSpec(
        "architecture",
        (str,),
        "x86_64",
        "CPU architecture; dependencies are installed as wheels for it.",
        choices=("x86_64", "arm64"),
    ),
    SettingSpec("memory_size", (int,), 512, "Memory of the function, in MB (128 to 10240)."),
    SettingSpec("timeout_seconds", (int,), 30, "Maximum run time of one invocation, in seconds (1 to 900)."),
    SettingSpec("ephemeral_storage", (int,), None, "Size of `/tmp` in MB (512 to 10240).", AWS),
    SettingSpec("reserved_concurrency", (int,), None, "Concurrency reserved for the function.", AWS),
    SettingSpec(
        "provisioned_concurrency",
        (int,),
        None,
        "Pre-initialised environments kept on the live alias (costs money while idle).",
        AWS,
    ),
    SettingSpec("snap_start", (bool,), False, "Enable Lambda SnapStart on published versions.", AWS),
    SettingSpec("lambda_description", (str,), None, "Description of the Lambda function.", AWS),
    SettingSpec(
        "dead_letter_arn",
        (str,),
        None,
        "ARN of an SNS topic or SQS queue receiving failed asynchronous invocations.",
        AWS,
    ),
    SettingSpec(
        "async_source",
        (str,),
        "lambda",
        "How `lw.tasks` starts a task on AWS: `lambda` (an asynchronous Invoke of the function's "
        "`live` alias) or `sns` (a message to the topic `<project>-<stage>-tasks`, subscribed to "
        "the function). See docs/tasks.md.",
        AWS,
        choices=("lambda", "sns"),
    ),
    SettingSpec(
        "async_resources",
        (bool,),
        True,
        "Create (and remove with the stage) the task topic and result table; `false`: they "
        "exist already under lw's names and lw only grants and wires them.",
        AWS,
    ),
    SettingSpec(
        "async_response_table",
        (bool,),
        False,
        "Keep `@task(capture_response=True)` results in the DynamoDB table `<project>-<stage>-tasks` "
        "(on-demand, items expire after a day through its TTL) for `lw.tasks.result`.",
        AWS,
    ),
    SettingSpec(
        "async_failure_destination",
        (str,),
        None,
        "ARN of an SQS queue or SNS topic that gets the task events that still fail after Lambda's "
        "two retries (the `live` alias's on-failure destination).",
        AWS,
    ),
    SettingSpec("xray_tracing", (bool,), False, "Enable AWS X-Ray active tracing.", AWS),
    SettingSpec("layers", (list,), [], "ARNs of Lambda layers to attach.", AWS),
    SettingSpec(
        "dependency_layer",
        (bool,),
        False,
        "Ship dependencies as a separate layer so that code-only updates upload only the app.",
        AWS,
    ),
    SettingSpec(
        "vpc_config", (dict,), None, "`SubnetIds` and `SecurityGroupIds` lists: run the function inside a VPC.", AWS
    ),
    SettingSpec(
        "aws_environment_variables",
        (dict,),
        {},
        "Native Lambda environment variables (visible in the console), merged with remote ones.",
        AWS,
    ),
    SettingSpec(
        "tags", (dict,), {}, "Tags added to every resource that takes tags, next to `lw:project` and `lw:stage`."
    ),
    # ---------------------------------------------------------------- packaging
    SettingSpec(
        "exclude",
        (list,),
        [],
        "Paths left out of the package, gitignore syntax (`/` anchors, `**` spans folders), on top of "
        "lw's defaults, the project's top-level `.gitignore` and `.lwignore`.",
    ),
    SettingSpec(
        "include",
        (list,),
        [],
        "Paths packaged even though they look like secrets (`.env`, `*.pem`, ...) or are git-ignored.",
    ),
    SettingSpec("s3_bucket", (str,), None, "Bucket used to upload packages too large for a direct upload.", AWS),
    SettingSpec(
        "package_type",
        (str,),
        None,
        "`zip` or `image` (a container image lw builds itself, no Docker needed; see docs/images.md). "
        "Unset: a zip, switched to an image with a note when the unzipped package exceeds the provider's "
        "limit (Lambda 250 MB, OpenWhisk 48 MB). Zappa's `slim_handler: true` converts to `image`.",
        choices=("zip", "image"),
    ),
    SettingSpec(
        "image_registry",
        (str,),
        None,
        "Where images are pushed: `host[:port][/prefix]`; the repository is `<prefix>/<project>-<stage>`. "
        "Default on AWS: the account's ECR. Plain HTTP only for 127.0.0.1/localhost, TLS anywhere else.",
    ),
    SettingSpec(
        "base_image",
        (str,),
        None,
        "Full reference of the image the app is layered on (`host/path:tag` or `@sha256:`). Default: "
        "AWS's public Lambda base image for `runtime` and `architecture`; on OpenWhisk the runtime image "
        "of the action's kind.",
    ),
    # ---------------------------------------------------------------- HTTP
    SettingSpec(
        "apigateway",
        (str, bool),
        "rest",
        "HTTP front door: `rest` (API Gateway REST API), `http` (HTTP API) or `false` (none).",
        AWS,
        choices=("rest", "http", False, True),
    ),
    SettingSpec("function_url", (bool,), False, "Create a Lambda Function URL.", AWS),
    SettingSpec(
        "binary_support",
        (bool,),
        True,
        "Return non-text responses base64-encoded so binary content survives the gateway.",
    ),
    SettingSpec(
        "additional_text_mimetypes", (list,), [], "Extra MIME types treated as text when `binary_support` is on."
    ),
    SettingSpec(
        "cors",
        (bool, dict),
        False,
        "`true`, or a mapping with `allowed_origin`, `allowed_headers`, `allowed_methods`, "
        "`allow_credentials`, `max_age`, `expose_headers`.",
    ),
    SettingSpec("base_path", (str,), None, "Path prefix the app is served under on a custom domain."),
    SettingSpec(
        "context_header_mappings",
        (dict,),
        {},
        "Request headers filled from the request context: `{Header-Name: dotted.path}`.",
    ),
    SettingSpec("domain", (str,), None, "Custom domain name of the API.", AWS),
    SettingSpec("certificate_arn", (str,), None, "ACM certificate of `domain`.", AWS),
    SettingSpec("api_key_required", (bool,), False, "Require an API key on every request.", AWS),
    SettingSpec("iam_authorization", (bool,), False, "Require SigV4-signed requests (IAM auth).", AWS),
    SettingSpec(
        "authorizer",
        (dict,),
        None,
        "Lambda authorizer: `function` or `arn`, `type`, `token_header`, `result_ttl`.",
        AWS,
    ),
    SettingSpec("cognito_user_pool", (str,), None, "ARN of a Cognito user pool authorizing requests.", AWS),
    SettingSpec("jwt_authorizer", (dict,), None, "JWT authorizer of an HTTP API: `issuer` and `audience`.", AWS),
    # ---------------------------------------------------------------- AWS account and identity
    SettingSpec("aws_region", (str,), None, "Region to deploy to (default: the profile's or `AWS_REGION`).", AWS),
    SettingSpec("regions", (list,), None, "Deploy the same stage to each of these regions.", AWS),
    SettingSpec("profile_name", (str,), None, "AWS credentials profile.", AWS),
    SettingSpec("manage_roles", (bool,), True, "Create and update the function's IAM role.", AWS),
    SettingSpec("role_name", (str,), None, "Name of the managed role (default `<project>-<stage>`).", AWS),
    SettingSpec("role_arn", (str,), None, "Existing role to use instead of a managed one.", AWS),
    SettingSpec(
        "extra_permissions", (list,), [], "IAM policy statements added to the managed role's minimal policy.", AWS
    ),
    SettingSpec(
        "iam_policy",
        (str, dict),
        None,
        "Policy document (or path to a JSON file) replacing the managed role's policy.",
        AWS,
    ),
)

EVENT_KEYS_DOC = """\
Each entry of `events` names a `function` (dotted path) and exactly one source:

| key | source | providers |
|---|---|---|
| `event_source` | `arn` of an S3 bucket, SNS topic, SQS queue, DynamoDB or Kinesis stream, plus `events` (S3, SNS), `key_filters` (S3), `filters` (SNS), `batch_size`, `batch_window`, `starting_position`, `enabled` | aws |
| `expression` | `rate(5 minutes)` or `cron(0 12 * * ? *)`, or a list of them (`expressions` also accepted) | all |
| `trigger` | name of a trigger you fire yourself | openwhisk |
| `feed` | fully qualified feed action (`/whisk.system/alarms/alarm`), with its `parameters` | openwhisk |

Optional keys: `name` (resource name suffix; default derived from the function, the kind and a
hash of the source), `description`, `enabled`, `kwargs`, and `providers: [aws]` (or `provider: aws`)
to send the event only to those providers.
"""


def all_top_level_settings(
    providers: Sequence[ProviderInfo], extra: Iterable[SettingSpec] = ()
) -> dict[str, SettingSpec]:
    """Core keys, then provider and plugin keys; the first declaration of a name wins so
    that no plugin can change what a core key means."""
    table: dict[str, SettingSpec] = {}
    for spec in (*CORE_SETTINGS, *(s for p in providers for s in p.settings), *extra):
        table.setdefault(spec.name, spec)
    return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (list, dict)) and not value:
        return "`[]`" if isinstance(value, list) else "`{}`"
    return f"`{value}`"


def _row(spec: SettingSpec, default_providers: str, infos: Sequence[ProviderInfo] = ()) -> str:
    if infos:  # the providers that honour the key (ProviderInfo.honours), not only its scope
        honouring = [p.name for p in infos if p.honours_setting(spec)]
        everyone = not spec.providers and len(honouring) == len(infos)
        # A key no listed provider honours still says where it applies (its scope).
        providers = default_providers if everyone else ", ".join(honouring or spec.providers)
    else:
        providers = ", ".join(spec.providers) or default_providers
    doc = spec.doc.replace("|", "\\|")
    if spec.choices:
        doc += " One of: " + ", ".join(_cell(c) for c in spec.choices) + "."
    return f"| `{spec.name}` | {spec.type_name} | {_cell(spec.default)} | {providers} | {doc} |"


def _table(specs: Iterable[SettingSpec], default_providers: str, infos: Sequence[ProviderInfo] = ()) -> list[str]:
    lines = ["| key | type | default | providers | meaning |", "|---|---|---|---|---|"]
    lines.extend(_row(spec, default_providers, infos) for spec in specs)
    return lines


def render_markdown(providers: Sequence[ProviderInfo]) -> str:
    """The text of ``docs/configuration.md`` for these providers."""
    ordered = sorted(providers, key=lambda p: p.name)
    lines = [
        "# Configuration: `lw.yml`",
        "",
        "<!-- Generated by `python -m lw.core.settings_schema > docs/configuration.md`; do not edit. -->",
        "",
        "`lw.yml` (YAML, or JSON) maps stage names to settings, as Zappa's `zappa_settings` does:",
        "",
        "```yaml",
        "dev:",
        "  app_function: app.app",
        "  memory_size: 1024",
        "prod:",
        "  extends: dev",
        "  aws:",
        "    memory_size: 2048",
        "```",
        "",
        "- `extends: <stage>` inherits another stage's settings (recursively; mappings are merged key by key).",
        "- `${env:NAME}` and `${env:NAME, default}` in any string are replaced by environment variables "
        "when the file is loaded. `${ssm:...}` and `${secretsmanager:...}` are left for the function to "
        "resolve at cold start.",
        "- A block named after a provider (`aws:`, `openwhisk:`, `local:`) holds that provider's own keys, and "
        "may override any top-level key for that provider only (the block's value replaces the top-level one, "
        "except `environment_variables`, which the block merges into the stage's key by key). "
        "The block of a provider that is not installed where lw runs is kept but not checked, so one file "
        "serves every machine.",
        "- The provider is `--provider`/`LW_PROVIDER`, else the stage's `provider`, else `aws`.",
        '- The "providers" column names the providers that honour a key. A key\'s default applies only '
        "there, and a stage that sets a key its provider ignores gets a warning when `lw deploy` plans "
        "(an error with `--strict`).",
        "- Every problem is reported at once, naming the file, stage and key; the exit status is 2.",
        "- `lw init` writes a first `lw.yml` for a Flask, FastAPI or Django project; "
        "`lw init --from-zappa zappa_settings.json` converts a Zappa project (same key names; "
        "each dropped key is noted in the file).",
        "- Dependencies come from `requirements.txt`, else from `pyproject.toml`'s `[project] dependencies` "
        "(optional extras are not installed), else there are none.",
        "",
        "## Top-level keys",
        "",
        *_table(all_top_level_settings(ordered).values(), "all", ordered),
        "",
        "## Events",
        "",
        EVENT_KEYS_DOC.rstrip("\n"),
    ]
    for info in ordered:
        lines += ["", f"## `{info.name}:` block", "", info.description, ""]
        if info.block_settings:
            lines += _table(info.block_settings, info.name)
        else:
            lines.append("This provider declares no keys of its own.")
    return "\n".join(lines) + "\n"


def builtin_provider_infos() -> list[ProviderInfo]:
    """The providers shipped with lw (third-party ones installed next to it are left out,
    so that the committed docs do not depend on what a developer installed)."""
    from lw.core.plugins import Providers, make_plugin_manager

    installed = Providers(make_plugin_manager()).all()
    return [p.info for p in installed if getattr(p.plugin, "__name__", "").startswith("lw.providers.")]


def main() -> None:
    print(render_markdown(builtin_provider_infos()), end="")


if __name__ == "__main__":
    main()
