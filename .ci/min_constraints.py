"""Print a pip constraints file pinning lw's dependencies to their floors.

The floors are read from ``[project] dependencies`` in pyproject.toml (every
``name>=version``), so raising a floor there is all it takes for the minimum-versions
leg (.ci/min-versions) to test it. Only lw's own dependencies are pinned: the test
tools (moto, pytest…) are whatever resolves with them.

    python3 .ci/min_constraints.py [pyproject.toml] > constraints.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][A-Za-z0-9.]*)\s*(?:,.*)?$")


def floors(pyproject: Path) -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    project = tomllib.loads(pyproject.read_text())["project"]
    pins: list[str] = []
    for requirement in project.get("dependencies") or []:
        spec = requirement.split(";", 1)[0]
        match = _FLOOR.match(spec)
        if match is None:
            raise SystemExit(f"min_constraints: {requirement!r} in {pyproject} has no '>=' floor to test")
        pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "pyproject.toml"
    print("\n".join(floors(path)))
