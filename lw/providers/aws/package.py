"""The AWS package: the neutral build plus the runtime, ``lw_handler.py`` and settings
(with ``dependency_layer``, the dependencies go to a second zip: ``layer.py``)."""

from __future__ import annotations

from typing import Callable

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context
from lw.core.images.choice import PackageChoice
from lw.providers.aws.session import AwsSession
from lw.providers.aws.settings import LIMITS

ENTRY_MODULE = "lw_handler"
HANDLER = f"{ENTRY_MODULE}.handler"


def entry_module() -> tuple[str, bytes]:
    """``lw_handler.py``: Lambda's handler ``lw_handler.handler``."""
    return entry.entry_module(
        f"{ENTRY_MODULE}.py",
        runtime_module="aws",
        factory="handler_from_settings",
        attribute="handler",
        what="AWS Lambda entry point",
    )


def package(ctx: Context, build: Build, session: Callable[[], AwsSession] | None = None) -> Artifact:
    """``session`` gives the command's AWS session (an image is named after the
    account's ECR); only an image package asks for it."""
    from lw.core import packaging
    from lw.providers.aws import layer

    files = entry.package_files(ctx, entry_module())
    choice = _package_choice(ctx, build, files)
    if choice.is_image:
        from lw.providers.aws import image

        aws = session() if session is not None else AwsSession.from_context(ctx)
        return image.package_image(ctx, aws, build, files, handler=HANDLER, note=choice.note)
    out = entry.artifact_path(ctx, "aws")
    if layer.enabled(ctx):
        return layer.package_split(ctx, build, files, out, handler=HANDLER)
    return packaging.write_zip(build, files, out, entry_point=HANDLER, size_limits=LIMITS)


def _package_choice(ctx: Context, build: Build, files: list[tuple[str, bytes]]) -> PackageChoice:
    """``package_type`` as set; unset, an image only when the unzipped package would not
    fit Lambda (the size is measured only then)."""
    from lw.core.images import choose_package_type, unpacked_size

    if ctx.app.setting("package_type"):
        return choose_package_type(ctx.app, 0, None, LIMITS.label)
    return choose_package_type(ctx.app, unpacked_size(build, files), LIMITS.unpacked_bytes, LIMITS.label)
