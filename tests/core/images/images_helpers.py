"""Small builds and extras for the image tests: no pip, no project scan."""

from __future__ import annotations

import json
from pathlib import Path

from lw.core import entry
from lw.core.artifact import Build
from lw.core.context import Context
from lw.core.model import AppModel
from lw.core.packaging.rules import DEPENDENCIES_MARKER

APP = """
import json
import tinydep


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"message": MESSAGE, "dep": tinydep.VERSION, "path": environ["PATH_INFO"]}).encode()]


MESSAGE = "%s"
"""


def make_build(root: Path, *, message: str = "v1", deps_key: str = "deps-k1", dep_version: str = "1.0") -> Build:
    """A neutral build as ``build_neutral`` lays it out: dependencies installed in
    ``deps/<key>/`` (here a one-module ``tinydep``), the package folder holding both."""
    deps_dir = root / "deps" / deps_key
    deps_dir.mkdir(parents=True, exist_ok=True)
    dependencies = {
        "tinydep/__init__.py": f"VERSION = {dep_version!r}\n".encode(),
        "tinydep-1.0.dist-info/METADATA": b"Name: tinydep\nVersion: 1.0\n",
    }
    for rel, data in dependencies.items():
        (deps_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (deps_dir / rel).write_bytes(data)
    (deps_dir / DEPENDENCIES_MARKER).write_text(json.dumps({"notes": [], "sizes": []}))
    package = root / "package"
    for rel, data in dependencies.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_bytes(data)
    (package / "app.py").write_text(APP % message)
    return Build(
        root=package,
        app_files=1,
        dependency_files=len(dependencies),
        dependency_dir=deps_dir,
        dependency_paths=frozenset(dependencies),
    )


def app_model(root: Path) -> AppModel:
    return AppModel(
        project_name="demo",
        stage="dev",
        provider="aws",
        project_dir=root,
        config_file=root / "lw.yml",
        app_function="app.app",
        settings={"apigateway": "http"},
    )


def extras(root: Path) -> list[tuple[str, bytes]]:
    """What the AWS package adds: lw's runtime, ``lw_handler.py``, the settings."""
    module = entry.entry_module(
        "lw_handler.py", runtime_module="aws", factory="handler_from_settings", attribute="handler", what="test"
    )
    return entry.package_files(Context(app=app_model(root)), module)


def http_event(path: str = "/hello") -> dict[str, object]:
    """An HTTP API (v2) event, as API Gateway sends it."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "example.com", "user-agent": "test"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
            "requestId": "r1",
            "stage": "$default",
            "domainName": "example.com",
            "accountId": "123456789012",
            "apiId": "api",
            "routeKey": "$default",
            "time": "01/Jan/2024:00:00:00 +0000",
            "timeEpoch": 1704067200000,
        },
        "isBase64Encoded": False,
    }
