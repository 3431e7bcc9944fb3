"""Which wheels fit a target, and which requirement options steer sdist builds."""

from __future__ import annotations

import pytest

from lw.core.artifact import Target
from lw.core.errors import PackagingError
from lw.core.packaging.pip import index_options, parse_wheel_name, wheel_fits

X86 = Target(python_version="3.11")
ARM = Target(python_version="3.11", architecture="arm64")


@pytest.mark.parametrize(
    ("wheel", "target", "fits"),
    [
        ("six-1.17.0-py2.py3-none-any.whl", X86, True),
        ("flask-3.1.0-py3-none-any.whl", X86, True),
        ("old-1.0-py2-none-any.whl", X86, False),
        ("markupsafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", X86, True),
        ("markupsafe-3.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", ARM, False),
        ("markupsafe-3.0.2-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", ARM, True),
        ("markupsafe-3.0.2-cp312-cp312-manylinux2014_x86_64.whl", X86, False),
        ("cryptography-44.0.0-cp39-abi3-manylinux2014_x86_64.whl", X86, True),
        ("mine-1.0-cp311-cp311-linux_x86_64.whl", X86, False),  # built locally, not manylinux
        ("mine-1.0-1-cp311-cp311-macosx_11_0_arm64.whl", ARM, False),
    ],
)
def test_wheel_fits(wheel: str, target: Target, fits: bool) -> None:
    assert wheel_fits(wheel, target) is fits


def test_invalid_wheel_name_is_a_packaging_error() -> None:
    with pytest.raises(PackagingError, match="not-a-wheel.whl"):
        parse_wheel_name("not-a-wheel.whl")


def test_index_options_are_forwarded_and_requirements_are_not() -> None:
    lines = ["flask", "--find-links=./wheels", "-i https://mirror.invalid/simple", "--pre", "-c /x/c.txt", "'broken"]
    assert index_options(lines) == ["--find-links", "./wheels", "-i", "https://mirror.invalid/simple", "--pre"]
