"""Send a prepared image to its repository, moving as few bytes as possible.

For every layer, in order of cost: already in the repository (``HEAD``: nothing
sent); mountable from another repository of the same registry (the base image's, or
``spec.mount_from``: a link, nothing sent); else uploaded, from lw's blob file for its
own layers, or streamed straight from the base registry for a base layer (never
written to disk). The config blob and the manifest follow; a tag that already points
at the digest is left alone, so an unchanged redeploy writes nothing.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from lw.core.context import Reporter
from lw.core.errors import ProviderError
from lw.core.images.model import Layer, PreparedImage, PushedImage, RegistryCredentials
from lw.core.images.registry import CHUNK_SIZE, RegistryClient

_READ = 1024 * 1024


def _file_chunks(layer: Layer) -> Iterator[bytes]:
    assert layer.path is not None
    with open(layer.path, "rb") as handle:
        while True:
            data = handle.read(CHUNK_SIZE)
            if not data:
                return
            yield data


def _streamed(source: RegistryClient, repository: str, layer: Layer) -> Iterator[bytes]:
    """A base layer read from its registry as it is uploaded, checked against its digest."""
    response = source.open_blob(repository, layer.digest)
    digest = hashlib.sha256()
    try:
        for data in response.iter_content(_READ):
            digest.update(data)
            yield data
    finally:
        response.close()
    if "sha256:" + digest.hexdigest() != layer.digest:
        raise ProviderError(f"registry {source.registry}: base layer {layer.digest} does not match its digest")


class _Counter:
    def __init__(self) -> None:
        self.total = 0

    def __call__(self, sent: int) -> None:
        self.total += sent


def push_image(
    prepared: PreparedImage,
    credentials: RegistryCredentials,
    reporter: Reporter,
    *,
    base_credentials: RegistryCredentials | None = None,
    client: RegistryClient | None = None,
) -> PushedImage:
    """Push ``prepared`` to ``spec.registry``/``spec.repository`` with ``credentials``
    (see the module doc for the order of checks); ``base_credentials`` read a base on
    another registry. Raises ``ProviderError`` (one line)."""
    spec = prepared.spec
    target = client or RegistryClient(spec.registry, credentials, reporter=reporter)
    repo = spec.repository
    same_registry = prepared.base_registry == spec.registry
    mount_sources = [
        *([prepared.base_repository] if same_registry and prepared.base_repository else []),
        *(r for r in spec.mount_from if r != repo),
    ]
    base_source: RegistryClient | None = None
    uploaded: list[str] = []
    mounted: list[str] = []
    present: list[str] = []
    sent = _Counter()
    base_bytes = 0
    for layer in prepared.layers:
        if target.blob_exists(repo, layer.digest):
            present.append(layer.digest)
            continue
        if any(target.mount_blob(repo, layer.digest, source) for source in mount_sources):
            mounted.append(layer.digest)
            continue
        before = sent.total
        if layer.path is not None:
            label = f"{layer.role} layer"
            target.upload_blob(repo, layer.digest, _file_chunks(layer), layer.size, label=label, on_sent=sent)
        else:
            if prepared.base_registry is None or prepared.base_repository is None:
                raise ProviderError(f"registry {spec.registry}: base layer {layer.digest} has no source to copy from")
            if base_source is None:
                creds = credentials if same_registry else base_credentials
                base_source = RegistryClient(prepared.base_registry, creds, reporter=reporter)
            reporter.progress(f"copying base layer {layer.digest[7:19]} from {prepared.base_registry}")
            target.upload_blob(
                repo,
                layer.digest,
                _streamed(base_source, prepared.base_repository, layer),
                layer.size,
                label=f"base layer {layer.digest[7:19]}",
                on_sent=sent,
            )
            base_bytes += sent.total - before
        uploaded.append(layer.digest)
    if not target.blob_exists(repo, prepared.config_digest):
        target.upload_blob(repo, prepared.config_digest, iter([prepared.config]), len(prepared.config), on_sent=sent)
    manifest_pushed = False
    if target.manifest_digest(repo, spec.tag) != prepared.digest:
        target.put_manifest(repo, spec.tag, prepared.manifest, prepared.manifest_media_type)
        sent(len(prepared.manifest))
        manifest_pushed = True
    notes = []
    if uploaded or mounted:
        notes.append(
            f"pushed {sent.total / 1048576:.2f} MB to {spec.repository_uri} "
            f"({len(uploaded)} layer(s) uploaded, {len(mounted)} mounted, {len(present)} already there)"
        )
    return PushedImage(
        uri=prepared.uri,
        digest=prepared.digest,
        tag=spec.tag,
        registry=spec.registry,
        repository=repo,
        manifest_media_type=prepared.manifest_media_type,
        layer_digests=prepared.layer_digests,
        bytes_uploaded=sent.total,
        base_bytes_uploaded=base_bytes,
        layers_uploaded=tuple(uploaded),
        layers_mounted=tuple(mounted),
        layers_present=tuple(present),
        manifest_pushed=manifest_pushed,
        notes=tuple(notes),
    )
