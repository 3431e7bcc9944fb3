"""``lw template``: package, build the template, upload the package it references.

The template is built before anything is uploaded, so a configuration error costs no
write; the upload itself is a planned change like deploy's (same bucket, same
hash-named key, so deploy, template and undeploy agree on where packages live).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lw.plugin import Artifact, Invocation, PackagingError, Plan, UsageError, apply_plan, package

if TYPE_CHECKING:
    from lw.providers.aws.template.build import Format


def run_template(inv: Invocation, fmt: Format, output: str | None, s3_bucket: str | None, no_upload: bool) -> None:
    from lw.providers.aws import regions
    from lw.providers.aws.code_upload import code_sha256, plan_s3_upload
    from lw.providers.aws.plugin import session_for
    from lw.providers.aws.template import CodeLocation, build_template, render

    session = inv.session()
    ctx = session.ctx
    app = ctx.app
    if app.provider != "aws":
        raise UsageError(
            f"lw template exports AWS resources; stage '{app.stage}' uses provider {app.provider!r} "
            "(pass --provider aws)"
        )
    if no_upload and fmt != "sam":
        raise UsageError("--no-upload needs --format sam: plain CloudFormation can only take the package from S3")
    out = Path(output) if output else None
    artifact = package(session)
    # A global stage is exported one region at a time: --region, else its first.
    aws = regions.sessions_for(ctx)[0] if regions.is_global(ctx) else session_for(ctx)
    upload = Plan()

    def located(zip_file: Artifact) -> CodeLocation:
        if no_upload:
            return CodeLocation(local_path=_local_reference(zip_file.path, out))
        source = plan_s3_upload(
            ctx,
            aws,
            zip_file,
            code_sha256(zip_file.path),
            bucket=s3_bucket or app.setting("s3_bucket"),
            why="holds the package the template references",
        )
        upload.extend(source.changes)
        return CodeLocation(bucket=source.bucket, key=source.key)

    if artifact.image is not None:
        if no_upload:
            raise UsageError(
                "--no-upload cannot export package_type image: the template references the image in ECR, "
                "which lw pushes"
            )
        from lw.providers.aws.image import plan_image_source

        source = plan_image_source(ctx, aws, artifact)
        upload.extend(source.changes)
        code = CodeLocation(image_uri=source.image_uri)
    else:
        code = located(artifact)
    dependencies = getattr(artifact, "dependencies", None)  # dependency_layer: true
    layer = (located(dependencies), dependencies.sha256) if dependencies is not None else None
    template, notes = build_template(
        ctx, aws, handler=artifact.handler, code=code, code_sha=artifact.sha256, fmt=fmt, layer=layer
    )
    for change in upload.mutating:
        ctx.reporter.info(change.describe())
    apply_plan(upload)
    for note in notes:
        ctx.reporter.warn(note)
    text = render(template, out)
    data: dict[str, Any] = {
        "format": fmt,
        "output": str(out) if out else None,
        "notes": notes,
        "code": {k: v for k, v in vars(code).items() if v},
    }
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text)
        except OSError as exc:
            raise PackagingError(f"cannot write the template to {out}: {exc.strerror}") from exc
        inv.emit(f"wrote {out} ({fmt}, {len(template['Resources'])} resources)", data)
    elif inv.json_mode:
        inv.emit("", {**data, "template": template})
    else:
        click.echo(text, nl=False)


def _local_reference(path: Path, out: Path | None) -> str:
    """SAM resolves a local ``CodeUri`` against the template's folder."""
    base = (out.parent if out is not None else Path.cwd()).resolve()
    try:
        return os.path.relpath(path.resolve(), base)
    except ValueError:  # another drive on Windows
        return str(path.resolve())
