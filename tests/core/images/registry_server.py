"""A real OCI registry on 127.0.0.1 for the tests: Debian's ``docker-registry``
(CNCF distribution), on a free port, with its storage in a temporary folder, plus a
seeding helper that pushes a synthetic base image laid out like AWS's Lambda base
image (``/var/runtime``, ``/var/task``, ``LAMBDA_TASK_ROOT``, ``/lambda-entrypoint.sh``),
built with lw's own layer writer, as a multi-platform manifest list."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from lw.core.images import media
from lw.core.images.layers import write_layer
from lw.core.images.registry import RegistryClient

BINARY = "docker-registry"


def registry_binary() -> str:
    found = shutil.which(BINARY)
    if not found:
        pytest.skip(f"{BINARY} is not installed (apt-get install docker-registry; .ci/run installs it)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Registry:
    host: str  # 127.0.0.1:port
    storage: Path
    process: subprocess.Popen[bytes]
    log: Path
    htpasswd: tuple[str, str] | None = None

    def blob_count(self) -> int:
        return len(self.blob_sizes())

    def blob_sizes(self) -> dict[str, int]:
        """Each stored blob's folder and size: what a push added shows as new keys."""
        blobs = self.storage / "docker" / "registry" / "v2" / "blobs"
        return {str(p.parent): p.stat().st_size for p in blobs.rglob("data")} if blobs.exists() else {}


def start_registry(root: Path, *, htpasswd: tuple[str, str] | None = None) -> Registry:
    binary = registry_binary()
    port = free_port()
    storage = root / "storage"
    storage.mkdir(parents=True)
    auth = ""
    if htpasswd:
        import crypt  # bcrypt through libxcrypt; removed from Python 3.13

        user, password = htpasswd
        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))  # cost 4: fast
        (root / "htpasswd").write_text(f"{user}:{hashed}\n")
        auth = f"auth:\n  htpasswd:\n    realm: lw-test\n    path: {root / 'htpasswd'}\n"
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n" + auth
    )
    log = root / "registry.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([binary, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text()[-2000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/v2/", timeout=1)
            break
        except requests.RequestException:
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("docker-registry did not start in 20 s")
    return Registry(f"127.0.0.1:{port}", storage, process, log, htpasswd)


def stop_registry(registry: Registry) -> None:
    registry.process.terminate()
    try:
        registry.process.wait(10)
    except subprocess.TimeoutExpired:
        registry.process.kill()


BOOTSTRAP = b"""#!/bin/sh
# the synthetic base's stand-in for Lambda's runtime bootstrap
exec python3 -m awslambdaric "$@"
"""
ENTRYPOINT = b"""#!/bin/sh
exec /var/runtime/bootstrap "$@"
"""


def _blob(client: RegistryClient, repository: str, data: bytes) -> tuple[str, int]:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    if not client.blob_exists(repository, digest):
        client.upload_blob(repository, digest, iter([data]), len(data))
    return digest, len(data)


def seed_lambda_base(
    client: RegistryClient, repository: str, tag: str, work: Path, *, oci: bool = False, filler: int = 0
) -> dict[str, str]:
    """Push a Lambda-like base for linux/amd64 and linux/arm64 under one manifest list
    (an OCI index with ``oci``); ``filler`` adds that many bytes of incompressible data
    to the runtime layer (a stand-in for the real base's size). Returns the platform
    manifests' digests by architecture and the list's as ``index``."""
    manifest_type, config_type, layer_type = media.family(media.OCI_MANIFEST if oci else media.DOCKER_MANIFEST)
    list_type = media.OCI_INDEX if oci else media.DOCKER_LIST
    digests: dict[str, str] = {}
    entries = []
    for arch in ("amd64", "arm64"):
        files: dict[str, Path | bytes] = {
            "var/runtime/bootstrap": BOOTSTRAP,
            "var/runtime/arch.txt": arch.encode(),
            "lambda-entrypoint.sh": ENTRYPOINT,
            "var/task/.keep": b"",
        }
        if filler:
            files["var/runtime/filler.bin"] = random.Random(arch).randbytes(filler)
        layer = write_layer(files, work / f"base-{arch}-{oci}.tar.gz")
        client.upload_blob(repository, layer.digest, iter([layer.path.read_bytes()]), layer.size)
        config = {
            "architecture": arch,
            "os": "linux",
            "config": {
                "Env": [
                    "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin",
                    "LAMBDA_TASK_ROOT=/var/task",
                    "LAMBDA_RUNTIME_DIR=/var/runtime",
                ],
                "Entrypoint": ["/lambda-entrypoint.sh"],
                "WorkingDir": "/var/task",
            },
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "synthetic lambda base"}],
        }
        config_bytes = json.dumps(config, sort_keys=True).encode()
        config_digest, config_size = _blob(client, repository, config_bytes)
        manifest = {
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": {"mediaType": config_type, "digest": config_digest, "size": config_size},
            "layers": [{"mediaType": layer_type, "digest": layer.digest, "size": layer.size}],
        }
        body = json.dumps(manifest).encode()
        digest = client.put_manifest(repository, f"{tag}-{arch}", body, manifest_type)
        digests[arch] = digest
        platform = {"os": "linux", "architecture": arch, **({"variant": "v8"} if arch == "arm64" else {})}
        entries.append({"mediaType": manifest_type, "digest": digest, "size": len(body), "platform": platform})
    index = json.dumps({"schemaVersion": 2, "mediaType": list_type, "manifests": entries}).encode()
    digests["index"] = client.put_manifest(repository, tag, index, list_type)
    return digests
