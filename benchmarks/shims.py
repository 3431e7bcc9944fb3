"""Benchmark lw's AWS shim against a direct WSGI call and the peer shims, in one process.

Run:  python benchmarks/shims.py [--quick]

Prints two tables:

1. µs per event for API Gateway v1, HTTP API v2 and ALB events, with a minimal WSGI
   app and with a one-route Flask app: the floor (calling the WSGI app directly with a
   prebuilt environ), lw, apig-wsgi, serverless-wsgi and Mangum. Mangum only speaks
   ASGI and no standard-library-only WSGI-to-ASGI adapter exists, so its rows use an
   equivalent minimal ASGI app (lifespan off, its most favourable setting) and it has
   no Flask rows. "overhead" is µs above the floor of the same app; "ratio" is lw's
   overhead divided by apig-wsgi's (target: at most 0.7).
2. Import cost of each shim in a fresh interpreter: milliseconds and modules added
   over an empty interpreter (median of several processes).

Needs the ``bench`` extra (apig-wsgi, serverless-wsgi, mangum, flask).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
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
            "accountId": "123456789012", "apiId": "abc123", "httpMethod": "GET", "path": "/prod/hello",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "Firefox"}, "requestId": "r-1",
            "resourcePath": "/{proxy+}", "stage": "prod", "domainName": HOST,
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
            "accountId": "123456789012", "apiId": "abc123", "domainName": HOST, "domainPrefix": "abc123",
            "http": {"method": "GET", "path": "/hello", "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7",
                     "userAgent": "Firefox"},
            "requestId": "r-1", "routeKey": "$default", "stage": "$default", "time": "", "timeEpoch": 0,
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


EVENTS = {"v1": v1_event, "v2": v2_event, "ALB": alb_event}


def minimal_app(environ: dict[str, Any], start_response: Callable) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"Hello"]


async def minimal_asgi_app(scope: dict[str, Any], receive: Callable, send: Callable) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"Hello"})


def flask_app() -> Any:
    from flask import Flask

    app = Flask("bench")

    @app.route("/hello")
    def hello() -> str:
        return "Hello"

    return app


class Context:
    function_name = "bench"
    aws_request_id = "r-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def floor_call(app: Callable) -> Callable[[dict, Any], Any]:
    """The app called directly with an environ prepared once: what any shim must add to."""
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/hello", "QUERY_STRING": "page=2",
        "SERVER_NAME": HOST, "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "198.51.100.7",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "https", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "HTTP_HOST": HOST, "HTTP_ACCEPT": COMMON_HEADERS["accept"],
    }

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        return None

    def call(event: dict, context: Any) -> Any:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(b"")
        result = app(env, start_response)
        try:
            return b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    return call


def shims_for(app: Callable, asgi_app: Callable | None) -> dict[str, Callable[[dict, Any], Any] | None]:
    import apig_wsgi
    import serverless_wsgi
    from mangum import Mangum

    from lw.runtime.aws import make_handler

    shims: dict[str, Callable[[dict, Any], Any] | None] = {
        "floor (direct WSGI call)": floor_call(app),
        "lw": make_handler(app, log_requests=False),
        "lw + access log": _with_devnull_stdout(make_handler(app)),
        "apig-wsgi": apig_wsgi.make_lambda_handler(app, binary_support=True),
        "serverless-wsgi": lambda event, context: serverless_wsgi.handle_request(app, event, context),
    }
    if asgi_app is not None:
        shims["lw (ASGI app)"] = make_handler(asgi_app, log_requests=False)
        shims["Mangum (ASGI app)"] = Mangum(asgi_app, lifespan="off")
    else:
        shims["Mangum"] = None
    return shims


def _with_devnull_stdout(handler: Callable) -> Callable:
    """Keep the access log (lw's default) but send it nowhere, as Lambda's pipe would."""
    sink = open(os.devnull, "w")

    def call(event: dict, context: Any) -> Any:
        saved = sys.stdout
        sys.stdout = sink
        try:
            return handler(event, context)
        finally:
            sys.stdout = saved

    return call


def measure(handlers: dict[str, Callable | None], event_factory: Callable[[], dict], context: Any,
            quick: bool) -> dict[str, float]:
    """Best batch mean per call, in µs, for each handler.

    Handlers are timed in alternating small batches, many rounds, keeping each one's best
    batch: on a shared machine load comes and goes, and interleaving exposes every shim to
    the same conditions instead of favouring whichever ran during a quiet second.
    """
    events = {}
    for name, handler in handlers.items():
        if handler is None:
            continue
        events[name] = event_factory()
        response = handler(events[name], context)
        status = response.get("statusCode", 200) if isinstance(response, dict) else 200
        assert status == 200, (name, response)
    number = 200 if quick else 500
    rounds = 15 if quick else 60
    best = {name: float("inf") for name in events}
    timer = time.perf_counter
    for _ in range(rounds):
        for name in events:
            handler, event = handlers[name], events[name]
            start = timer()
            for _ in range(number):
                handler(event, context)
            best[name] = min(best[name], (timer() - start) / number)
    return {name: (best[name] * 1e6 if name in best else float("nan")) for name in handlers}


def run_requests(quick: bool) -> list[tuple[str, str, str, float]]:
    rows = []
    context = Context()
    for app_name, app, asgi_app in (("minimal", minimal_app, minimal_asgi_app), ("Flask", flask_app(), None)):
        shims = shims_for(app, asgi_app)
        for event_name, make_event in EVENTS.items():
            for shim_name, us in measure(shims, make_event, context, quick).items():
                rows.append((app_name, event_name, shim_name, us))
    return rows


def print_request_table(rows: list[tuple[str, str, str, float]]) -> dict[str, float]:
    print("\nµs per event (lower is better); overhead = µs above the floor of the same app\n")
    print(f"{'app':8} {'event':5} {'shim':26} {'µs/event':>9} {'overhead':>9}")
    floors = {(a, e): us for a, e, s, us in rows if s.startswith("floor")}
    ratios: dict[str, float] = {}
    for app_name, event_name, shim_name, us in rows:
        if us != us:  # NaN: not applicable
            print(f"{app_name:8} {event_name:5} {shim_name:26} {'n/a':>9} {'':>9}  (ASGI-only shim)")
            continue
        overhead = us - floors[(app_name, event_name)]
        print(f"{app_name:8} {event_name:5} {shim_name:26} {us:9.1f} {overhead:9.1f}")
    print("\nlw overhead / apig-wsgi overhead (target <= 0.70)")
    for app_name in ("minimal", "Flask"):
        for event_name in EVENTS:
            get = {s: us for a, e, s, us in rows if a == app_name and e == event_name}
            floor = floors[(app_name, event_name)]
            ratio = (get["lw"] - floor) / (get["apig-wsgi"] - floor)
            ratios[f"{app_name}/{event_name}"] = ratio
            print(f"  {app_name:8} {event_name:4} {ratio:5.2f}")
    return ratios


IMPORTS = {
    "lw.runtime.aws": "lw.runtime.aws",
    "lw.runtime.openwhisk": "lw.runtime.openwhisk",
    "apig-wsgi": "apig_wsgi",
    "serverless-wsgi": "serverless_wsgi",
    "mangum": "mangum",
    "flask (for scale)": "flask",
}


def import_cost(module: str, runs: int) -> tuple[float, float, int]:
    """Best and median ms, and modules added, by ``import module`` in fresh ``python -S``
    processes (the best is the least disturbed by other load on the machine).

    ``-S`` keeps site hooks of this development venv (editable installs load ``re``,
    ``urllib``...) out of the baseline; the paths are added by hand instead.
    """
    site_dirs = [p for p in sys.path if p.endswith("site-packages")]
    code = (
        "import sys, time; sys.path[:0] = %r; before = len(sys.modules); t = time.perf_counter();"
        "import %s; dt = time.perf_counter() - t; print(dt * 1000, len(sys.modules) - before)"
        % ([str(REPO), *site_dirs], module)
    )
    times, counts = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True).stdout
        ms, count = out.split()
        times.append(float(ms))
        counts.append(int(count))
    return min(times), statistics.median(times), max(counts)


def run_imports(quick: bool) -> dict[str, tuple[float, float, int]]:
    """Import costs, with bytecode compiled first (deployed packages should ship .pyc
    files: Lambda's file system is read-only, so uncompiled code is compiled on every
    cold start; the peers' wheels were compiled by pip at install)."""
    import compileall

    compileall.compile_dir(str(REPO / "lw" / "runtime"), quiet=1)
    compileall.compile_file(str(REPO / "lw" / "__init__.py"), quiet=1)
    runs = 5 if quick else 15
    print("\nimport cost in a fresh interpreter (%d processes each)\n" % runs)
    print(f"{'shim':20} {'best ms':>8} {'median ms':>10} {'modules':>8}")
    results = {}
    for label, module in IMPORTS.items():
        best, median, count = import_cost(module, runs)
        results[label] = (best, median, count)
        print(f"{label:20} {best:8.2f} {median:10.2f} {count:8d}")
    return results


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"python {sys.version.split()[0]} on {sys.platform}; {'quick' if quick else 'full'} run")
    imports_only = "--imports" in sys.argv
    rows = [] if imports_only else run_requests(quick)
    ratios = {} if imports_only else print_request_table(rows)
    imports = run_imports(quick)
    if "--json" in sys.argv:
        print(json.dumps({"ratios": ratios, "imports": imports, "rows": rows}))


if __name__ == "__main__":
    main()
