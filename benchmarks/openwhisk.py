"""Requests, writes and wall time of deploying examples/flask-hello to OpenWhisk.

    python benchmarks/openwhisk.py

There is no OpenWhisk cluster here, so the deploys go to the test suite's loopback fake
controller (tests/providers/openwhisk/fake_openwhisk.py), which validates every request
against the official swagger and answers as the controller does. The figures count what
lw sends (requests, writes) and time lw's own work; a real cluster adds its latency per
request. The package cache is warmed first so the rows measure lw, not pip.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "providers" / "openwhisk"))

from click.testing import CliRunner  # noqa: E402
from fake_openwhisk import GUEST_AUTH, FakeOpenWhisk  # noqa: E402

from lw.cli import main as lw_main  # noqa: E402


def run(*args: str) -> None:
    result = CliRunner().invoke(lw_main, [*args, "--provider", "openwhisk"], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"lw {' '.join(args)} failed:\n{result.output}")


def main() -> None:
    fake = FakeOpenWhisk().start()
    rows = []
    with tempfile.TemporaryDirectory(prefix="lw-bench-ow-") as tmp:
        project = Path(tmp) / "flask-hello"
        shutil.copytree(REPO / "examples" / "flask-hello", project)
        os.chdir(project)
        os.environ.update(LW_OPENWHISK_APIHOST=fake.url, LW_OPENWHISK_AUTH=GUEST_AUTH, LW_OPENWHISK_NAMESPACE="guest")
        os.environ.setdefault("LW_CACHE_DIR", str(Path(tmp) / "cache"))
        run("package")
        for step, args in (
            ("first deploy", ("deploy",)),
            ("unchanged redeploy", ("deploy",)),
            ("code-only redeploy", ("deploy",)),
            ("undeploy", ("undeploy", "--yes")),
        ):
            if step == "code-only redeploy":
                (project / "app.py").write_text((project / "app.py").read_text() + "\n# a code change\n")
            fake.reset_log()
            started = time.perf_counter()
            run(*args)
            rows.append((step, time.perf_counter() - started, len(fake.requests), len(fake.writes())))
    fake.stop()
    if fake.violations:
        raise SystemExit("requests that break the swagger:\n" + "\n".join(fake.violations))
    print(f"{'step':<22} {'wall s':>8} {'requests':>9} {'writes':>7}")
    for step, seconds, requests, writes in rows:
        print(f"{step:<22} {seconds:>8.2f} {requests:>9} {writes:>7}")


if __name__ == "__main__":
    main()
