"""Values the AWS changes hand to the core through the plan's shared outputs."""

from __future__ import annotations

from lw.core.plan import Outputs


def add_url(outputs: Outputs, url: str) -> None:
    """Record a public URL once; ``lw deploy`` prints ``outputs["urls"]``."""
    urls = outputs.setdefault("urls", [])
    if url not in urls:
        urls.append(url)
