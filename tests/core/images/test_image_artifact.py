"""The image artifact a provider's package hook returns (``packaged_image_artifact``,
shared by the AWS and OpenWhisk providers): where it lands, what it counts."""

from __future__ import annotations

import json
from pathlib import Path

from images_helpers import app_model, extras, make_build, prepared_image
from lw.core.context import Context
from lw.core.images import ImageSpec, packaged_image_artifact, unpacked_size


def test_the_manifest_lands_where_the_zip_would_have_gone_and_sizes_count_the_extras(tmp_path: Path) -> None:
    build = make_build(tmp_path)
    files = extras(tmp_path)
    prepared = prepared_image(ImageSpec(registry="r.example.com", repository="demo-dev", base_image=None), "v1")
    ctx = Context(app=app_model(tmp_path))
    artifact = packaged_image_artifact(ctx, "aws", prepared, build, files, "lw_handler.handler", note="too big")
    assert artifact.path == ctx.work_dir / "dist" / "demo-dev-aws.image"
    assert json.loads((artifact.path / "manifest.json").read_bytes()) == json.loads(prepared.manifest)
    assert artifact.sha256 == prepared.digest.removeprefix("sha256:") and artifact.image is prepared
    assert artifact.handler == "lw_handler.handler" and artifact.notes == ("too big",)
    assert artifact.unpacked_size == unpacked_size(build, files)
    assert artifact.file_count == build.app_files + build.dependency_files + len(files)


def test_package_out_puts_the_folder_next_to_the_named_file(tmp_path: Path) -> None:
    prepared = prepared_image(ImageSpec(registry="r.example.com", repository="demo-dev", base_image=None), "v1")
    ctx = Context(app=app_model(tmp_path), options={"package_out": str(tmp_path / "out" / "pkg.zip")})
    artifact = packaged_image_artifact(ctx, "openwhisk", prepared, make_build(tmp_path), [], "main")
    assert artifact.path == tmp_path / "out" / "pkg.image" and (artifact.path / "manifest.json").is_file()
    assert artifact.notes == ()
