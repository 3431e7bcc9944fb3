"""The AWS package: the neutral build plus the runtime, ``lw_handler.py`` and settings."""

from __future__ import annotations

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context


def package(ctx: Context, build: Build) -> Artifact:
    from lw.core import packaging

    files = entry.package_files(ctx, entry.aws_entry_module())
    out = entry.artifact_path(ctx, "aws")
    return packaging.write_zip(build, files, out, handler=entry.AWS_HANDLER, size_limits=packaging.AWS_LIMITS)
