"""Where a local deployment lives: ``.lw/local/<project>-<stage>/``.

The local provider has no remote API to ask, so its "remote state" is this folder and
the supervisor process it names. Only the supervisor writes ``state.json``; the
``lw`` commands read it, and check the pid and admin port are alive before trusting it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Header carrying state.json's token on every call to the supervisor's admin API.
ADMIN_TOKEN_HEADER = "X-Lw-Admin-Token"


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "runtime.log"

    @property
    def supervisor_output(self) -> Path:
        return self.root / "logs" / "supervisor.out"

    @property
    def packages_dir(self) -> Path:
        return self.root / "packages"

    @property
    def tmp_dir(self) -> Path:
        """Where each worker gets its private /tmp."""
        return self.root / "tmp"

    @property
    def runtime_dir(self) -> Path:
        return self.root / "runtime"

    def package_dir(self, sha256: str) -> Path:
        return self.packages_dir / sha256[:16]

    def read_state(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None


def layout_for(project_dir: Path, name: str) -> Layout:
    return Layout(project_dir / ".lw" / "local" / name)


def write_json(path: Path, document: Any) -> None:
    """Write atomically so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as out:
        json.dump(document, out, indent=1, sort_keys=True)
    os.replace(temporary, path)
