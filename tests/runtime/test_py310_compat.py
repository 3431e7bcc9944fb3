"""lw supports Python 3.10 (requires-python): nothing may rely on 3.11-only APIs."""

from __future__ import annotations

import binascii
from typing import Any

import pytest

from lw.runtime import wsgi


def test_base64_bodies_decode_with_the_310_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.10's ``a2b_base64`` takes the data alone (``strict_mode`` came in 3.11)."""

    def a2b_base64_310(data: Any, /) -> bytes:
        return binascii.a2b_base64(data)

    monkeypatch.setattr(wsgi, "a2b_base64", a2b_base64_310)
    assert wsgi.b64decode("aGk=") == b"hi"
    with pytest.raises(ValueError):
        wsgi.b64decode("a")
