"""The detached local runtime: front door, worker pools, scheduler and admin API.

Started by ``lw deploy --provider local`` as ``python -m lw.providers.local.supervisor``
in its own session, so it outlives the command. It owns two listeners: the public one
that plays API Gateway (or a Function URL) and a private admin one through which the
``lw`` commands deploy a package, invoke, read status and stop it. Its own bookkeeping
(pid, ports, the package being served) is ``state.json`` in the deployment folder.
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from lw.providers.local import front, gateway
from lw.providers.local.layout import ADMIN_TOKEN_HEADER, Layout, write_json
from lw.providers.local.logfile import LogSink
from lw.providers.local.pool import Pool, PoolClosed
from lw.providers.local.schedule import Schedule, next_fire, parse_expression
from lw.providers.local.worker import Invocation, QuietServer, WorkerSpec, read_body

CLOCK_SCALE_ENV = "LW_LOCAL_CLOCK_SCALE"


class Clock:
    """Wall time, optionally running faster: ``LW_LOCAL_CLOCK_SCALE=60`` makes a
    ``rate(1 minute)`` schedule fire every second. Meant for tests only."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale if scale > 0 else 1.0
        self._wall = datetime.now(timezone.utc)
        self._mono = time.monotonic()

    def now(self) -> datetime:
        return self._wall + timedelta(seconds=(time.monotonic() - self._mono) * self.scale)

    def real_seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - self.now()).total_seconds() / self.scale)


class Scheduler:
    """Fires each configured schedule at its next time, on the serving pool."""

    def __init__(self, supervisor: Supervisor, clock: Clock) -> None:
        self.supervisor = supervisor
        self.clock = clock
        self._entries: list[tuple[dict[str, Any], Schedule, datetime, datetime]] = []
        self._changed = threading.Event()
        self._stopped = False
        self._lock = threading.Lock()
        threading.Thread(target=self._run, daemon=True, name="scheduler").start()

    def replace(self, schedules: list[dict[str, Any]]) -> None:
        origin = self.clock.now()
        entries = []
        for item in schedules:
            try:
                parsed = parse_expression(item["expression"])
            except Exception as exc:  # a bad expression must not take the runtime down
                self.supervisor.emit("[scheduler]", f"schedule {item.get('name')} ignored: {exc}")
                continue
            entries.append((item, parsed, origin, next_fire(parsed, origin, origin=origin)))
        with self._lock:
            self._entries = entries
        self._changed.set()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"name": item["name"], "expression": item["expression"], "next": when.isoformat()}
                for item, _parsed, _origin, when in self._entries
            ]

    def stop(self) -> None:
        self._stopped = True
        self._changed.set()

    def _run(self) -> None:
        while not self._stopped:
            with self._lock:
                upcoming = min((when for *_rest, when in self._entries), default=None)
            wait = self.clock.real_seconds_until(upcoming) if upcoming else 3600.0
            if self._changed.wait(wait):
                self._changed.clear()
                continue
            self._fire_due()

    def _fire_due(self) -> None:
        now = self.clock.now()
        with self._lock:
            due, kept = [], []
            for item, parsed, origin, when in self._entries:
                if when <= now:
                    due.append((item, when))
                    when = next_fire(parsed, now, origin=origin)
                kept.append((item, parsed, origin, when))
            self._entries = kept
        for item, when in due:
            threading.Thread(target=self.supervisor.fire_schedule, args=(item, when), daemon=True).start()


class Supervisor:
    def __init__(self, layout: Layout, host: str, port: int) -> None:
        self.layout = layout
        self.sink = LogSink(layout.log_file)
        self.started_at = time.time()
        self.current: Pool | None = None
        self.spec: dict[str, Any] = {}
        self.generation = 0
        self._deploy_lock = threading.Lock()
        self._draining: list[Pool] = []
        self._starting: Pool | None = None  # the pool a deploy is starting, until it serves or is refused
        self._stopping = False
        self.stopped = threading.Event()
        # The admin API can invoke code: only holders of state.json's token may call it.
        self.token = secrets.token_hex(16)
        self.front = front.FrontServer((host, port), front.front_handler(self))
        self.admin = QuietServer(("127.0.0.1", 0), _admin_handler(self))
        self.port = self.front.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.scheduler = Scheduler(self, Clock(float(os.environ.get(CLOCK_SCALE_ENV) or 1)))

    # -------------------------------------------------------------- bookkeeping

    def emit(self, source: str, text: str) -> None:
        self.sink.write(source, text)

    def write_state(self) -> None:
        write_json(
            self.layout.state_file,
            {
                "pid": os.getpid(),
                "port": self.port,
                "admin_port": self.admin.server_address[1],
                "token": self.token,
                "url": self.url,
                "started_at": self.started_at,
                "package_sha256": self.spec.get("package_sha256"),
                "package_dir": self.spec.get("package_dir"),
                "spec_hash": self.spec.get("spec_hash"),
                "payload_format": self.spec.get("payload_format"),
                "generation": self.generation,
            },
        )

    def door(self, spec: dict[str, Any] | None = None) -> gateway.FrontDoor:
        spec = spec or self.spec
        return gateway.FrontDoor(
            payload_format=spec.get("payload_format", "v1"),
            stage=spec.get("stage", "dev"),
            host=f"127.0.0.1:{self.port}",
            region=spec.get("region", "us-east-1"),
        )

    @property
    def client_timeout(self) -> float:
        return float(self.spec.get("client_timeout_seconds") or front.DEFAULT_CLIENT_TIMEOUT)

    def status(self) -> dict[str, Any]:
        pool = self.current
        return {
            "pid": os.getpid(),
            "url": self.url,
            "package_sha256": self.spec.get("package_sha256"),
            "uptime_seconds": round(time.time() - self.started_at, 1),
            "generation": self.generation,
            "workers": pool.describe() if pool else [],
            "draining": len(self._draining),
            "schedules": self.scheduler.describe(),
        }

    # -------------------------------------------------------------- deploy / swap

    def deploy(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Start a pool on the new package; only if it starts and passes the health
        check does it take over, and the previous pool drains in the background."""
        with self._deploy_lock:
            self.generation += 1
            worker_spec = WorkerSpec(
                handler=spec["handler"],
                task_root=Path(spec["package_dir"]),
                runtime_dir=self.layout.runtime_dir,
                function_name=spec["function_name"],
                memory_size=int(spec["memory_size"]),
                region=spec["region"],
                python_version=spec["python_version"],
                timeout_seconds=float(spec["timeout_seconds"]),
                init_timeout_seconds=float(spec.get("init_timeout_seconds", 60)),
                tmp_root=self.layout.tmp_dir,
            )
            pool = Pool(self.generation, worker_spec, int(spec["concurrency"]), self.emit)
            self.emit("[lw]", f"starting {len(pool.workers)} worker(s) on package {spec['package_sha256'][:12]}")
            self._starting = pool
            if self._stopping:
                return {"ok": False, "error": "the local runtime is stopping", "output": []}
            pool.start()
            error = pool.wait_ready()
            warning = None
            if not error:
                warning = self._health_check(pool, spec)
                error = _init_failure(pool)
            self._starting = None
            if error or self._stopping:
                output = pool.recent_output()
                pool.stop()
                error = error or "the local runtime was stopped during the deploy"
                self.emit("[lw]", f"deploy refused: {error}")
                return {"ok": False, "error": error, "output": output[-60:]}
            previous, self.current, self.spec = self.current, pool, spec
            self.write_state()
            self.emit("[lw]", f"serving package {spec['package_sha256'][:12]} at {self.url}")
            if previous is not None:
                self._draining.append(previous)
                threading.Thread(target=self._retire, args=(previous,), daemon=True).start()
            answer: dict[str, Any] = {"ok": True, "url": self.url}
            if warning:
                self.emit("[lw]", f"warning: {warning[0]}")
                answer.update(warning=warning[0], output=warning[1][-60:])
            return answer

    def _health_check(self, pool: Pool, spec: dict[str, Any]) -> tuple[str, list[str]] | None:
        """One GET on the new pool once it serves: the app imported, so this is a deploy
        whatever the answer (on AWS nothing checks at all); a failure is a warning with
        the worker's output, because an app often needs a setup command (``migrate``,
        ``init-db``) before ``/`` works, and that needs the deployment to exist."""
        path = spec.get("health_path")
        if not path:
            time.sleep(0.05)  # let the output pump catch the init phase's last lines
            return None
        request = gateway.HttpRequest(
            "GET", path, [("Host", f"127.0.0.1:{self.port}"), ("User-Agent", "lw-health-check")], b""
        )
        event = gateway.to_event(request, self.door(spec))
        invocation = pool.invoke(json.dumps(event).encode())
        time.sleep(0.05)  # let the output pump catch the invocation's last lines
        hint = "(set local: health_check_path to check another path, or '' for none)"
        if invocation.outcome != "response":
            return (
                f"health check GET {path} failed: {_error_summary(invocation.payload)} {hint}",
                list(invocation.logs),
            )
        response = gateway.from_result(invocation.payload, self.door(spec))
        if response.status >= 500:
            return f"health check GET {path} answered {response.status} {hint}", list(invocation.logs)
        return None

    def _retire(self, pool: Pool) -> None:
        drained = pool.drain(pool.spec.timeout_seconds + 5)
        pool.stop()
        self._draining.remove(pool)
        old_dir = pool.spec.task_root
        if str(old_dir) != self.spec.get("package_dir") and old_dir.is_relative_to(self.layout.packages_dir):
            # an image's task root is <package>/var/task: the whole unpacked root goes
            top = self.layout.packages_dir / old_dir.relative_to(self.layout.packages_dir).parts[0]
            shutil.rmtree(top, ignore_errors=True)
        self.emit("[lw]", f"previous package stopped ({'drained' if drained else 'drain timed out'})")

    # -------------------------------------------------------------- invocations

    def dispatch(self, event: bytes) -> Invocation | None:
        """Run ``event`` on the serving pool; None when nothing is deployed. A pool that
        began draining between our read of ``current`` and the call hands over to the
        pool that replaced it, so a swap never loses an event."""
        while True:
            pool = self.current
            if pool is None:
                return None
            try:
                return pool.invoke(event)
            except PoolClosed:
                continue

    def invoke(self, event: bytes) -> dict[str, Any]:
        invocation = self.dispatch(event)
        if invocation is None:
            return {"outcome": "error", "payload": '{"errorMessage": "nothing deployed"}', "logs": []}
        time.sleep(0.05)  # let the output pump catch the invocation's last lines
        return {
            "outcome": invocation.outcome,
            "payload": invocation.payload.decode("utf-8", "replace"),
            "logs": list(invocation.logs),
        }

    def fire_schedule(self, item: dict[str, Any], when: datetime) -> None:
        from lw.core.sample_events import schedule_event

        event = schedule_event(
            item["name"], rule_name=item["rule_name"], region=self.spec.get("region", "us-east-1"), when=when
        )
        self.emit("[scheduler]", f"firing {item['name']} ({item['expression']}) for {event['time']}")
        result = self.invoke(json.dumps(event).encode())
        if result["outcome"] != "response":
            self.emit("[scheduler]", f"{item['name']} failed: {_error_summary(result['payload'].encode())}")

    # -------------------------------------------------------------- lifecycle

    def serve(self) -> None:
        threading.Thread(
            target=self.admin.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="admin"
        ).start()
        threading.Thread(
            target=self.front.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="front"
        ).start()
        self.write_state()
        self.emit("[lw]", f"local runtime listening on {self.url} (pid {os.getpid()})")
        self.stopped.wait()

    def shutdown(self) -> None:
        self._stopping = True
        self.scheduler.stop()
        self.front.shutdown()
        self.front.server_close()
        for pool in [self._starting, self.current, *self._draining]:
            if pool is not None:
                pool.stop()
        self.emit("[lw]", "local runtime stopped")
        self.layout.state_file.unlink(missing_ok=True)
        self.stopped.set()


# What the runtime shim logs when the app (or lw's settings) could not be loaded: the
# shim keeps the worker up so that remote commands can debug it, but it serves no app.
_INIT_FAILURES = ("[lw] ERROR lw could not import the app", "[lw] ERROR lw cannot ")


def _init_failure(pool: Pool) -> str | None:
    """Why the app did not load in a worker that otherwise started, if it did not."""
    for line in pool.recent_output():
        if line.startswith(_INIT_FAILURES):
            return line.removeprefix("[lw] ERROR ")
    return None


def _error_summary(payload: bytes) -> str:
    try:
        document = json.loads(payload)
        return f"{document.get('errorType', 'Error')}: {document.get('errorMessage', '')}"
    except (ValueError, AttributeError):
        return payload.decode("utf-8", "replace")[:200]


def _admin_handler(supervisor: Supervisor) -> type[BaseHTTPRequestHandler]:
    class AdminHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            return

        def _json(self, status: int, document: Any) -> None:
            body = json.dumps(document).encode()
            front.send(self, gateway.HttpResponse(status, [("Content-Type", "application/json")], body))

        def _authorised(self) -> bool:
            given = self.headers.get(ADMIN_TOKEN_HEADER, "")
            if hmac.compare_digest(given.encode(), supervisor.token.encode()):
                return True
            read_body(self)
            self._json(403, {"error": "missing or wrong admin token"})
            return False

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            if not self._authorised():
                return
            if self.path == "/health":
                self._json(200, supervisor.status())
            else:
                self._json(404, {"error": f"unknown admin path {self.path}"})

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            if not self._authorised():
                return
            body = read_body(self)
            if self.path == "/deploy":
                self._json(200, supervisor.deploy(json.loads(body)))
            elif self.path == "/invoke":
                self._json(200, supervisor.invoke(body))
            elif self.path == "/schedules":
                supervisor.scheduler.replace(json.loads(body))
                self._json(200, {"ok": True})
            elif self.path == "/stop":
                self._json(200, {"ok": True})
                threading.Thread(target=supervisor.shutdown, daemon=True).start()
            else:
                self._json(404, {"error": f"unknown admin path {self.path}"})

    return AdminHandler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lw.providers.local.supervisor")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    layout = Layout(args.directory)
    try:
        supervisor = Supervisor(layout, args.host, args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr, flush=True)
        return 1
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: threading.Thread(target=supervisor.shutdown, daemon=True).start())
    supervisor.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
