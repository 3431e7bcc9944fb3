"""One Lambda execution environment: a worker process and its own Runtime API.

Each worker gets a private Runtime API listener, as each Lambda sandbox has its own,
so the supervisor always knows which process holds which invocation: that is what
lets it enforce ``timeout_seconds`` by killing exactly the stuck process, and fail
exactly the invocation a crashed process was running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Protocol

from lw.providers.local import framing, isolation, readonly, tasks

API_PREFIX = "/2018-06-01/runtime"


@dataclass
class Invocation:
    """One event on its way through a worker; ``done`` is set exactly once."""

    event: bytes
    timeout_seconds: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    outcome: str = ""  # response | error | timeout | crash
    payload: bytes = b""
    logs: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def finish(self, outcome: str, payload: bytes = b"") -> bool:
        with self._lock:
            if self.done.is_set():
                return False
            self.outcome, self.payload = outcome, payload
            self.done.set()
            return True


@dataclass(frozen=True)
class WorkerSpec:
    """Everything needed to start a worker of one package generation."""

    handler: str
    task_root: Path
    runtime_dir: Path
    function_name: str
    memory_size: int
    region: str
    python_version: str
    timeout_seconds: float
    init_timeout_seconds: float
    tmp_root: Path | None = None  # each worker's private /tmp is made under it


class InvocationQueue(Protocol):
    """What a worker takes from its pool (``pool.Pool``), named here so that the worker
    does not import the pool that imports it."""

    generation: int
    tasks: Any  # the supervisor's TaskBoard (``lw.providers.local.tasks``), or None

    def next_invocation(self, wait: float) -> Invocation | None: ...

    def requeue(self, invocation: Invocation) -> None: ...


class Worker:
    def __init__(self, pool: InvocationQueue, index: int, spec: WorkerSpec, emit: Callable[[str, str], None]) -> None:
        self.pool = pool
        self.index = index
        self.spec = spec
        self.emit = emit
        self.state = "starting"  # starting | ready | failed | stopped
        self.init_error: str | None = None
        self.retired = False
        self.served = 0
        self.restarts = 0
        self.current: Invocation | None = None
        self.previous: Invocation | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = threading.Event()
        self.recent: deque[str] = deque(maxlen=200)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._spawned = 0.0
        self._init_ms: float | None = None  # set when the worker finished its init phase, until reported
        self.tmp_dir: Path | None = None
        self.server = QuietServer(("127.0.0.1", 0), _handler_class(self))
        self._serve_thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name=f"runtime-api-{index}"
        )
        self._serve_thread.start()

    @property
    def tag(self) -> str:
        return f"[{self.pool.generation}:{self.index}]"

    @property
    def runtime_api(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        self.state, self.init_error = "starting", None
        self.ready.clear()
        self._spawned = time.monotonic()
        self._init_ms = None
        self._fresh_tmp()
        env = isolation.worker_environment(
            function_name=self.spec.function_name,
            handler=self.spec.handler,
            task_root=self.spec.task_root,
            runtime_dir=self.spec.runtime_dir,
            runtime_api=self.runtime_api,
            memory_size=self.spec.memory_size,
            region=self.spec.region,
            log_stream=f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            python_version=self.spec.python_version,
            tmp_dir=self.tmp_dir,
        )
        self.process = subprocess.Popen(
            readonly.wrap_command(isolation.worker_command(self.spec.handler), self.spec.task_root),
            cwd=self.spec.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._pump, args=(self.process,), daemon=True, name=f"worker-out-{self.index}").start()

    def _fresh_tmp(self) -> None:
        """A new, empty /tmp for each (re)start: a new execution environment has one."""
        self._drop_tmp()
        if self.spec.tmp_root is not None:
            self.tmp_dir = self.spec.tmp_root / f"{self.pool.generation}-{self.index}-{self.restarts}"
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir.mkdir(parents=True, mode=0o700)

    def _drop_tmp(self) -> None:
        if self.tmp_dir is not None:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            self.tmp_dir = None

    def _pump(self, process: subprocess.Popen[bytes]) -> None:
        """Copy the worker's output to the log until it exits, then decide what next."""
        assert process.stdout is not None
        for raw in process.stdout:
            # The runtime client joins a traceback's lines with \r for CloudWatch.
            line = raw.decode("utf-8", "replace").rstrip("\n").replace("\r", "\n")
            self.recent.append(line)
            self.emit(self.tag, line)
            # Output read after the response was posted still belongs to that invocation:
            # the pipe lags behind the Runtime API.
            owner = self.current or self.previous
            if owner is not None:
                owner.logs.append(line)
        code = process.wait()
        self._on_exit(process, code)

    def _on_exit(self, process: subprocess.Popen[bytes], code: int) -> None:
        with self._lock:
            if process is not self.process:
                return
            self._cancel_timer()
            current, self.current = self.current, None
            was_ready = self.state == "ready"
            if self.state != "stopped":
                self.state = "failed" if not was_ready else "starting"
        if current is not None:
            message = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {current.request_id} Error: Runtime exited with error: exit status {code}",
            }
            current.finish("crash", json.dumps(message).encode())
        self.ready.set()  # wake anyone waiting for init: the state tells them it failed
        if self.retired:
            return
        self.emit(self.tag, f"worker exited with status {code}; starting a fresh one")
        delay = 0.0 if was_ready else min(10.0, 0.5 * (2 ** min(self.restarts, 5)))
        self.restarts += 1
        restart = threading.Timer(delay, self._restart)
        restart.daemon = True  # a pending restart must not keep a stopping supervisor alive
        restart.start()

    def _restart(self) -> None:
        if not self.retired:
            self.start()

    def take(self) -> Invocation | None:
        """Block (in a Runtime API thread) until an invocation is available for this worker."""
        while not self.retired:
            invocation = self.pool.next_invocation(0.25)
            if invocation is None:
                continue
            if self.retired or self.process is None or self.process.poll() is not None:
                self.pool.requeue(invocation)
                return None
            with self._lock:
                self.current, self.previous = invocation, None
                invocation.started = time.monotonic()
                self.emit(self.tag, f"START RequestId: {invocation.request_id} Version: $LATEST")
                self._timer = threading.Timer(self.spec.timeout_seconds, self._time_out, args=(invocation,))
                self._timer.daemon = True
                self._timer.start()
            return invocation
        return None

    def _time_out(self, invocation: Invocation) -> None:
        message = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after "
            f"{self.spec.timeout_seconds:.2f} seconds",
        }
        if invocation.finish("timeout", json.dumps(message).encode()):
            self.emit(self.tag, f"{message['errorMessage']}; replacing the worker")
            self.kill()

    def complete(self, request_id: str, outcome: str, payload: bytes) -> None:
        with self._lock:
            current = self.current
            if current is None or current.request_id != request_id:
                return
            self._cancel_timer()
            self.current, self.previous = None, current
            self.served += 1
        self._report(current)
        current.finish(outcome, payload)

    def mark_ready(self) -> None:
        """The worker asked for its first event: its init phase is over."""
        if self.state == "starting":
            self._init_ms = (time.monotonic() - self._spawned) * 1000
            self.state = "ready"
            self.ready.set()

    def _report(self, invocation: Invocation) -> None:
        """CloudWatch's END and REPORT lines, with the real peak memory of the process,
        and a warning where Lambda would have stopped the function for memory."""
        duration = (time.monotonic() - invocation.started) * 1000
        used_mb = _peak_memory_mb(self.process.pid) if self.process else None
        init = f"\tInit Duration: {self._init_ms:.2f} ms" if self._init_ms is not None else ""
        self._init_ms = None  # reported once per cold start, as on Lambda
        used = f"\tMax Memory Used: {used_mb} MB" if used_mb is not None else ""
        self.emit(self.tag, f"END RequestId: {invocation.request_id}")
        self.emit(
            self.tag,
            f"REPORT RequestId: {invocation.request_id}\tDuration: {duration:.2f} ms\t"
            f"Billed Duration: {max(1, int(duration + 0.999))} ms\t"
            f"Memory Size: {self.spec.memory_size} MB{used}{init}",
        )
        if used_mb is not None and used_mb > self.spec.memory_size:
            self.emit(
                self.tag,
                f"warning: the worker uses {used_mb} MB, more than memory_size "
                f"({self.spec.memory_size} MB): on Lambda this invocation would fail "
                "with Runtime.OutOfMemory",
            )

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def kill(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            try:
                process.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass

    def retire(self) -> None:
        """No more invocations, and the process is killed; ``stop`` then cleans up."""
        self.retired = True
        with self._lock:
            self.state = "stopped"
        self.kill()

    def stop(self) -> None:
        """Retire for good: no more invocations, process killed, listener closed."""
        self.retire()
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.server.shutdown()
        self.server.server_close()
        self._drop_tmp()

    def describe(self) -> dict[str, object]:
        process = self.process
        return {
            "index": self.index,
            "pid": process.pid if process else None,
            "state": self.state,
            "busy": self.current is not None,
            "served": self.served,
            "restarts": self.restarts,
        }


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not print a traceback when a client goes away."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return


def _handler_class(worker: Worker) -> type[BaseHTTPRequestHandler]:
    class RuntimeApiHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            return

        def _reply(self, status: int, body: bytes = b'{"status":"OK"}', headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _task_call(self, method: str, body: bytes = b"") -> bool:
            """The local provider's asynchronous invoke for ``lw.tasks`` (not Lambda's API)."""
            answer = tasks.handle(worker.pool.tasks, method, self.path, body)
            if answer is None:
                return False
            self._reply(answer[0], json.dumps(answer[1]).encode())
            return True

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            if self._task_call("GET"):
                return
            if self.path != f"{API_PREFIX}/invocation/next":
                self._reply(404, b'{"errorMessage":"unknown path"}')
                return
            worker.mark_ready()
            invocation = worker.take()
            if invocation is None:
                self._reply(410, b'{"errorMessage":"worker retired"}')
                return
            deadline_ms = int((time.time() + worker.spec.timeout_seconds) * 1000)
            headers = {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:{worker.spec.region}:123456789012:function:{worker.spec.function_name}",
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            }
            try:
                self._reply(200, invocation.event, headers)
            except OSError:
                worker.complete(invocation.request_id, "crash", b'{"errorMessage":"worker went away"}')

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            body = read_body(self)
            path = self.path
            if self._task_call("POST", body):
                return
            if path == f"{API_PREFIX}/init/error":
                worker.init_error = _error_text(body)
                self._reply(202)
                return
            prefix = f"{API_PREFIX}/invocation/"
            if path.startswith(prefix) and path.endswith(("/response", "/error")):
                request_id, _, kind = path[len(prefix) :].rpartition("/")
                worker.complete(request_id, "response" if kind == "response" else "error", body)
                self._reply(202)
                return
            self._reply(404, b'{"errorMessage":"unknown path"}')

    return RuntimeApiHandler


def _error_text(body: bytes) -> str:
    """``ErrorType: message`` plus the stack trace the runtime client reports."""
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")
    text = f"{document.get('errorType', 'Error')}: {document.get('errorMessage', '')}"
    trace = document.get("stackTrace") or []
    if trace:
        text += "\n" + "".join(line if line.endswith("\n") else line + "\n" for line in trace).rstrip()
    return text


def _peak_memory_mb(pid: int) -> int | None:
    """The process's peak resident memory (``VmHWM``), Linux only."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (exited, not yet reaped: common in containers whose
    init does not reap orphans) counts as gone."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :][:1] != "Z"


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """A request body, plain or chunked, for the local runtime's private servers (the
    Runtime API workers talk to and the admin API); malformed framing raises, which
    drops the connection. The public front door adds limits and answers (see ``front``)."""
    return framing.read_body(handler.rfile, framing.framing_of(handler.headers))
