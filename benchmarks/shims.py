"""Benchmark lw's AWS shim against a direct WSGI call and the peer shims, in one process.

Run:  python benchmarks/shims.py [--quick] [--imports] [--json] [--wall-clock]
      python benchmarks/shims.py --instructions [--flask]   (needs valgrind; see below)

Prints three tables:

1. µs per event for API Gateway v1, HTTP API v2 and ALB events, in two sets: lw's own
   minimal GETs (``v1``, ``v2``, ``ALB``) and events shaped like the AWS SAM CLI's
   ``sam local generate-event`` samples (``SAM v1``: a POST with a base64 body and the
   CloudFront headers; ``SAM v2``: a POST with cookies and a JWT authorizer; ``SAM ALB``),
   stored in ``benchmarks/events/``. Each runs with a minimal WSGI app and with a small
   Flask app: the floor (the app called directly with the environ of the same request,
   prepared once), lw, lw with its default access log written to a pipe, apig-wsgi,
   serverless-wsgi and Mangum. Mangum only speaks ASGI and no
   standard-library-only WSGI-to-ASGI adapter exists, so its rows use an equivalent
   minimal ASGI app (lifespan off, its most favourable setting) and it has no Flask rows.
   "overhead" is µs above the floor of the same app and event.
2. The ratios: lw's overhead divided by apig-wsgi's, with the access log off (target at
   most 0.5) and on (target at most 1.0), for both apps and every event.
3. Import cost of each shim in a fresh interpreter; lw's is imported from a built
   package (the runtime files lw ships, compiled as the packager compiles them):
   milliseconds and modules added over an empty interpreter (targets: 5 ms, 12 modules).

"lw + access log" writes lw's default access line to a pipe read by another process,
block-buffered as Python buffers stdout on a pipe; "lw + log, flushed" flushes after
every line, as the Lambda runtime's stdout wrapper (awslambdaric) does.

``--instructions`` prints a fourth table instead of the first three: CPU instructions per
event (minimal app; ``--flask`` adds the same table for the Flask app), counted by
valgrind's cachegrind as the difference between a process that handles the event N times
and one that handles it once. The count does not depend on what else the machine is
doing, so it settles a ratio that timings on a shared machine leave in doubt; it weighs
every instruction alike (no cache or branch effects).

Needs the ``bench`` extra (apig-wsgi, serverless-wsgi, mangum, flask).
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

REPO = Path(__file__).resolve().parent.parent
EVENT_DIR = Path(__file__).resolve().parent / "events"
sys.path.insert(0, str(REPO))

HOST = "abc123.execute-api.us-east-1.amazonaws.com"
COMMON_HEADERS = {
    "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "accept-encoding": "gzip, deflate, br",
    "accept-language": "en-US,en;q=0.9",
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    "x-forwarded-for": "198.51.100.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
}


def v1_event() -> dict[str, Any]:
    headers = dict(COMMON_HEADERS, host=HOST)
    return {
        "resource": "/{proxy+}",
        "path": "/hello",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {"page": "2"},
        "multiValueQueryStringParameters": {"page": ["2"]},
        "pathParameters": {"proxy": "hello"},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": "GET",
            "path": "/prod/hello",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "Firefox"},
            "requestId": "r-1",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
            "domainName": HOST,
        },
        "body": None,
        "isBase64Encoded": False,
    }


def v2_event() -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/hello",
        "rawQueryString": "page=2",
        "cookies": ["session=abc"],
        "headers": dict(COMMON_HEADERS, host=HOST),
        "queryStringParameters": {"page": "2"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": HOST,
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": "/hello",
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "Firefox",
            },
            "requestId": "r-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": 0,
        },
        "isBase64Encoded": False,
    }


def alb_event() -> dict[str, Any]:
    return {
        "requestContext": {
            "elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}
        },
        "httpMethod": "GET",
        "path": "/hello",
        "queryStringParameters": {"page": "2"},
        "headers": dict(COMMON_HEADERS, host="lb-1.us-east-1.elb.amazonaws.com"),
        "body": "",
        "isBase64Encoded": False,
    }


def stored_event(name: str) -> Callable[[], dict[str, Any]]:
    """A factory for one of the SAM-shaped sample events in ``benchmarks/events``."""
    document = json.loads((EVENT_DIR / f"{name}.json").read_text())
    document.pop("_comment", None)
    return lambda: json.loads(json.dumps(document))


EVENTS = {
    "v1": v1_event,
    "v2": v2_event,
    "ALB": alb_event,
    "SAM v1": stored_event("sam_apigw_v1"),
    "SAM v2": stored_event("sam_http_api_v2"),
    "SAM ALB": stored_event("sam_alb"),
}
EVENT_KINDS = ("v1", "v2", "ALB")


def minimal_app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"Hello"]


async def minimal_asgi_app(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")],
        }
    )
    await send({"type": "http.response.body", "body": b"Hello"})


def flask_app() -> Any:
    from flask import Flask, request

    app = Flask("bench")

    @app.route("/hello")
    def hello() -> str:
        return "Hello"

    @app.route("/path/to/resource", methods=["POST"])
    def resource() -> str:
        return "Hello " + str(len(request.get_data()))

    @app.route("/lambda")
    def alb() -> str:
        return "Hello"

    return app


class Context:
    function_name = "bench"
    aws_request_id = "r-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def floor_call(app: Callable, event: dict[str, Any]) -> Callable[[dict, Any], Any]:
    """The app called directly with the environ of the same request, prepared once: the
    work any shim must add to. The environ is lw's (the most complete of the shims')."""
    from lw.runtime.aws_http import adapter_for
    from lw.runtime.shim import Shim

    environ = adapter_for(event).environ(event, None, Shim(None))
    body = environ["wsgi.input"].read()

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        return None

    def call(event: dict, context: Any) -> Any:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(body)
        result = app(env, start_response)
        try:
            return b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return call


class PipeStdout:
    """stdout replaced by a pipe that another process drains, for the access-log rows."""

    def __init__(self) -> None:
        self.reader = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        # What Python's own sys.stdout is on a pipe: text over an 8 KiB buffered writer.
        self.stream = io.TextIOWrapper(self.reader.stdin, encoding="utf-8")  # type: ignore[arg-type]
        self.flushed = _Unbuffered(self.stream)

    def wrap(self, handler: Callable, flush_each_line: bool) -> Callable:
        """The handler, marked to run with stdout on the pipe: ``measure`` swaps stdout
        around each batch, not each call, so the swap is not counted as lw's work."""

        def call(event: dict, context: Any) -> Any:
            return handler(event, context)

        call.stdout = self.flushed if flush_each_line else self.stream  # type: ignore[attr-defined]
        return call

    def close(self) -> None:
        self.stream.close()
        self.reader.wait()


class _Unbuffered:
    """The Lambda Python runtime's stdout: every write is flushed at once."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def flush(self) -> None:
        self.stream.flush()


def shims_for(
    app: Callable, asgi_app: Callable | None, pipe: PipeStdout, event: dict[str, Any]
) -> dict[str, Callable[[dict, Any], Any] | None]:
    import apig_wsgi
    import serverless_wsgi
    from mangum import Mangum

    from lw.runtime.aws import make_handler

    shims: dict[str, Callable[[dict, Any], Any] | None] = {
        "floor (direct WSGI call)": floor_call(app, event),
        "lw": make_handler(app, log_requests=False),
        "lw + access log": pipe.wrap(make_handler(app), flush_each_line=False),
        "lw + log, flushed": pipe.wrap(make_handler(app), flush_each_line=True),
        "apig-wsgi": apig_wsgi.make_lambda_handler(app, binary_support=True),
        "serverless-wsgi": lambda event, context: serverless_wsgi.handle_request(app, event, context),
    }
    if asgi_app is not None:
        shims["lw (ASGI app)"] = make_handler(asgi_app, log_requests=False)
        shims["Mangum (ASGI app)"] = Mangum(asgi_app, lifespan="off")
    else:
        shims["Mangum"] = None
    return shims


def measure(
    handlers: dict[str, Callable | None], event_factory: Callable[[], dict], context: Any, quick: bool, slow_app: bool
) -> dict[str, float]:
    """Best batch mean per call, in µs, for each handler.

    Handlers are timed in alternating small batches, many rounds, keeping each one's best
    batch: on a shared machine load comes and goes, and interleaving exposes every shim to
    the same conditions instead of favouring whichever ran during a quiet second. The
    clock is this process's CPU time, so time spent waiting for a core that another
    process holds is not counted (wall time is used with ``--wall-clock``).
    """
    events = {}
    for name, handler in handlers.items():
        if handler is None:
            continue
        events[name] = event_factory()
        with _stdout_of(handler):
            response = handler(events[name], context)
        status = response.get("statusCode", 200) if isinstance(response, dict) else 200
        assert status == 200, (name, response)
    number = (20 if quick else 50) if slow_app else (50 if quick else 100)
    rounds = 40 if quick else 150
    best = {name: float("inf") for name in events}
    timer = time.perf_counter if "--wall-clock" in sys.argv else time.process_time
    for _ in range(rounds):
        for name in events:
            handler, event = handlers[name], events[name]
            with _stdout_of(handler):
                start = timer()
                for _ in range(number):
                    handler(event, context)
                best[name] = min(best[name], (timer() - start) / number)
    return {name: (best[name] * 1e6 if name in best else float("nan")) for name in handlers}


@contextlib.contextmanager
def _stdout_of(handler: Callable) -> Iterator[None]:
    """sys.stdout set to the handler's pipe, if it has one, for a whole batch."""
    stdout = getattr(handler, "stdout", None)
    if stdout is None:
        yield
        return
    saved = sys.stdout
    sys.stdout = stdout
    try:
        yield
    finally:
        sys.stdout = saved


def run_requests(quick: bool) -> list[tuple[str, str, str, float]]:
    rows = []
    context = Context()
    pipe = PipeStdout()
    try:
        for app_name, app, asgi_app in (("minimal", minimal_app, minimal_asgi_app), ("Flask", flask_app(), None)):
            for event_name, make_event in EVENTS.items():
                shims = shims_for(app, asgi_app, pipe, make_event())
                for shim_name, us in measure(shims, make_event, context, quick, app_name == "Flask").items():
                    rows.append((app_name, event_name, shim_name, us))
    finally:
        pipe.close()
    return rows


def print_request_table(rows: list[tuple[str, str, str, float]]) -> dict[str, float]:
    print("\nµs per event (lower is better); overhead = µs above the floor of the same app and event\n")
    print(f"{'app':8} {'event':8} {'shim':26} {'µs/event':>9} {'overhead':>9}")
    floors = {(a, e): us for a, e, s, us in rows if s.startswith("floor")}
    ratios: dict[str, float] = {}
    for app_name, event_name, shim_name, us in rows:
        if us != us:  # NaN: not applicable
            print(f"{app_name:8} {event_name:8} {shim_name:26} {'n/a':>9} {'':>9}  (ASGI-only shim)")
            continue
        overhead = us - floors[(app_name, event_name)]
        print(f"{app_name:8} {event_name:8} {shim_name:26} {us:9.1f} {overhead:9.1f}")
    print("\nlw overhead / apig-wsgi overhead (targets: <= 0.50 without the access log, <= 1.00 with it)\n")
    print(f"{'app':8} {'event':8} {'lw':>6} {'+ log':>6} {'+ log, flushed':>15}")
    for app_name in ("minimal", "Flask"):
        for event_name in EVENTS:
            get = {s: us for a, e, s, us in rows if a == app_name and e == event_name}
            floor = floors[(app_name, event_name)]
            peer = get["apig-wsgi"] - floor
            plain = (get["lw"] - floor) / peer
            logged = (get["lw + access log"] - floor) / peer
            flushed = (get["lw + log, flushed"] - floor) / peer
            ratios[f"{app_name}/{event_name}"] = plain
            ratios[f"{app_name}/{event_name}/log"] = logged
            ratios[f"{app_name}/{event_name}/log-flushed"] = flushed
            print(f"{app_name:8} {event_name:8} {plain:6.2f} {logged:6.2f} {flushed:15.2f}")
    return ratios


IMPORTS = {
    "lw.runtime.aws": "lw.runtime.aws",
    "lw.runtime.openwhisk": "lw.runtime.openwhisk",
    "apig-wsgi": "apig_wsgi",
    "serverless-wsgi": "serverless_wsgi",
    "mangum": "mangum",
    "flask (for scale)": "flask",
}


def built_runtime() -> Path:
    """The runtime as a deployment package carries it: lw's runtime files written out by
    the packager's own function and compiled the way the packager compiles them."""
    from lw.core.entry import runtime_files
    from lw.core.packaging.bytecode import compile_tree

    root = Path(tempfile.mkdtemp(prefix="lw-bench-runtime-"))
    for name, data in runtime_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    compile_tree(root)
    return root


def import_cost(module: str, runs: int, paths: list[str]) -> tuple[float, float, int]:
    """Best and median ms, and modules added, by ``import module`` in fresh ``python -S``
    processes (the best is the least disturbed by other load on the machine).

    ``-S`` keeps site hooks of this development venv (editable installs load ``re``,
    ``urllib``...) out of the baseline; the paths are added by hand instead.
    """
    code = (
        "import sys, time; sys.path[:0] = %r; before = len(sys.modules); t = time.perf_counter();"
        "import %s; dt = time.perf_counter() - t; print(dt * 1000, len(sys.modules) - before)" % (paths, module)
    )
    times, counts = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True).stdout
        ms, count = out.split()
        times.append(float(ms))
        counts.append(int(count))
    return min(times), statistics.median(times), max(counts)


def run_imports(quick: bool) -> dict[str, tuple[float, float, int]]:
    """Import costs: lw from a built package (with the bytecode the packager ships: Lambda's
    file system is read-only, so uncompiled code is compiled on every cold start); the
    peers from this venv, where pip compiled them at install."""
    import shutil

    runtime = built_runtime()
    site_dirs = [p for p in sys.path if p.endswith("site-packages")]
    runs = 5 if quick else 15
    print("\nimport cost in a fresh interpreter (%d processes each); lw from a built package\n" % runs)
    print(f"{'shim':20} {'best ms':>8} {'median ms':>10} {'modules':>8}")
    results = {}
    try:
        for label, module in IMPORTS.items():
            paths = [str(runtime)] if module.startswith("lw.") else site_dirs
            best, median, count = import_cost(module, runs, paths)
            results[label] = (best, median, count)
            print(f"{label:20} {best:8.2f} {median:10.2f} {count:8d}")
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    return results


INSTRUCTION_SHIMS = ("floor", "lw", "lw + access log", "apig-wsgi")


def instructions_child(app_name: str, shim: str, event_name: str, count: int) -> None:
    """Handle one event ``count`` times (and once before, as warm-up), for cachegrind."""
    import apig_wsgi

    from lw.runtime.aws import make_handler

    app = flask_app() if app_name == "Flask" else minimal_app
    event = EVENTS[event_name]()
    if shim == "floor":
        handler = floor_call(app, event)
    elif shim == "lw":
        handler = make_handler(app, log_requests=False)
    elif shim == "lw + access log":
        handler = make_handler(app)
        # What stdout is on a pipe or file: a block-buffered text stream.
        sys.stdout = io.TextIOWrapper(open("/dev/null", "wb"), encoding="utf-8")  # noqa: SIM115
    else:
        handler = apig_wsgi.make_lambda_handler(app, binary_support=True)
    context = Context()
    for _ in range(count + 1):
        handler(event, context)


def run_instructions(quick: bool) -> None:
    import re
    import shutil

    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind on PATH")
    apps = {"minimal": 500 if quick else 2000}
    if "--flask" in sys.argv:
        apps["Flask"] = 100 if quick else 400  # each event costs some 20 times more

    def instructions(app_name: str, shim: str, event_name: str, n: int) -> int:
        out = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
            + [sys.executable, __file__, "--instructions-child", app_name, shim, event_name, str(n)],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        found = re.search(r"I\s+refs:\s+([\d,]+)", out)
        assert found, out
        return int(found.group(1).replace(",", ""))

    for app_name, count in apps.items():
        print(f"\nCPU instructions per event, {app_name} app ({count} events, cachegrind)\n")
        header = " ".join(f"{name:>16}" for name in INSTRUCTION_SHIMS)
        print(f"{'event':8} {header} {'lw/apig':>8} {'+ log':>6}")
        for event_name in EVENTS:
            per_event = {
                shim: (instructions(app_name, shim, event_name, count) - instructions(app_name, shim, event_name, 0))
                / count
                for shim in INSTRUCTION_SHIMS
            }
            floor = per_event["floor"]
            peer = per_event["apig-wsgi"] - floor
            plain = (per_event["lw"] - floor) / peer
            logged = (per_event["lw + access log"] - floor) / peer
            cells = " ".join(f"{per_event[name]:16,.0f}" for name in INSTRUCTION_SHIMS)
            print(f"{event_name:8} {cells} {plain:8.2f} {logged:6.2f}", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--instructions-child"]:
        instructions_child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return
    quick = "--quick" in sys.argv
    if "--instructions" in sys.argv:
        run_instructions(quick)
        return
    print(f"python {sys.version.split()[0]} on {sys.platform}; {'quick' if quick else 'full'} run")
    imports_only = "--imports" in sys.argv
    rows = [] if imports_only else run_requests(quick)
    ratios = {} if imports_only else print_request_table(rows)
    imports = run_imports(quick)
    if "--json" in sys.argv:
        print(json.dumps({"ratios": ratios, "imports": imports, "rows": rows}))


if __name__ == "__main__":
    main()
