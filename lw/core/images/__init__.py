"""Container images built without Docker: the provider-neutral engine.

Providers call ``publish_image(build, extras, spec, credentials, reporter)`` (or
``prepare_image`` then ``push_image`` to plan before writing) and get a ``PushedImage``
pinned by digest. See docs/images.md for what is stable.
"""

from __future__ import annotations

from lw.core.images.artifact import image_artifact, packaged_image_artifact
from lw.core.images.choice import IMAGE, PACKAGE_TYPES, ZIP, PackageChoice, choose_package_type, unpacked_size
from lw.core.images.credentials import registry_credentials
from lw.core.images.extract import unpack_image, unpack_prepared
from lw.core.images.model import (
    LAMBDA_TASK_ROOT,
    ImageSpec,
    Layer,
    PreparedImage,
    PushedImage,
    RegistryCredentials,
    architecture_platform,
)
from lw.core.images.ownership import pushed_by_stage, release_tag, stage_image_digests, stage_labels
from lw.core.images.publish import prepare_image, publish_image, push_image
from lw.core.images.reference import (
    ImageReference,
    ReferenceError,
    RegistryLocation,
    parse_reference,
    parse_registry_setting,
    target_repository,
)

__all__ = [
    "IMAGE",
    "LAMBDA_TASK_ROOT",
    "PACKAGE_TYPES",
    "ZIP",
    "ImageReference",
    "ImageSpec",
    "Layer",
    "PackageChoice",
    "PreparedImage",
    "PushedImage",
    "ReferenceError",
    "RegistryCredentials",
    "RegistryLocation",
    "architecture_platform",
    "choose_package_type",
    "image_artifact",
    "packaged_image_artifact",
    "parse_reference",
    "parse_registry_setting",
    "prepare_image",
    "publish_image",
    "push_image",
    "pushed_by_stage",
    "registry_credentials",
    "release_tag",
    "stage_image_digests",
    "stage_labels",
    "target_repository",
    "unpack_image",
    "unpack_prepared",
    "unpacked_size",
]
