"""Cold-start preparation: read the embedded settings, build the environment, import the app.

Everything here runs once per container. Heavy modules (``json``, ``importlib``,
``boto3``) are imported inside the functions that need them so that ``make_handler``
users who wrap an app by hand never load them.
"""

from __future__ import annotations

import os

# Re-exported: both have always been part of this module's interface.
from lw.runtime.lookup import SettingsError as SettingsError
from lw.runtime.lookup import resolve as resolve
from lw.runtime.lookup import split_dotted as split_dotted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping


def load_settings(path: str) -> dict[str, Any]:
    import json

    try:
        with open(path, "rb") as handle:
            settings = json.loads(handle.read())
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise SettingsError(f"settings file {path} is not valid JSON: {exc}") from None
    if not isinstance(settings, dict):
        raise SettingsError(f"settings file {path} must hold a JSON object")
    return settings


def apply_environment(settings: Mapping[str, Any]) -> None:
    """``environment_variables``, then ``remote_env``, then ``${ssm:..}``/``${secretsmanager:..}``.

    Done before the app is imported because apps read their configuration at import.
    """
    for key, value in (settings.get("environment_variables") or {}).items():
        os.environ[str(key)] = str(value)
    if settings.get("django_settings"):
        os.environ["DJANGO_SETTINGS_MODULE"] = str(settings["django_settings"])
    remote = settings.get("remote_env")
    if remote:
        for key, value in load_remote_env(str(remote)).items():
            os.environ[key] = value
    resolve_secret_references(os.environ)


def load_remote_env(url: str) -> dict[str, str]:
    """The JSON object stored at ``s3://bucket/key.json``, as environment strings."""
    import json

    if not url.startswith("s3://") or "/" not in url[5:]:
        raise SettingsError(f"remote_env must look like s3://bucket/key.json, got {url!r}")
    bucket, _, key = url[5:].partition("/")
    try:
        import boto3

        body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        raise SettingsError(f"cannot read remote_env {url}: {exc}") from None
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise SettingsError(f"remote_env {url} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SettingsError(f"remote_env {url} must hold a JSON object of variables")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in document.items()}


_REFERENCE_KINDS = ("ssm", "secretsmanager")


def resolve_secret_references(environ: Any) -> None:
    """Replace ``${ssm:/path}`` and ``${secretsmanager:name}`` inside variable values.

    Resolved once at cold start so secrets never sit in the function's configuration;
    a missing secret fails init loudly rather than running with a literal placeholder.
    """
    clients: dict[str, Any] = {}
    for key, value in list(environ.items()):
        if "${" not in value:
            continue
        environ[key] = _substitute(key, value, clients)


def _substitute(name: str, value: str, clients: dict[str, Any]) -> str:
    out = []
    position = 0
    while True:
        start = value.find("${", position)
        if start < 0:
            out.append(value[position:])
            return "".join(out)
        end = value.find("}", start)
        kind, _, ref = value[start + 2 : end].partition(":") if end > 0 else ("", "", "")
        if end < 0 or kind not in _REFERENCE_KINDS or not ref:
            out.append(value[position : start + 2])
            position = start + 2
            continue
        out.append(value[position:start])
        out.append(_fetch_secret(name, kind, ref, clients))
        position = end + 1


def _fetch_secret(name: str, kind: str, ref: str, clients: dict[str, Any]) -> str:
    try:
        client = clients.get(kind)
        if client is None:
            import boto3

            client = clients[kind] = boto3.client(kind)
        if kind == "ssm":
            return str(client.get_parameter(Name=ref, WithDecryption=True)["Parameter"]["Value"])
        secret = client.get_secret_value(SecretId=ref)
        return str(secret["SecretString"] if "SecretString" in secret else secret["SecretBinary"].decode())
    except Exception as exc:
        raise SettingsError(f"environment variable {name}: cannot resolve ${{{kind}:{ref}}}: {exc}") from None


def load_app(settings: Mapping[str, Any]) -> Callable[..., Any] | None:
    """The WSGI/ASGI app the settings name, or ``None`` for an events-only stage."""
    if settings.get("django_settings"):
        os.environ["DJANGO_SETTINGS_MODULE"] = str(settings["django_settings"])
        if not settings.get("app_function"):
            from django.core.wsgi import get_wsgi_application

            django_app: Callable[..., Any] = get_wsgi_application()
            return django_app
    function = settings.get("app_function")
    if not function:
        return None
    app: Callable[..., Any] = resolve(str(function))
    return app


def prepare(settings_path: str) -> tuple[Any, dict[str, Any]]:
    """``(app, options)`` for a deployed handler; never raises.

    Any failure is logged with its traceback and recorded as ``init_error`` so that HTTP
    requests get a 500 while event functions and remote commands (useful to debug the
    very failure) keep working.
    """
    from lw.runtime.logs import log_exception, set_level
    from lw.runtime.shim import merge_options

    try:
        settings = load_settings(settings_path)
    except Exception as exc:
        log_exception(f"lw cannot start: {exc}")
        return None, {"init_error": str(exc)}
    options = merge_options(settings)
    # The package's own folder: the only place ``lw invoke`` may find functions to call.
    options["project_root"] = os.path.dirname(os.path.abspath(settings_path))
    set_level(settings.get("log_level"))
    try:
        from lw.runtime.tasks import configure as configure_tasks

        configure_tasks(settings)
        apply_environment(settings)
    except Exception as exc:
        log_exception(f"lw cannot prepare the environment: {exc}")
        options["init_error"] = str(exc)
        return None, options
    try:
        app = load_app(settings)
    except (Exception, SystemExit) as exc:  # a misbehaving import may call sys.exit
        where = settings.get("app_function") or settings.get("django_settings")
        log_exception(f"lw could not import the app {where!r}: {type(exc).__name__}: {exc}")
        options["init_error"] = f"app {where!r} failed to import: {type(exc).__name__}: {exc}"
        return None, options
    return app, options
