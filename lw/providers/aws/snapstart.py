"""``snap_start: true``: what Lambda refuses with SnapStart, refused before any call.

Lambda snapshots a version's initialised environment when it is published, and lw's
generated entry module builds the handler (imports the app, runs ``django.setup()``)
at module import, so the snapshot already holds the imported app. AWS rejects
SnapStart on runtimes older than Python 3.12, together with provisioned concurrency,
and with more than 512 MB of ephemeral storage; finding that out in the middle of a
deploy would leave a half-applied release, so the stage is checked while planning.
"""

from __future__ import annotations

from typing import Mapping

from lw.core.context import Context
from lw.core.errors import ConfigError

MIN_PYTHON = (3, 12)
MAX_EPHEMERAL_MB = 512


def check(ctx: Context) -> None:
    app = ctx.app
    if not app.setting("snap_start"):
        return
    where = f"{app.config_file.name}: stage '{app.stage}': snap_start"
    try:
        version = tuple(int(part) for part in app.python_version.split(".")[:2])
    except ValueError:
        version = (0,)
    if version < MIN_PYTHON:
        raise ConfigError(f"{where} needs runtime python3.12 or newer (the stage uses {app.runtime})")
    if app.setting("provisioned_concurrency"):
        raise ConfigError(f"{where} and provisioned_concurrency cannot be used together on Lambda; choose one")
    storage = app.setting("ephemeral_storage")
    size = storage.get("Size") if isinstance(storage, Mapping) else storage
    if isinstance(size, int) and not isinstance(size, bool) and size > MAX_EPHEMERAL_MB:
        raise ConfigError(f"{where} allows at most {MAX_EPHEMERAL_MB} MB of ephemeral_storage (the stage asks {size})")
