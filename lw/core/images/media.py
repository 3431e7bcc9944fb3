"""Media types of the OCI image spec and of Docker's schema 2, side by side.

A base image comes in one family; lw keeps that family for the image it pushes (a
Docker schema-2 base gives a Docker schema-2 image), since registries and Lambda
accept both but some older registries refuse a manifest mixing them.
"""

from __future__ import annotations

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MANIFESTS = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEXES = (OCI_INDEX, DOCKER_LIST)
ACCEPT = ", ".join((*MANIFESTS, *INDEXES))


def family(manifest_type: str) -> tuple[str, str, str]:
    """(manifest, config, gzip layer) media types of ``manifest_type``'s family."""
    if manifest_type == DOCKER_MANIFEST:
        return DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER_GZIP
    return OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP
