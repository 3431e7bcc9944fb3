"""API calls and wall time of deploying examples/flask-hello to AWS, against moto server.

Runs the real CLI in-process three times: the first deploy, an unchanged (no-op)
redeploy, and a code-only redeploy, and prints one table row for each: wall time,
API calls, writes (mutating calls) and retries (calls AWS answered with an error
that lw or botocore then retried or waited out, plus botocore's own retry attempts).
The package cache is warmed first so the rows measure lw, not pip downloading Flask.

    python benchmarks/deploy.py [--repeat N] [--section all|flask|regions|layer|features] [--latency-ms MS]
                                [--moto-process] [--strict]

``--strict`` also runs the flask rows behind the tests' strict AWS layer
(tests/providers/aws/strict_aws.py: Pending/InProgress states, IAM propagation,
quotas… in milliseconds, with lw's waits scaled by ``LW_AWS_WAIT_SCALE``) and prints
them beside the plain-moto ones; on a checkout without that layer it says so and
prints the plain rows only.

``--section regions`` compares a one-region stage with a three-region one (``regions``)
step by step; ``--section layer`` measures a code-only redeploy of
examples/django-site with and without ``dependency_layer`` (bytes uploaded and wall
time); ``--section features`` deploys examples/tasks-demo (result table, then the SNS
task source) and flask-hello behind its own Application Load Balancer, down to the
undeploy. ``--latency-ms`` adds a delay to every AWS call, as the network to AWS would,
and ``--moto-process`` runs moto in its own process: against an in-process moto every
call is CPU work under this process's GIL, which hides what concurrent regions save
when calls wait on the network.
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
    """Every botocore call, counted at ``BaseClient._make_api_call``, with the bytes of
    code uploaded inline (function and layer zips) and an optional simulated latency."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.uploaded = 0
        self.latency = 0.0
        self.retries = 0
        self.pristine: Any = None  # botocore's own _make_api_call, before any counting

    def install(self, patcher: Any = None) -> None:
        """Count at botocore's choke point; ``patcher`` (a pytest MonkeyPatch) makes it
        undoable, so it can sit in front of a strict layer installed per run."""
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError

        from lw.providers.aws.errors import is_not_found

        original = BaseClient._make_api_call
        if self.pristine is None:
            self.pristine = original
        log = self.log

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            log.append((client.meta.service_model.service_name, operation))
            code = params.get("ZipFile") or (params.get("Code") or params.get("Content") or {}).get("ZipFile")
            if isinstance(code, (bytes, bytearray)):
                self.uploaded += len(code)
            if self.latency:
                time.sleep(self.latency)
            try:
                response = original(client, operation, params)
            except ClientError as exc:
                # A refusal (not a "no such resource" answer, which is how lw reads state)
                # in a run that succeeded is one lw or botocore retried or waited out.
                refused = 0 if is_not_found(exc) else 1
                self.retries += refused + int((exc.response.get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
                raise
            self.retries += int(((response or {}).get("ResponseMetadata") or {}).get("RetryAttempts") or 0)
            return response

        if patcher is None:
            BaseClient._make_api_call = counting  # type: ignore[method-assign]
        else:
            patcher.setattr(BaseClient, "_make_api_call", counting)

    def take(self) -> list[tuple[str, str]]:
        taken = list(self.log)
        self.log.clear()
        return taken

    def take_retries(self) -> int:
        taken, self.retries = self.retries, 0
        return taken


def start_moto() -> tuple[Any, str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def start_moto_process() -> tuple[Any, str]:
    """moto in its own process, so that its CPU work does not share this process's
    GIL with lw's concurrent regions (as AWS's does not)."""
    import socket
    import subprocess

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)

    class Stopper:
        def stop(self) -> None:
            server.terminate()
            server.wait(timeout=10)

    return Stopper(), endpoint


def reset_moto(endpoint: str) -> None:
    import requests

    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()
    requests.post(f"{endpoint}/moto-api/config", json={"lambda": {"use_docker": False}}, timeout=30).raise_for_status()


def take_uploaded(calls: Calls) -> int:
    taken, calls.uploaded = calls.uploaded, 0
    return taken


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
    calls.take_retries()
    take_uploaded(calls)
    CLOCK.take()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    made = calls.take()
    mutating = [c for c in made if not c[1].startswith(READS)]
    return {
        "label": label,
        "seconds": elapsed,
        "package": CLOCK.take(),
        "calls": len(made),
        "mutating": len(mutating),
        "mutating_ops": Counter(op for _, op in mutating),
        "uploaded": take_uploaded(calls),
        "retries": calls.take_retries(),
    }


class StrictLayer:
    """The tests' strict AWS layer, when this checkout has it (``--strict``)."""

    MODULE_DIR = REPO / "tests" / "providers" / "aws"
    WAIT_SCALE = "0.001"  # the scale the tests run lw's waits with

    def __init__(self) -> None:
        self.cls: Any = None
        self.missing = ""
        if str(self.MODULE_DIR) not in sys.path:
            sys.path.insert(0, str(self.MODULE_DIR))
        try:
            from strict_aws import StrictAws  # type: ignore[import-not-found]
        except ImportError as exc:
            self.missing = f"tests/providers/aws/strict_aws.py is not in this checkout ({exc})"
        else:
            self.cls = StrictAws

    @property
    def available(self) -> bool:
        return self.cls is not None

    def run(self, calls: Calls, action: Callable[[], Any]) -> Any:
        """``action()`` behind a fresh layer (its model is per run, as per test), with the
        call counter in front of it so that the layer's refusals are counted."""
        import pytest
        from botocore.client import BaseClient

        patcher = pytest.MonkeyPatch()
        try:
            patcher.setenv("LW_AWS_WAIT_SCALE", self.WAIT_SCALE)
            patcher.setattr(BaseClient, "_make_api_call", calls.pristine)  # counted once, in front
            self.cls().install(patcher)
            calls.install(patcher)
            return action()
        finally:
            patcher.undo()


def run_once(
    workdir: Path,
    endpoint: str,
    calls: Calls,
    *,
    example: Path = EXAMPLE,
    extra_config: str = "",
    code_file: str = "app.py",
    strict: StrictLayer | None = None,
    prepare: Callable[[], str] | None = None,
) -> list[dict[str, Any]]:
    """First deploy, no-op redeploy and code-only redeploy of a fresh copy of
    ``example`` (with ``extra_config`` appended to its stage), then undeploy.
    ``prepare`` runs on the empty moto and returns more stage config (resources the
    user owns, such as a VPC)."""
    if strict is not None:
        return strict.run(
            calls,
            lambda: run_once(
                workdir,
                endpoint,
                calls,
                example=example,
                extra_config=extra_config,
                code_file=code_file,
                prepare=prepare,
            ),
        )
    reset_moto(endpoint)
    if prepare is not None:
        extra_config += prepare()
    project = workdir / example.name
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(example, project, ignore=shutil.ignore_patterns(".lw", "__pycache__"))
    if extra_config:
        config = project / "lw.yml"
        config.write_text(config.read_text().rstrip("\n") + "\n" + extra_config)

    def code_change() -> None:
        app = project / code_file
        app.write_text(app.read_text() + f"\n# change {time.time()}\n")
        lw(project, "deploy")

    rows = [
        measure("first deploy", lambda: lw(project, "deploy"), calls),
        measure("no-op redeploy", lambda: lw(project, "deploy"), calls),
        measure("code-only redeploy", code_change, calls),
        measure("undeploy", lambda: lw(project, "undeploy", "--yes"), calls),
    ]
    return rows


REGIONS_3 = "  regions: [us-east-1, eu-west-1, ap-southeast-2]\n"
DJANGO = REPO / "examples" / "django-site"
STEPS = ("first deploy", "no-op redeploy", "code-only redeploy")


def _median(runs: list[list[dict[str, Any]]], index: int, key: str) -> float:
    return statistics.median(run[index][key] for run in runs)


def _repeat(
    args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls, **variant: Any
) -> list[list[dict[str, Any]]]:
    run_once(workdir, endpoint, calls, **variant)  # warm the package cache and moto's lazy imports
    return [run_once(workdir, endpoint, calls, **variant) for _ in range(max(1, args.repeat))]


def flask_section(args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls) -> None:
    runs = _repeat(args, workdir, endpoint, calls)
    print(f"examples/flask-hello -> AWS (moto server), median of {len(runs)} run(s), python {sys.version.split()[0]}")
    print(
        f"{'step':<20} {'wall s':>7} {'package s':>10} {'AWS s':>6} {'API calls':>10} {'writes':>7} "
        f"{'retries':>8}  mutating operations"
    )
    for index, first in enumerate(runs[0]):
        seconds = _median(runs, index, "seconds")
        packaging = _median(runs, index, "package")
        ops = ", ".join(f"{op}x{n}" if n > 1 else op for op, n in sorted(first["mutating_ops"].items())) or "-"
        print(
            f"{first['label']:<20} {seconds:>7.2f} {packaging:>10.2f} {seconds - packaging:>6.2f} "
            f"{first['calls']:>10} {first['mutating']:>7} {int(_median(runs, index, 'retries')):>8}  {ops}"
        )
    if args.strict:
        strict_section(args, workdir, endpoint, calls, runs)


def strict_section(
    args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls, plain: list[list[dict[str, Any]]]
) -> None:
    """The flask rows again behind the strict AWS layer, beside the plain-moto ones."""
    layer = StrictLayer()
    if not layer.available:
        print(f"\n--strict: no strict layer to run against: {layer.missing}; plain-moto figures only")
        return
    strict = _repeat(args, workdir, endpoint, calls, strict=layer)
    print(
        f"\nexamples/flask-hello: plain moto vs the strict AWS layer (AWS's states, propagation and quotas in "
        f"ms, lw's waits x{layer.WAIT_SCALE}), median of {len(strict)} run(s)"
    )
    print(
        f"{'step':<20} {'wall plain':>10} {'wall strict':>11} {'calls plain':>11} {'calls strict':>12} "
        f"{'writes plain':>12} {'writes strict':>13} {'retries plain':>13} {'retries strict':>14}"
    )
    for index, label in enumerate(STEPS):
        print(
            f"{label:<20} {_median(plain, index, 'seconds'):>10.2f} {_median(strict, index, 'seconds'):>11.2f} "
            f"{int(_median(plain, index, 'calls')):>11} {int(_median(strict, index, 'calls')):>12} "
            f"{int(_median(plain, index, 'mutating')):>12} {int(_median(strict, index, 'mutating')):>13} "
            f"{int(_median(plain, index, 'retries')):>13} {int(_median(strict, index, 'retries')):>14}"
        )


def regions_section(args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls) -> None:
    """One region against three: the target is 3 regions within 1.5x of one."""
    one = _repeat(args, workdir, endpoint, calls)
    three = _repeat(args, workdir, endpoint, calls, extra_config=REGIONS_3)
    print(
        f"\nexamples/flask-hello: 1 region vs regions: [us-east-1, eu-west-1, ap-southeast-2] "
        f"(moto server, +{args.latency_ms:g} ms per call), median of {len(one)} run(s)"
    )
    print(
        f"{'step':<20} {'1 region s':>11} {'3 regions s':>12} {'ratio':>6} {'calls 1':>8} {'calls 3':>8} "
        f"{'mutating 1':>11} {'mutating 3':>11}"
    )
    for index, label in enumerate(STEPS):
        a, b = _median(one, index, "seconds"), _median(three, index, "seconds")
        print(
            f"{label:<20} {a:>11.2f} {b:>12.2f} {b / a:>6.2f} {one[0][index]['calls']:>8} "
            f"{three[0][index]['calls']:>8} {one[0][index]['mutating']:>11} {three[0][index]['mutating']:>11}"
        )


def layer_section(args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls) -> None:
    """A code-only redeploy of examples/django-site with and without dependency_layer."""
    rows = []
    for label, extra in (("without layer", ""), ("dependency_layer", "  dependency_layer: true\n")):
        runs = _repeat(args, workdir, endpoint, calls, example=DJANGO, extra_config=extra, code_file="mysite/urls.py")
        rows.append((label, runs))
    print(
        f"\nexamples/django-site code-only redeploy, with and without dependency_layer "
        f"(moto server, +{args.latency_ms:g} ms per call), median of {len(rows[0][1])} run(s)"
    )
    print(
        f"{'variant':<18} {'step':<20} {'wall s':>7} {'package s':>10} {'uploaded':>11} {'mutating':>9}  "
        "mutating operations"
    )
    for label, runs in rows:
        for index, step in enumerate(STEPS):
            first = runs[0][index]
            ops = ", ".join(f"{op}x{n}" if n > 1 else op for op, n in sorted(first["mutating_ops"].items())) or "-"
            print(
                f"{label:<18} {step:<20} {_median(runs, index, 'seconds'):>7.2f} "
                f"{_median(runs, index, 'package'):>10.2f} {int(_median(runs, index, 'uploaded')):>11,} "
                f"{first['mutating']:>9}  {ops}"
            )


def alb_network() -> str:
    """A VPC with two subnets in two zones (the user's, made before lw runs): the
    ``alb:`` stage config that uses them."""
    import boto3

    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    return f"  apigateway: false\n  alb:\n    subnets: [{', '.join(subnets)}]\n"


TASKS_DEMO = REPO / "examples" / "tasks-demo"
FEATURES: dict[str, dict[str, Any]] = {
    "tasks-demo: async_response_table": {"example": TASKS_DEMO},
    "tasks-demo: + async_source: sns": {"example": TASKS_DEMO, "extra_config": "  async_source: sns\n"},
    "flask-hello: alb (own load balancer)": {"prepare": alb_network},
}


def features_section(args: argparse.Namespace, workdir: Path, endpoint: str, calls: Calls) -> None:
    """Asynchronous tasks and the ALB front door: what each adds to a deploy, and that a
    no-op redeploy writes nothing and undeploy removes it all."""
    print(f"\nTasks and ALB (moto server, +{args.latency_ms:g} ms per call), median wall time")
    print(f"{'stage':<38} {'step':<20} {'wall s':>7} {'API calls':>10} {'writes':>7}  mutating operations")
    for label, variant in FEATURES.items():
        runs = _repeat(args, workdir, endpoint, calls, **variant)
        for index, first in enumerate(runs[0]):
            ops = ", ".join(f"{op}x{n}" if n > 1 else op for op, n in sorted(first["mutating_ops"].items())) or "-"
            print(
                f"{label:<38} {first['label']:<20} {_median(runs, index, 'seconds'):>7.2f} "
                f"{first['calls']:>10} {first['mutating']:>7}  {ops}"
            )


SECTIONS = {"flask": flask_section, "regions": regions_section, "layer": layer_section, "features": features_section}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median time is shown")
    parser.add_argument("--section", choices=["all", *SECTIONS], default="all")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="simulated network latency per AWS call")
    parser.add_argument("--moto-process", action="store_true", help="run moto server in a separate process")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also run the flask rows behind tests/providers/aws/strict_aws.py, side by side",
    )
    args = parser.parse_args()
    server, endpoint = start_moto_process() if args.moto_process else start_moto()
    with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
        workdir = Path(tmp)
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_MAX_ATTEMPTS": "1",
                "CI": "1",
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "LW_CACHE_DIR": str(workdir / "cache"),
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        calls = Calls()
        calls.install()
        calls.latency = args.latency_ms / 1000
        CLOCK.install()
        for name, section in SECTIONS.items():
            if args.section in ("all", name):
                section(args, workdir, endpoint, calls)
    server.stop()


if __name__ == "__main__":
    main()
