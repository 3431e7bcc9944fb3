"""A generation of warm workers running one unpacked package.

A redeploy starts a new pool next to the old one; the supervisor sends new requests
to the new pool once it is ready, and the old pool drains (finishes what it holds)
before its workers stop. That is how a swap drops no in-flight request.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable

from lw.providers.local.worker import Invocation, Worker, WorkerSpec


class PoolClosed(Exception):
    """The pool started draining before the event reached it: send it to the new one."""


class Pool:
    def __init__(
        self,
        generation: int,
        spec: WorkerSpec,
        concurrency: int,
        emit: Callable[[str, str], None],
        tasks: Any = None,
    ) -> None:
        self.generation = generation
        self.tasks = tasks  # the supervisor's TaskBoard: where this pool's workers send tasks
        self.spec = spec
        self.emit = emit
        self._queue: queue.Queue[Invocation] = queue.Queue()
        self._in_flight = 0
        self._closing = False
        self._idle = threading.Condition()
        self.workers = [Worker(self, i, spec, emit) for i in range(max(1, concurrency))]

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def wait_ready(self) -> str | None:
        """None once every worker asked for its first event, else why one could not."""
        deadline = time.monotonic() + self.spec.init_timeout_seconds
        for worker in self.workers:
            remaining = deadline - time.monotonic()
            if not worker.ready.wait(max(0.0, remaining)):
                return f"the worker did not start within {self.spec.init_timeout_seconds:.0f} seconds"
            if worker.state != "ready":  # it exited before asking for an event (maybe already restarting)
                return worker.init_error or "the worker exited during initialisation"
        return None

    def recent_output(self) -> list[str]:
        return [line for worker in self.workers for line in worker.recent]

    # --------------------------------------------------------------- invocations

    def next_invocation(self, wait: float) -> Invocation | None:
        try:
            invocation = self._queue.get(timeout=wait)
        except queue.Empty:
            return None
        if invocation.done.is_set():  # the caller gave up on it while it queued
            return None
        return invocation

    def requeue(self, invocation: Invocation) -> None:
        self._queue.put(invocation)

    def invoke(self, event: bytes, *, max_wait: float | None = None) -> Invocation:
        """Queue ``event`` for the next free worker and wait for its outcome."""
        invocation = Invocation(event=event, timeout_seconds=self.spec.timeout_seconds)
        with self._idle:
            if self._closing:
                raise PoolClosed()
            self._in_flight += 1
        try:
            self._queue.put(invocation)
            limit = max_wait if max_wait is not None else self.spec.timeout_seconds + self.spec.init_timeout_seconds + 5
            if not invocation.done.wait(limit):
                message = b'{"errorType":"Runtime.Unavailable","errorMessage":"no worker took the event in time"}'
                invocation.finish("timeout", message)
            return invocation
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def drain(self, limit: float) -> bool:
        """Wait until nothing is queued or running here (True) or ``limit`` passed."""
        deadline = time.monotonic() + limit
        with self._idle:
            self._closing = True  # from now on callers go to the pool that replaced this one
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def stop(self) -> None:
        for worker in self.workers:  # kill them all first, then wait for each
            worker.retire()
        for worker in self.workers:
            worker.stop()

    def describe(self) -> list[dict[str, object]]:
        return [worker.describe() for worker in self.workers]
