"""The AWS package: the neutral build plus the runtime, ``lw_handler.py`` and settings
(with ``dependency_layer``, the dependencies go to a second zip: ``layer.py``)."""

from __future__ import annotations

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context
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


def package(ctx: Context, build: Build) -> Artifact:
    from lw.core import packaging
    from lw.providers.aws import layer

    files = entry.package_files(ctx, entry_module())
    out = entry.artifact_path(ctx, "aws")
    if layer.enabled(ctx):
        return layer.package_split(ctx, build, files, out, handler=HANDLER)
    return packaging.write_zip(build, files, out, entry_point=HANDLER, size_limits=LIMITS)
