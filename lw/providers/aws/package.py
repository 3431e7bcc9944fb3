"""The AWS package: the neutral build plus the runtime, ``lw_handler.py`` and settings
(with ``dependency_layer``, the dependencies go to a second zip: ``layer.py``)."""

from __future__ import annotations

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context


def package(ctx: Context, build: Build) -> Artifact:
    from lw.core import packaging
    from lw.providers.aws import layer

    files = entry.package_files(ctx, entry.aws_entry_module())
    out = entry.artifact_path(ctx, "aws")
    if layer.enabled(ctx):
        return layer.package_split(ctx, build, files, out, handler=entry.AWS_HANDLER)
    return packaging.write_zip(build, files, out, handler=entry.AWS_HANDLER, size_limits=packaging.AWS_LIMITS)
