"""The AWS package: the neutral build plus the runtime, ``lw_handler.py`` and settings."""

from __future__ import annotations

from pathlib import Path

from lw.core import entry
from lw.core.artifact import Artifact, Build
from lw.core.context import Context


def package(ctx: Context, build: Build) -> Artifact:
    from lw.core import packaging

    app = ctx.app
    files = [*entry.runtime_files(), entry.aws_entry_module(), (entry.SETTINGS_FILE, entry.settings_json(app))]
    files += _plugin_files(ctx)
    out_option = ctx.option("package_out")
    out = Path(out_option) if out_option else ctx.work_dir / "dist" / f"{app.name}-aws.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    return packaging.write_zip(build, files, out, handler=entry.AWS_HANDLER, size_limits=packaging.AWS_LIMITS)


def _plugin_files(ctx: Context) -> list[tuple[str, bytes]]:
    """Files every cross-cutting plugin adds (``lw_package_files``)."""
    from lw.core.plugins import make_plugin_manager

    extra = ctx.options.get("extra_package_files")
    if extra is not None:
        return list(extra)
    pm = make_plugin_manager()
    return [item for group in pm.hook.lw_package_files(ctx=ctx) for item in (group or ())]
