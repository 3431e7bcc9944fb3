"""What every provider hook receives: the stage's model plus how lw was invoked."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from lw.core.model import AppModel


class Reporter:
    """Progress and information for humans; quiet in CI and with ``--json``.

    Providers never print directly: they call ``info`` (always shown unless ``--json``)
    or ``progress`` (only on a terminal), so CI logs stay readable.
    """

    def __init__(self, *, json_mode: bool = False, verbose: bool = False, stream: Any = None) -> None:
        self.json_mode = json_mode
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)()) and not os.environ.get("CI")

    def info(self, message: str) -> None:
        if not self.json_mode:
            print(message, file=self.stream, flush=True)

    def progress(self, message: str) -> None:
        if self.interactive and not self.json_mode:
            print(f"… {message}", file=self.stream, flush=True)

    def debug(self, message: str) -> None:
        if self.verbose and not self.json_mode:
            print(f"[debug] {message}", file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        if not self.json_mode:
            print(f"warning: {message}", file=self.stream, flush=True)


@dataclass
class Context:
    """The stage being worked on and the command's options.

    ``options`` holds command-line choices a provider may honor (``region``,
    ``profile``, ``port``, ``dry_run``); ``work_dir`` is the project's ``.lw/`` folder
    for caches and build output, never for deployment state. ``providers`` is the
    command's ``lw.core.plugins.Providers``, through which a provider may call another
    provider's hook (``lw.plugin.provider_hook``).
    """

    app: AppModel
    reporter: Reporter = field(default_factory=Reporter)
    options: Mapping[str, Any] = field(default_factory=dict)
    providers: Any = field(default=None, repr=False, compare=False)

    @property
    def provider(self) -> str:
        return self.app.provider

    @property
    def project_dir(self) -> Path:
        return self.app.project_dir

    @property
    def work_dir(self) -> Path:
        return self.app.project_dir / ".lw"

    @property
    def cache_dir(self) -> Path:
        base = os.environ.get("LW_CACHE_DIR") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lw"
        )
        return Path(base)

    def option(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value is None else value
