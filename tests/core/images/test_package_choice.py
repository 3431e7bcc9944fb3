"""zip or image: the automatic switch past the provider's unzipped limit, measured on a
synthetic large dependency (a sparse file: 260 MB on paper, nothing on disk)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from images_helpers import app_model, extras, make_build
from lw.core.images import choose_package_type, unpacked_size

MB = 1024 * 1024
LAMBDA = 250 * MB


def big_build(root: Path):
    build = make_build(root)
    blob = build.dependency_dir / "bigdep" / "weights.bin"  # type: ignore[operator]
    blob.parent.mkdir()
    with open(blob, "wb") as out:
        out.truncate(260 * MB)
    (build.root / "bigdep").mkdir()
    (build.root / "bigdep" / "weights.bin").hardlink_to(blob)
    return build


def test_over_lambdas_limit_switches_to_an_image_with_a_note(tmp_path: Path) -> None:
    build = big_build(tmp_path)
    size = unpacked_size(build, extras(tmp_path))
    assert size > 260 * MB
    choice = choose_package_type(app_model(tmp_path), size, LAMBDA, "AWS Lambda")
    assert choice.is_image
    assert choice.note is not None and "over AWS Lambda's 250 MB" in choice.note and "package_type" in choice.note


def test_under_the_limit_stays_a_zip(tmp_path: Path) -> None:
    build = make_build(tmp_path)
    choice = choose_package_type(app_model(tmp_path), unpacked_size(build, extras(tmp_path)), LAMBDA, "AWS Lambda")
    assert (choice.package_type, choice.note) == ("zip", None)


def test_an_explicit_package_type_is_never_switched(tmp_path: Path) -> None:
    app = app_model(tmp_path)
    forced_zip = dataclasses.replace(app, settings={**app.settings, "package_type": "zip"})
    assert choose_package_type(forced_zip, 300 * MB, LAMBDA, "AWS Lambda").package_type == "zip"
    forced_image = dataclasses.replace(app, settings={**app.settings, "package_type": "image"})
    choice = choose_package_type(forced_image, 1, LAMBDA, "AWS Lambda")
    assert choice.is_image and choice.note is None
