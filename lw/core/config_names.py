"""Deterministic names derived from configuration.

lw keeps no local state: a provider finds its remote resources again by name. These
names must therefore depend only on what the user wrote, never on ordering or time,
and stay short enough for the strictest cloud limit (64 characters on AWS for
``<project>-<stage>-<suffix>``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Sequence

PROJECT_NAME_MAX = 40
BINDING_NAME_MAX = 40
_FUNCTION_PART_MAX = 24


def slugify(text: str, max_length: int = PROJECT_NAME_MAX) -> str:
    """Lowercase ``[a-z0-9-]``, no leading/trailing/double dashes, at most ``max_length``."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def short_hash(*parts: object) -> str:
    """Six hex digits that change when any part changes (stable across runs and machines)."""
    canonical = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:6]


def binding_name(function: str, kind: str, source: str | None, expressions: Sequence[str]) -> str:
    """``thumbnailer-s3-1a2b3c``: readable in a console, unique per function and source.

    The hash covers the function and the source but not the options (batch size...), so
    changing an option updates the same remote binding instead of replacing it.
    """
    last = re.split(r"[.:]", function)[-1]
    readable = slugify(last, _FUNCTION_PART_MAX) or "event"
    kind_part = slugify(kind)
    return f"{readable}-{kind_part}-{short_hash(function, kind, source, list(expressions))}"[:BINDING_NAME_MAX]
