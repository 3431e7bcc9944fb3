"""``lw init --from-zappa``: turn ``zappa_settings.{json,yml,yaml,toml}`` into ``lw.yml``.

lw keeps Zappa's key names, so most settings carry over untouched. The rest are
either renamed to lw's equivalent or dropped; every drop produces a note, because a
setting that silently stops applying is the worst kind of migration bug.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from lw.core.config_events import ARN_KINDS
from lw.core.config_file import display_path
from lw.core.config_names import slugify
from lw.core.config_values import ARN
from lw.core.errors import ConfigError
from lw.core.settings_schema import CORE_SETTINGS

LW_KEYS = frozenset(spec.name for spec in CORE_SETTINGS)

# Zappa features lw does not have yet: the note says so and what to do meanwhile. Once
# one is supported, its key moves to RENAMED (converted) instead.
NOT_SUPPORTED_YET: dict[str, str] = {
    "async_source": "lw has no equivalent of Zappa's asynchronous @task yet; code calling zappa.asynchronous "
    "still needs Zappa: send that work to an SQS queue handled by an sqs event of this stage instead",
    "async_resources": "lw has no equivalent of Zappa's asynchronous @task yet, so it creates no SNS topic "
    "for it: send that work to an SQS queue handled by an sqs event of this stage instead",
    "alb_enabled": "lw serves HTTP through API Gateway (apigateway) or a Function URL (function_url), not an "
    "Application Load Balancer yet: keep one of those, or put your own ALB in front of the function",
    "alb_vpc_config": "lw does not create an Application Load Balancer yet (see alb_enabled)",
}

# Zappa-only keys with the reason lw does without them.
DROPPED_BECAUSE: dict[str, str] = {
    "use_precompiled_packages": "lw always installs manylinux wheels for the target",
    "lambda_handler": "lw generates its own entry point",
    "settings_file": "lw embeds its settings in the package",
    "include": "Zappa's include loads shared libraries; lw's include means something else (ship files that look like secrets)",
    "app_type": "lw detects WSGI or ASGI itself",
    "debug": "tracebacks go to the logs, never to the response",
    "delete_local_zip": "lw keeps its build in .lw/",
    "delete_s3_zip": "lw uploads packages itself",
    "callbacks": "use an lw plugin (lw_package_files, lw_after_deploy hooks)",
    "prebuild_script": "run it before lw deploy",
    "touch": "lw checks the deployment itself",
    "touch_path": "lw checks the deployment itself",
    "certificate": "import the certificate into ACM and set certificate_arn",
    "certificate_key": "import the certificate into ACM and set certificate_arn",
    "certificate_chain": "import the certificate into ACM and set certificate_arn",
    "lets_encrypt_key": "use an ACM certificate (certificate_arn)",
    "assume_policy": "lw's managed role trusts Lambda only",
    "aws_endpoint_urls": "set AWS_ENDPOINT_URL in the environment instead",
}

Converter = Callable[[Any], "dict[str, Any] | None"]


def _apigateway_enabled(value: Any) -> dict[str, Any] | None:
    return None if value else {"apigateway": False}


def _apigateway_version(value: Any) -> dict[str, Any] | None:
    return {"apigateway": "http" if str(value).lower() == "v2" else "rest"}


def _snap_start(value: Any) -> dict[str, Any]:
    return {"snap_start": str(value) == "PublishedVersions" or value is True}


def _ephemeral_storage(value: Any) -> dict[str, Any]:
    size = value.get("Size") if isinstance(value, Mapping) else value
    return {"ephemeral_storage": size}


def _exclude_glob(value: Any) -> dict[str, Any]:
    return {"exclude": list(value) if isinstance(value, list) else [value]}


def _slim_handler(value: Any) -> dict[str, Any] | None:
    """Zappa unpacks a big app from S3 at every cold start; lw ships it as a container
    image instead (docs/images.md), which starts faster and needs no /tmp space."""
    return {"package_type": "image"} if value is True or str(value).lower() == "true" else None


# Zappa key -> function giving the lw settings it becomes.
RENAMED: dict[str, Converter] = {
    "use_apigateway": _apigateway_enabled,
    "apigateway_enabled": _apigateway_enabled,
    "apigateway_version": _apigateway_version,
    "lambda_concurrency": lambda v: {"reserved_concurrency": v},
    "function_url_enabled": lambda v: {"function_url": bool(v)},
    "attach_policy": lambda v: {"iam_policy": v},
    "snap_start": _snap_start,
    "ephemeral_storage": _ephemeral_storage,
    "exclude_glob": _exclude_glob,
    "slim_handler": _slim_handler,
}

# Conversions that change how the app is deployed, not just a name: the note says how.
RENAME_NOTES: dict[str, str] = {
    "slim_handler": "became package_type: image (lw builds a container image, no Docker needed, instead of "
    "unpacking the dependencies from S3 at every cold start; see docs/images.md)",
}


def _load_toml(label: str, text: str) -> Any:
    """TOML through the standard library, which has a parser from Python 3.11 on."""
    try:
        import tomllib  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # Python 3.10
        raise ConfigError(
            f"{label}: reading a TOML Zappa settings file needs Python 3.11 or newer; "
            "convert it to zappa_settings.json or .yml"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{label}: TOML syntax error: {error}") from None


def read_zappa_settings(path: Path) -> dict[str, Any]:
    """The raw settings file, whatever its format."""
    label = display_path(path)
    if not path.is_file():
        raise ConfigError(f"{label}: no such file")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = _load_toml(label, text)
        elif suffix in (".yml", ".yaml"):
            data = yaml.safe_load(text)
        else:
            raise ConfigError(f"{label}: expected a .json, .yml, .yaml or .toml Zappa settings file")
    except json.JSONDecodeError as error:
        raise ConfigError(f"{label}:{error.lineno}:{error.colno}: JSON syntax error: {error.msg}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ConfigError(f"{label}{where}: YAML syntax error: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError(f"{label}: expected stage names mapped to settings, as Zappa writes them")
    return data


def _convert_events(stage: str, events: Any, notes: list[str]) -> list[Any]:
    kept: list[Any] = []
    for index, event in enumerate(events if isinstance(events, list) else []):
        source = event.get("event_source") if isinstance(event, Mapping) else None
        arn = source.get("arn") if isinstance(source, Mapping) else None
        match = ARN.fullmatch(arn) if isinstance(arn, str) else None
        if isinstance(arn, str) and (not match or match.group(1) not in ARN_KINDS):
            notes.append(
                f"stage '{stage}': events[{index}]: dropped: lw serves {', '.join(ARN_KINDS)} sources, not {arn}"
            )
            continue
        kept.append(event)
    return kept


def _convert_stage(stage: str, settings: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    converted: dict[str, Any] = {"provider": "aws"}
    remote_parts: dict[str, Any] = {}
    for key, value in settings.items():
        if key in ("remote_env_bucket", "remote_env_file"):
            remote_parts[key] = value
        elif key == "events":
            converted["events"] = _convert_events(stage, value, notes)
        elif key == "project_name":
            slug = slugify(str(value))
            if slug != value:
                notes.append(
                    f"stage '{stage}': project_name: {value!r} became {slug!r} "
                    "(lowercase letters, digits and '-'); remote resource names change"
                )
            converted["project_name"] = slug
        elif key in RENAMED:
            converted_to = RENAMED[key](value) or {}
            if key in RENAME_NOTES and converted_to:
                notes.append(f"stage '{stage}': {key}: {RENAME_NOTES[key]}")
            for new_key, new_value in converted_to.items():
                if new_key == "exclude":
                    converted["exclude"] = [*converted.get("exclude", []), *new_value]
                else:
                    converted[new_key] = new_value
        elif key in LW_KEYS and key != "include":
            if key == "exclude":
                converted["exclude"] = [*(value if isinstance(value, list) else [value]), *converted.get("exclude", [])]
            else:
                converted[key] = value
        elif key in NOT_SUPPORTED_YET:
            notes.append(f"stage '{stage}': {key}: dropped, not supported yet ({NOT_SUPPORTED_YET[key]})")
        else:
            reason = DROPPED_BECAUSE.get(key, "lw has no such setting")
            notes.append(f"stage '{stage}': {key}: dropped ({reason})")
    if remote_parts.get("remote_env_bucket") and remote_parts.get("remote_env_file") and "remote_env" not in converted:
        converted["remote_env"] = f"s3://{remote_parts['remote_env_bucket']}/{remote_parts['remote_env_file']}"
    return converted


def convert_with_notes(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The ``lw.yml`` content for a Zappa settings file, plus one note per change."""
    notes: list[str] = []
    data = read_zappa_settings(Path(path))
    config = {str(stage): _convert_stage(str(stage), settings, notes) for stage, settings in data.items()}
    return config, notes


def convert(path: Path) -> dict[str, Any]:
    """The ``lw.yml`` content for a Zappa settings file (notes: ``convert_with_notes``)."""
    return convert_with_notes(path)[0]
