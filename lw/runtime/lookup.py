"""Settings values that name Python objects: ``app.app``, ``jobs.nightly``.

Its own module, below ``settings``, ``shim``, ``events`` and ``commands``, so that all
of them can resolve a dotted path without importing one another (standard library only,
imported at cold start).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class SettingsError(Exception):
    """The settings file or a value in it cannot be used; the message names the key."""


def split_dotted(dotted: Any) -> tuple[str, str]:
    """``pkg.mod:attr.sub`` -> ``("pkg.mod", "attr.sub")``; ``pkg.mod.attr`` -> ``("pkg.mod", "attr")``."""
    if not isinstance(dotted, str) or not dotted.strip():
        raise SettingsError(f"expected a dotted path like 'pkg.module.name', got {dotted!r}")
    dotted = dotted.strip()
    if ":" in dotted:
        module_name, _, attr_path = dotted.partition(":")
    else:
        module_name, _, attr_path = dotted.rpartition(".")
    if not module_name or not attr_path:
        raise SettingsError(f"{dotted!r} must name a module and an attribute, like 'pkg.module.name'")
    return module_name, attr_path


def resolve(dotted: str) -> Any:
    """``pkg.mod.attr`` or ``pkg.mod:attr.sub`` -> the object (the app, an event function...)."""
    import importlib

    module_name, attr_path = split_dotted(dotted)
    dotted = dotted.strip()
    module = importlib.import_module(module_name)
    target: Any = module
    for part in attr_path.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise SettingsError(f"{dotted!r}: module {module_name!r} has no attribute {attr_path!r}") from None
    return target
