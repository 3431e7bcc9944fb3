"""Provider-neutral packaging: stage the app and its dependencies, then zip them.

``build_neutral`` produces the staging folder (``Build``) for a target platform;
each provider's ``lw_package`` hook adds its runtime files and calls ``write_zip``
with its ``SizeLimits``. Both steps are cached so an unchanged rebuild is near instant.
"""

from __future__ import annotations

from lw.core.packaging.archive import SizeLimits, write_dependency_zip, write_zip
from lw.core.packaging.build import build_neutral
from lw.core.packaging.gitignore import GitIgnore
from lw.core.packaging.rules import DEFAULT_EXCLUDES, SECRET_PATTERNS

__all__ = [
    "DEFAULT_EXCLUDES",
    "GitIgnore",
    "SECRET_PATTERNS",
    "SizeLimits",
    "build_neutral",
    "write_dependency_zip",
    "write_zip",
]
