"""CloudFormation logical ids: alphanumeric, stable, and unique per binding.

A binding name such as ``orders-queue`` becomes ``OrdersQueue`` plus a short hash of
the original name, so two names that only differ by punctuation never collide and a
redeploy of the same config yields the same ids (CloudFormation updates in place).
"""

from __future__ import annotations

import hashlib
import re

LOGICAL_ID_MAX = 255


def logical_id(prefix: str, name: str) -> str:
    words = re.split(r"[^0-9A-Za-z]+", name)
    camel = "".join(w[:1].upper() + w[1:] for w in words if w)
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return f"{prefix}{camel}{digest}"[:LOGICAL_ID_MAX]


def short_hash(text: str) -> str:
    """Part of the ids of resources CloudFormation cannot update in place (a version,
    an API deployment): a new id is how a changed package or API gets republished."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]
