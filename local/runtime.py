"""Runs functions the way Lambda does: a pool of execution environments per function, each a worker
process with the function's own environment, reused while warm, killed when it overruns its timeout."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from infra.definitions import FUNCTIONS_DIR, FunctionDesign
from local.worker import serve

_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no state leaks from the gateway


class UnknownFunction(KeyError):
    pass


def _error(message: str, error_type: str) -> str:
    return json.dumps({"errorMessage": message, "errorType": error_type})


class InitFailed(RuntimeError):
    """An execution environment that did not start: `payload` is Lambda's error object for it."""

    def __init__(self, function: str, payload: str) -> None:
        super().__init__(f"{function}: init failed: {json.loads(payload)['errorMessage']}")
        self.payload = payload


@dataclass(frozen=True)
class Invocation:
    function: str
    request_id: str
    payload: str  # JSON: the handler's result, or Lambda's error object
    error: str | None  # None, "Unhandled" (the handler raised or timed out) like X-Amz-Function-Error
    duration_ms: float
    init_ms: float | None  # set when this invocation started a new environment (a cold start)

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> Any:
        return json.loads(self.payload)


@contextlib.contextmanager
def ctrl_c_held() -> Iterator[None]:
    """SIGINT blocked in this thread while a worker is spawned: the child inherits the mask, so a Ctrl-C
    to the process group that lands while its interpreter starts stays pending until the worker ignores
    it (local/worker.py); without this it would die in an import and print a traceback. The stack's own
    Ctrl-C is not lost: another thread takes it, and Python runs the handler in the main thread."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class _Environment:
    def __init__(self, design: FunctionDesign, env: Mapping[str, str], log_path: Path) -> None:
        parent, child = _SPAWN.Pipe()
        self.conn: Connection = parent
        self.process: BaseProcess = _SPAWN.Process(
            target=serve,
            args=(child, design.handler, dict(env), str(log_path), str(FUNCTIONS_DIR)),
            name=f"lambda:{design.name}",
            daemon=True,
        )
        with ctrl_c_held():
            self.process.start()
        child.close()
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):  # the process died before it could say why
            kind, value = "init_error", _error("Runtime exited during init", "Runtime.ExitError")
        if kind != "ready":
            self.kill()
            raise InitFailed(design.name, value)
        self.init_ms: float | None = float(value)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=2)
        self.conn.close()


class FunctionPool:
    """Up to `concurrency` environments of one function; a request waits when all are busy."""

    def __init__(
        self, design: FunctionDesign, env: Mapping[str, str], log_path: Path, arn: str, concurrency: int = 4
    ) -> None:
        self.design = design
        self._env = env
        self._log_path = log_path
        self._arn = arn
        self._idle: queue.LifoQueue[_Environment] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._all: list[_Environment] = []
        self._closed = False

    def _start(self) -> _Environment:
        environment = _Environment(self.design, self._env, self._log_path)
        with self._lock:
            self._all.append(environment)
        return environment

    def prewarm(self) -> None:
        with self._slots:
            self._idle.put(self._start())

    def _discard(self, environment: _Environment) -> None:
        environment.kill()
        with self._lock:
            if environment in self._all:
                self._all.remove(environment)

    def invoke(self, event: Any) -> Invocation:
        """Run the event in an idle environment, or a new one while fewer than `concurrency` exist; beyond
        that the request waits for one to be free (never a 5xx of ours, never a throttle). A handler's
        failure, a timeout, an environment that fails to start or dies are Lambda's Unhandled errors."""
        request_id = str(uuid.uuid4())
        name = self.design.name
        with self._slots:
            try:
                environment = self._idle.get_nowait()
                init_ms = None
            except queue.Empty:
                try:
                    environment = self._start()
                except InitFailed as failed:
                    return Invocation(name, request_id, failed.payload, "Unhandled", 0.0, None)
                init_ms = environment.init_ms
            timeout = self.design.timeout_seconds
            started = time.perf_counter()
            try:
                environment.conn.send(
                    (request_id, json.dumps(event), int((time.time() + timeout) * 1000), self._arn)
                )
                answered = environment.conn.poll(timeout)
                kind, payload = environment.conn.recv() if answered else ("", "")
            except (EOFError, OSError):  # the process exited mid-invocation (os._exit, a crash, killed)
                self._discard(environment)
                payload = _error("Runtime exited without providing a reason", "Runtime.ExitError")
                duration = (time.perf_counter() - started) * 1000
                return Invocation(name, request_id, payload, "Unhandled", duration, init_ms)
            if not answered:
                self._discard(environment)
                payload = _error(f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout")
                return Invocation(name, request_id, payload, "Unhandled", timeout * 1000.0, init_ms)
            duration = (time.perf_counter() - started) * 1000
            self._idle.put(environment)
        return Invocation(name, request_id, payload, None if kind == "ok" else "Unhandled", duration, init_ms)

    def ask_to_exit(self) -> None:
        """Tell every environment to exit, without waiting: they wind down side by side."""
        with self._lock:
            self._closed = True
            environments = list(self._all)
        for environment in environments:
            with contextlib.suppress(OSError):
                environment.conn.send(None)

    def close(self) -> None:
        self.ask_to_exit()
        with self._lock:
            environments, self._all = self._all, []
        for environment in environments:
            environment.process.join(timeout=2)
            if environment.process.is_alive():
                environment.kill()


class Runtime:
    """All functions of the stack, by name."""

    def __init__(
        self,
        designs: tuple[FunctionDesign, ...],
        env_for: Callable[[FunctionDesign], Mapping[str, str]],
        log_dir: Path,
        arn_for: Callable[[FunctionDesign], str],
        on_invoke: Callable[[Invocation], None] = lambda _: None,
        concurrency: int = 4,
    ) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = log_dir
        self._pools = {
            d.name: FunctionPool(d, env_for(d), log_dir / f"{d.name}.log", arn_for(d), concurrency)
            for d in designs
        }
        self._on_invoke = on_invoke

    @property
    def names(self) -> list[str]:
        return list(self._pools)

    def prewarm(self) -> None:
        threads = [threading.Thread(target=pool.prewarm) for pool in self._pools.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def invoke(self, name: str, event: Any) -> Invocation:
        pool = self._pools.get(name)
        if pool is None:
            raise UnknownFunction(name)
        invocation = pool.invoke(event)
        self._on_invoke(invocation)
        return invocation

    def close(self) -> None:
        # Each environment takes a second or so to exit (interpreter teardown): all at once, not in turn,
        # so that Ctrl-C stops the stack in about that long however many environments ran.
        for pool in self._pools.values():
            pool.ask_to_exit()
        for pool in self._pools.values():
            pool.close()
