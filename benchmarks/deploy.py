"""API calls and wall time of deploying examples/flask-hello to AWS, against moto server.

Runs the real CLI in-process three times: the first deploy, an unchanged (no-op)
redeploy, and a code-only redeploy, and prints one table row for each. The package
cache is warmed first so the rows measure lw, not pip downloading Flask.

    python benchmarks/deploy.py [--repeat N]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "flask-hello"
READS = ("Get", "List", "Describe", "Head")


class Calls:
    """Every botocore call, counted at ``BaseClient._make_api_call``."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        log = self.log

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            log.append((client.meta.service_model.service_name, operation))
            return original(client, operation, params)

        BaseClient._make_api_call = counting  # type: ignore[method-assign]

    def take(self) -> list[tuple[str, str]]:
        taken = list(self.log)
        self.log.clear()
        return taken


def start_moto() -> tuple[Any, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def reset_moto(endpoint: str) -> None:
    import requests

    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
    requests.post(f"{endpoint}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=30).raise_for_status()


def lw(project: Path, *args: str) -> None:
    from click.testing import CliRunner

    import lw.cli

    result = CliRunner().invoke(lw.cli.main, [*args, "--config", str(project / "lw.yml"), "--provider", "aws"])
    if result.exit_code != 0:
        raise SystemExit(f"lw {' '.join(args)} failed: {result.stderr or result.output}")


class PackagingClock:
    """Time spent building the package, to tell it apart from planning and applying."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def install(self) -> None:
        from lw.core import workflow

        original = workflow.package

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        workflow.package = timed  # type: ignore[assignment]

    def take(self) -> float:
        taken, self.seconds = self.seconds, 0.0
        return taken


CLOCK = PackagingClock()


def measure(label: str, action: Callable[[], None], calls: Calls) -> dict[str, Any]:
    calls.take()
    CLOCK.take()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    made = calls.take()
    mutating = [c for c in made if not c[1].startswith(READS)]
    return {"label": label, "seconds": elapsed, "package": CLOCK.take(), "calls": len(made),
            "mutating": len(mutating), "mutating_ops": Counter(op for _, op in mutating)}


def run_once(workdir: Path, endpoint: str, calls: Calls) -> list[dict[str, Any]]:
    reset_moto(endpoint)
    project = workdir / "flask-hello"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".lw", "__pycache__"))

    def code_change() -> None:
        app = project / "app.py"
        app.write_text(app.read_text() + f"\n# change {time.time()}\n")
        lw(project, "deploy")

    rows = [
        measure("first deploy", lambda: lw(project, "deploy"), calls),
        measure("no-op redeploy", lambda: lw(project, "deploy"), calls),
        measure("code-only redeploy", code_change, calls),
    ]
    lw(project, "undeploy", "--yes")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median time is shown")
    args = parser.parse_args()
    server, endpoint = start_moto()
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        workdir = Path(tmp)
        os.environ.update({
            "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1", "CI": "1",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "LW_CACHE_DIR": str(workdir / "cache"),
        })
        os.environ.pop("AWS_PROFILE", None)
        calls = Calls()
        calls.install()
        CLOCK.install()
        run_once(workdir, endpoint, calls)  # warm the package cache and moto's lazy imports
        runs = [run_once(workdir, endpoint, calls) for _ in range(max(1, args.repeat))]
    server.stop()

    print(f"examples/flask-hello -> AWS (moto server), median of {len(runs)} run(s), python {sys.version.split()[0]}")
    print(f"{'step':<20} {'wall s':>7} {'package s':>10} {'AWS s':>6} {'API calls':>10} {'mutating':>9}  "
          "mutating operations")
    for index, first in enumerate(runs[0]):
        seconds = statistics.median(run[index]["seconds"] for run in runs)
        packaging = statistics.median(run[index]["package"] for run in runs)
        ops = ", ".join(f"{op}x{n}" if n > 1 else op for op, n in sorted(first["mutating_ops"].items())) or "-"
        print(f"{first['label']:<20} {seconds:>7.2f} {packaging:>10.2f} {seconds - packaging:>6.2f} "
              f"{first['calls']:>10} {first['mutating']:>9}  {ops}")


if __name__ == "__main__":
    main()
