"""Which images in a registry a stage pushed: the labels lw writes into every image it
builds, and the check undeploy makes before deleting one.

A repository may hold images someone else pushed (a shared registry prefix, a hand-made
tag that happens to start like lw's): only an image whose config carries this stage's
labels is lw's to delete.
"""

from __future__ import annotations

import json
from typing import Sequence

from lw.core.images.registry import RegistryClient

PROJECT_LABEL = "lw.project"
STAGE_LABEL = "lw.stage"
# Every image lw pushes is also tagged ``lw-<digest prefix>``: a tag that never moves, so
# a release can name its image by tag (OpenWhisk drops ``@digest``) and a registry
# lifecycle rule that expires untagged images never takes a released one.
RELEASE_TAG_PREFIX = "lw-"


def release_tag(digest: str) -> str:
    """The never-moving tag of the image ``digest`` (``sha256:…``)."""
    return f"{RELEASE_TAG_PREFIX}{digest.partition(':')[2][:20]}"


def stage_labels(project: str, stage: str) -> dict[str, str]:
    """The labels of an image built for ``project``/``stage`` (``ImageSpec.labels``)."""
    return {PROJECT_LABEL: project, STAGE_LABEL: stage}


def pushed_by_stage(registry: RegistryClient, repository: str, digest: str, project: str, stage: str) -> bool:
    """Whether the image ``digest`` in ``repository`` carries this stage's labels."""
    manifest = registry.get_manifest(repository, digest).json()
    config_digest = (manifest.get("config") or {}).get("digest") if isinstance(manifest, dict) else None
    if not isinstance(config_digest, str):
        return False
    try:
        config = json.loads(registry.get_blob(repository, config_digest))
    except ValueError:
        return False
    labels = (config.get("config") or {}).get("Labels") or {} if isinstance(config, dict) else {}
    return isinstance(labels, dict) and labels == {**labels, **stage_labels(project, stage)}


def stage_image_digests(
    registry: RegistryClient, repository: str, project: str, stage: str, *, also_tags: Sequence[str] = ()
) -> list[str]:
    """The digests undeploy may delete from ``repository``: the images behind its
    ``lw-…`` tags (and ``also_tags``, such as a moving ``latest``) that carry this
    stage's labels. Raises ``ProviderError`` when the registry cannot be read."""
    tags = [t for t in registry.tags(repository) if t.startswith(RELEASE_TAG_PREFIX) or t in also_tags]
    digests = sorted({d for d in (registry.manifest_digest(repository, t) for t in tags) if d})
    return [d for d in digests if pushed_by_stage(registry, repository, d, project, stage)]
