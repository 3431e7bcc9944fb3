"""The generated entry modules of lw/core/entry.py run the shipped runtime copy, alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lw.core.entry import SETTINGS_FILE, runtime_files
from lw.providers.aws.package import entry_module as aws_entry_module
from lw.providers.openwhisk.plugin import ENTRY_MODULE as OPENWHISK_ENTRY_MODULE

from .conftest import APPS

SCRIPT = """
import json, sys
sys.path[:0] = [%(root)r, %(apps)r]
import %(module)s as entry
print(json.dumps(entry.%(attr)s(%(event)s)))
print(json.dumps(sorted(m for m in sys.modules if m == "lw" or m.startswith("lw."))))
print(entry.__file__)
"""


def build_package(tmp_path: Path, entry: tuple[str, bytes], **settings) -> Path:
    root = tmp_path / "pkg"
    for name, data in [*runtime_files(), entry]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    document = {
        "project_name": "shop",
        "stage": "dev",
        "app_function": "rt_flask_app.app",
        "log_requests": True,
        "events": [],
    }
    document.update(settings)
    (root / SETTINGS_FILE).write_text(json.dumps(document))
    return root


def run(root: Path, module: str, attr: str, event: str) -> list[str]:
    code = SCRIPT % {"root": str(root), "apps": str(APPS), "module": module, "attr": attr, "event": event}
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_lambda_entry_module(tmp_path):
    root = build_package(tmp_path, aws_entry_module())
    event = json.dumps(
        {
            "version": "2.0",
            "rawPath": "/hello",
            "rawQueryString": "",
            "headers": {"host": "h"},
            "requestContext": {"http": {"method": "GET", "sourceIp": "1.2.3.4"}, "stage": "$default"},
        }
    )
    log_line, result, modules, where = run(root, "lw_handler", "handler", event)
    assert json.loads(result)["body"] == "hello"
    assert '"GET /hello HTTP/1.1" 200 5' in log_line
    assert where.startswith(str(root))
    assert all(m == "lw" or m.startswith("lw.runtime") for m in json.loads(modules))


def test_openwhisk_entry_module(tmp_path):
    root = build_package(tmp_path, OPENWHISK_ENTRY_MODULE, provider="openwhisk", log_requests=False)
    # The OpenWhisk Python runtime's compile step renames __main__.py to main__.py.
    (root / "__main__.py").rename(root / "main__.py")
    args = json.dumps(
        {
            "__ow_method": "get",
            "__ow_path": "/hello",
            "__ow_query": "",
            "__ow_body": "",
            "__ow_headers": {"host": "controllers"},
        }
    )
    result, modules, where = run(root, "main__", "main", args)
    assert json.loads(result) == {
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain; charset=utf-8"},
        "body": "hello",
    }
