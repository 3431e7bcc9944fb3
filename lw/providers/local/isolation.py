"""What a local worker process sees: Lambda's path, environment and command line.

A worker must fail where Lambda would fail, so it never sees the developer's
virtualenv. It runs ``python -I -S`` (no site-packages, no user site, no PYTHON*
variables) and builds ``sys.path`` itself: the unpacked package first, then a
"runtime" directory holding links to exactly what Lambda's Python image provides
besides the standard library: the runtime interface client (``awslambdaric`` and
its compiled helpers) and the AWS SDK (boto3 and its dependencies), which Lambda
ships and lw therefore leaves out of AWS packages. Nothing else from the venv leaks.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Mapping

# Distributions Lambda's Python runtime has besides the standard library: the runtime
# client (plus whatever its installed version requires, see ``runtime_client_dists``)
# and the AWS SDK.
RUNTIME_CLIENT = "awslambdaric"
AWS_SDK_DISTS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")

# Variables passed through from the developer's shell, so that the app can reach real
# or emulated AWS services as it would with the function's role on Lambda.
PASS_THROUGH = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_MAX_ATTEMPTS",
    "AWS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
)

# The worker's first lines: Lambda's sys.path, then ``sandbox`` (read-only package
# folder, one log record per line) run from its file, so no lw module joins the path.
SANDBOX = Path(__file__).with_name("sandbox.py")
BOOTSTRAP = (
    "import os, runpy, sys\n"
    "sys.path[:0] = [os.environ['LAMBDA_TASK_ROOT'], os.environ['LAMBDA_RUNTIME_DIR']]\n"
    "runpy.run_path(sys.argv[2], run_name='lw_local_sandbox')\n"
    "sys.argv = ['awslambdaric', sys.argv[1]]\n"
    "runpy.run_module('awslambdaric', run_name='__main__', alter_sys=True)\n"
)


def _top_level_names(dist_name: str) -> set[str]:
    """Importable top-level names of an installed distribution, from its file list."""
    try:
        dist = importlib.metadata.distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return set()
    names: set[str] = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data")):
            continue
        if len(file.parts) == 1 and not first.endswith((".py", ".so", ".pyd")):
            continue
        names.add(first)
    return names


def runtime_client_dists() -> tuple[str, ...]:
    """``awslambdaric`` and the distributions its installed version requires (2.0
    needs simplejson; 3.x adds snapshot-restore-py), read from its metadata so that
    neither an older client reports a dependency it never had as missing nor a newer
    one runs without one it gained."""
    try:
        requires = importlib.metadata.requires(RUNTIME_CLIENT) or []
    except importlib.metadata.PackageNotFoundError:
        return (RUNTIME_CLIENT,)
    names = []
    for requirement in requires:
        if ";" in requirement:
            continue  # conditional: an extra, or a backport for Pythons Lambda no longer runs
        found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        if found:
            names.append(found.group(0))
    return (RUNTIME_CLIENT, *names)


def build_runtime_dir(target: Path) -> list[str]:
    """(Re)create ``target`` with links to the runtime client and the AWS SDK; returns
    the distributions that were missing (the runtime client missing is fatal)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    missing: list[str] = []
    for dist_name in (*runtime_client_dists(), *AWS_SDK_DISTS):
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        base = Path(str(dist.locate_file("")))
        for name in _top_level_names(dist_name):
            source = base / name
            link = target / name
            if source.exists() and not link.exists():
                link.symlink_to(source, target_is_directory=source.is_dir())
    return missing


def worker_command(handler: str) -> list[str]:
    return [sys.executable, "-I", "-S", "-c", BOOTSTRAP, handler, str(SANDBOX)]


def worker_environment(
    *,
    function_name: str,
    handler: str,
    task_root: Path,
    runtime_dir: Path,
    runtime_api: str,
    memory_size: int,
    region: str,
    log_stream: str,
    python_version: str,
    tmp_dir: Path | None = None,
    source_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Lambda's reserved variables, built from scratch rather than inherited.

    ``tmp_dir`` is this worker's own ``/tmp``: each Lambda execution environment has a
    private one, so two workers must not see each other's files (``TMPDIR`` makes
    ``tempfile`` use it; an app that hard-codes ``/tmp`` still shares the machine's)."""
    source_env = os.environ if source_env is None else source_env
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{python_version}",
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        "LW_LOCAL": "1",
    }
    if tmp_dir is not None:
        env["TMPDIR"] = str(tmp_dir)
    for name in PASS_THROUGH:
        if source_env.get(name):
            env[name] = source_env[name]
    return env
