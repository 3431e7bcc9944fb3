"""Wall time of local deploys of examples/flask-hello, and request latency through them.

    python benchmarks/local.py [--requests N]

Copies the example to a temporary folder, then times the real CLI (subprocesses, as a
user runs it): the first deploy, an unchanged redeploy, a code-only redeploy and
undeploy, plus GET latency through the local API Gateway stand-in and the Lambda
Runtime API to a warm worker: sequential, then from ``--clients`` concurrent clients
(each request on a new connection, as browsers and load tools open them), where the
goal is p99 within 5x p50. The package cache is warmed first so the rows
measure lw, not pip downloading Flask.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "flask-hello"


def lw(project: Path, env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lw", *args, "--provider", "local"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - started, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients for the second run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lw-bench-local-") as tmp:
        project = Path(tmp) / "flask-hello"
        shutil.copytree(EXAMPLE, project)
        env = {**os.environ, "LW_CACHE_DIR": os.environ.get("LW_CACHE_DIR", str(Path(tmp) / "cache"))}
        subprocess.run(
            [sys.executable, "-m", "lw", "package", "--provider", "local"],
            cwd=project,
            env=env,
            capture_output=True,
            check=True,
            timeout=300,
        )
        rows = []
        try:
            seconds, url = lw(project, env, "deploy")
            rows.append(("first deploy", seconds))
            rows.append(("unchanged redeploy", lw(project, env, "deploy")[0]))
            app = project / "app.py"
            app.write_text(app.read_text() + "\n# a code change\n")
            rows.append(("code-only redeploy", lw(project, env, "deploy")[0]))
            latencies = [timed_get(url) for _ in range(args.requests)]
            concurrent = under_load(url, args.clients, args.requests)
        finally:
            rows.append(("undeploy", lw(project, env, "undeploy", "--yes")[0]))
    print(f"{'step':<22} {'wall s':>8}")
    for name, seconds in rows:
        print(f"{name:<22} {seconds:>8.2f}")
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"\nGET / x{len(latencies)}: median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")
    concurrent.sort()
    p50, p99 = statistics.median(concurrent), concurrent[int(len(concurrent) * 0.99) - 1]
    verdict = "within" if p99 <= 5 * p50 else "OVER"
    print(
        f"GET / x{len(concurrent)} from {args.clients} concurrent clients: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, max {concurrent[-1]:.1f} ms (p99/p50 {p99 / p50:.1f}, {verdict} the 5x goal)"
    )


def timed_get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url + "/", timeout=30) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def under_load(url: str, clients: int, per_client: int) -> list[float]:
    """Latencies of ``clients`` threads each making ``per_client`` requests at once."""
    results: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client() -> None:
        start.wait()
        mine = [timed_get(url) for _ in range(per_client)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


if __name__ == "__main__":
    main()
