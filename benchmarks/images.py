"""Container images of examples/pandas-report: bytes pushed and wall time per kind of
deploy, and the cold start of the image's /var/task against the same app as a zip.

    python benchmarks/images.py [--base-mb 60] [--cold-starts 3]

Needs Debian's docker-registry (``apt-get install docker-registry``); it is started on
127.0.0.1 with a temporary storage folder and seeded with a synthetic Lambda-like base
image (``--base-mb`` of incompressible runtime data, a stand-in for AWS's base). The
app's dependencies are installed once (pip, through lw's cache in ``LW_CACHE_DIR``), so
the rows measure lw, not PyPI. Rows:

- first push, the base already in the registry (another repository): base bytes sent
  must be 0 (the base layers are mounted);
- unchanged redeploy: nothing sent;
- code-only redeploy (app.py edited): the app layer and the manifest only, goal < 1 MB;
- full re-push: every layer to an empty registry (base streamed across registries);
- cold start: a fresh awslambdaric worker on the unpacked image's /var/task, then on
  the same build unzipped from lw's Lambda zip, timed to the first HTTP answer.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "pandas-report"
sys.path.insert(0, str(REPO / "tests" / "core" / "images"))

from images_helpers import http_event  # noqa: E402
from registry_server import seed_lambda_base, start_registry, stop_registry  # noqa: E402

from lw.core import entry, packaging  # noqa: E402
from lw.core.artifact import Build, Target  # noqa: E402
from lw.core.config import load_app  # noqa: E402
from lw.core.context import Context, Reporter  # noqa: E402
from lw.core.images import ImageSpec, PushedImage, RegistryCredentials, publish_image, unpack_image  # noqa: E402
from lw.core.images.registry import RegistryClient  # noqa: E402
from lw.core.settings_schema import builtin_provider_infos  # noqa: E402

MB = 1024 * 1024


def build(project: Path, reporter: Reporter) -> tuple[Build, list[tuple[str, bytes]]]:
    app = load_app(project / "lw.yml", stage="dev", provider="aws", providers=builtin_provider_infos())
    target = Target(
        python_version=app.python_version,
        architecture=app.architecture,
        exclude_packages=("boto3", "botocore", "s3transfer"),
    )
    neutral = packaging.build_neutral(
        app,
        target,
        cache_dir=Path.home() / ".cache" / "lw",
        work_dir=project / ".lw" / "build" / "bench",
        reporter=reporter,
    )
    module = entry.entry_module(
        "lw_handler.py", runtime_module="aws", factory="handler_from_settings", attribute="handler", what="bench"
    )
    return neutral, entry.package_files(Context(app=app), module)


def timed_publish(project: Path, spec: ImageSpec, reporter: Reporter) -> tuple[float, PushedImage]:
    started = time.perf_counter()
    neutral, extras = build(project, reporter)
    pushed = publish_image(neutral, extras, spec, RegistryCredentials.anonymous(), reporter)
    return time.perf_counter() - started, pushed


def cold_start(task_root: Path, runtime_dir: Path) -> float:
    """Seconds from starting a fresh awslambdaric worker to its first HTTP answer."""
    from lw.providers.local.pool import Pool
    from lw.providers.local.worker import WorkerSpec

    spec = WorkerSpec(
        handler="lw_handler.handler",
        task_root=task_root,
        runtime_dir=runtime_dir,
        function_name="bench",
        memory_size=1024,
        region="us-east-1",
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        timeout_seconds=30,
        init_timeout_seconds=60,
    )
    pool = Pool(1, spec, 1, lambda source, text: None)
    started = time.perf_counter()
    pool.start()
    try:
        invocation = pool.invoke(json.dumps(http_event("/")).encode())
        elapsed = time.perf_counter() - started
    finally:
        pool.stop()
    answer = json.loads(invocation.payload)
    assert answer.get("statusCode") == 200, answer
    return elapsed


def row(name: str, seconds: float, pushed: PushedImage) -> str:
    return (
        f"| {name} | {pushed.bytes_uploaded / MB:.2f} | {pushed.base_bytes_uploaded / MB:.2f} | "
        f"{len(pushed.layers_uploaded)} up, {len(pushed.layers_mounted)} mounted, {len(pushed.layers_present)} there | "
        f"{seconds:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-mb", type=int, default=60)
    parser.add_argument("--cold-starts", type=int, default=3)
    args = parser.parse_args()
    reporter = Reporter()
    with tempfile.TemporaryDirectory(prefix="lw-bench-images-") as tmp_name:
        tmp = Path(tmp_name)
        project = tmp / "pandas-report"
        shutil.copytree(EXAMPLE, project)
        main_registry = start_registry(tmp / "registry")
        empty_registry = start_registry(tmp / "empty")
        try:
            client = RegistryClient(main_registry.host)
            seed_lambda_base(client, "lambda/python", "3.11", tmp, filler=args.base_mb * MB)
            base = f"{main_registry.host}/lambda/python:3.11"
            spec = ImageSpec(main_registry.host, "pandas-report-dev", base, cmd=("lw_handler.handler",))
            print(f"installing the dependencies once ({EXAMPLE.name})", file=sys.stderr)
            neutral, _extras = build(project, reporter)
            deps_mb = sum(size for _name, size in neutral.dependency_sizes) / MB

            lines = ["| deploy | MB pushed | base MB pushed | layers | seconds |", "| --- | ---: | ---: | --- | ---: |"]
            seconds, first = timed_publish(project, spec, reporter)
            lines.append(row("first push, base already in the registry", seconds, first))
            seconds, same = timed_publish(project, spec, reporter)
            lines.append(row("unchanged redeploy", seconds, same))
            app_py = project / "app.py"
            app_py.write_text(app_py.read_text() + "\n# edited\n")
            seconds, code = timed_publish(project, spec, reporter)
            lines.append(row("code-only redeploy", seconds, code))
            full_spec = ImageSpec(empty_registry.host, "pandas-report-dev", base, cmd=("lw_handler.handler",))
            seconds, full = timed_publish(project, full_spec, reporter)
            lines.append(row("full re-push (empty registry, layers already built)", seconds, full))

            from lw.providers.local import isolation

            runtime_dir = tmp / "runtime"
            isolation.build_runtime_dir(runtime_dir)
            root = tmp / "rootfs"
            unpack_image(code.uri, root, reporter)
            zipped = tmp / "app.zip"
            neutral, extras = build(project, reporter)
            packaging.write_zip(neutral, extras, zipped, entry_point="lw_handler.handler")
            unzipped = tmp / "unzipped"
            with zipfile.ZipFile(zipped) as archive:
                archive.extractall(unzipped)
            image_times = [cold_start(root / "var" / "task", runtime_dir) for _ in range(args.cold_starts)]
            zip_times = [cold_start(unzipped, runtime_dir) for _ in range(args.cold_starts)]
        finally:
            stop_registry(main_registry)
            stop_registry(empty_registry)
    print(f"examples/pandas-report: dependencies {deps_mb:.0f} MB unzipped; synthetic base {args.base_mb} MB\n")
    print("\n".join(lines))
    print("\n| cold start to first answer | median s | runs |\n| --- | ---: | --- |")
    print(f"| image /var/task | {statistics.median(image_times):.2f} | {', '.join(f'{t:.2f}' for t in image_times)} |")
    print(f"| zip, unzipped | {statistics.median(zip_times):.2f} | {', '.join(f'{t:.2f}' for t in zip_times)} |")


if __name__ == "__main__":
    main()
