"""Small builds, extras and stand-ins for the image tests (core and providers'): no
pip, no project scan. Provider tests put this folder on ``sys.path`` to share them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lw.core import entry
from lw.core.artifact import Build
from lw.core.context import Context
from lw.core.images import ImageSpec, PreparedImage, PushedImage
from lw.core.images.model import Layer
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


def prepared_image(spec: ImageSpec, body: str) -> PreparedImage:
    """A stand-in for ``prepare_image``'s answer: one app layer whose content is
    ``body``, so the digest changes exactly when ``body`` does."""
    app_digest = "sha256:" + hashlib.sha256(body.encode()).hexdigest()
    media_type = "application/vnd.oci.image.manifest.v1+json"
    manifest = json.dumps(
        {"schemaVersion": 2, "mediaType": media_type, "layers": [{"digest": app_digest, "size": len(body)}]},
        sort_keys=True,
    ).encode()
    return PreparedImage(
        spec=spec,
        manifest=manifest,
        manifest_media_type=media_type,
        digest="sha256:" + hashlib.sha256(manifest).hexdigest(),
        config=b"{}",
        config_digest="sha256:" + hashlib.sha256(b"{}").hexdigest(),
        layers=(Layer(digest=app_digest, diff_id=app_digest, size=len(body), media_type="x", role="app"),),
    )


def pushed_as(prepared: PreparedImage) -> PushedImage:
    """What ``push_image`` answers for ``prepared`` (the manifest sent, nothing else):
    the answer a test's recorder returns in place of a real push."""
    return PushedImage(
        uri=prepared.uri,
        digest=prepared.digest,
        tag=prepared.spec.tag,
        registry=prepared.spec.registry,
        repository=prepared.spec.repository,
        manifest_media_type=prepared.manifest_media_type,
        layer_digests=prepared.layer_digests,
        bytes_uploaded=len(prepared.manifest),
    )


def answer_from_unpacked(rootfs: Path, runtime_dir: Path, path: str, *, function_name: str, region: str) -> Any:
    """An unpacked Lambda image's ``/var/task`` run by lw's local worker pool (the real
    runtime client, as Lambda runs the image's command) for a GET of ``path``: the
    handler's answer, checked to be a 200."""
    from lw.providers.local import isolation
    from lw.providers.local.pool import Pool
    from lw.providers.local.worker import WorkerSpec

    assert isolation.build_runtime_dir(runtime_dir) == []
    spec = WorkerSpec(
        handler="lw_handler.handler",
        task_root=rootfs / "var" / "task",
        runtime_dir=runtime_dir,
        function_name=function_name,
        memory_size=256,
        region=region,
        python_version="3.11",
        timeout_seconds=10,
        init_timeout_seconds=20,
    )
    lines: list[str] = []
    pool = Pool(1, spec, 1, lambda source, text: lines.append(text))
    pool.start()
    try:
        invocation = pool.invoke(json.dumps(http_event(path)).encode())
    finally:
        pool.stop()
    assert invocation.outcome == "response", lines
    answer = json.loads(invocation.payload)
    assert answer["statusCode"] == 200, answer
    return answer
