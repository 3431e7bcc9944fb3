"""Templates as text: YAML by default (what SAM and most CloudFormation users read),
JSON when the output file ends in ``.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def render(template: dict[str, Any], output: Path | None = None) -> str:
    if output is not None and output.suffix.lower() == ".json":
        return json.dumps(template, indent=2) + "\n"
    import yaml

    class _NoAliases(yaml.SafeDumper):
        """Shared sub-dicts (the same tags on several resources) must be repeated, not
        written as YAML anchors, which many CloudFormation tools reject."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return str(yaml.dump(template, Dumper=_NoAliases, sort_keys=False, default_flow_style=False, width=120))
