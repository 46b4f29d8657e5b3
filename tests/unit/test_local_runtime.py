"""local.runtime: an execution environment that fails to start or dies is Lambda's Unhandled error, not
an exception of the gateway's (which would be a 5xx of our own making), and the pool goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.definitions import FunctionDesign
from local.runtime import FunctionPool, ctrl_c_held


def exits_when_asked(event: dict[str, Any], context: Any) -> dict[str, bool]:
    """A handler (run in the pool's worker process) whose process exits when the event says so."""
    if event.get("exit"):
        os._exit(3)
    return {"ok": True}


def pid(event: dict[str, Any], context: Any) -> int:
    return os.getpid()


def pool(handler: str, tmp_path: Path) -> FunctionPool:
    design = FunctionDesign(name="probe", handler=handler, description="test", timeout_seconds=30)
    return FunctionPool(design, {}, tmp_path / "probe.log", "arn:aws:lambda:local:probe", concurrency=1)


def test_an_environment_that_dies_mid_invocation_is_a_runtime_exit_error(tmp_path: Path) -> None:
    functions = pool(f"{__name__}.exits_when_asked", tmp_path)
    try:
        died = functions.invoke({"exit": True})
        after = functions.invoke({})
    finally:
        functions.close()

    assert died.error == "Unhandled"
    assert died.result()["errorType"] == "Runtime.ExitError"
    assert after.ok
    assert after.result() == {"ok": True}
    assert after.init_ms is not None  # a new environment took the dead one's place


def test_an_environment_that_fails_to_start_is_an_unhandled_error(tmp_path: Path) -> None:
    functions = pool(f"{__name__}.no_such_handler", tmp_path)
    try:
        failed = functions.invoke({})
    finally:
        functions.close()

    assert failed.error == "Unhandled"
    assert failed.result()["errorType"] == "AttributeError"


def test_prewarm_still_fails_loudly(tmp_path: Path) -> None:
    """At start-up a function that cannot start stops the stack, as before."""
    functions = pool("no_such_module.handler", tmp_path)
    try:
        with pytest.raises(RuntimeError, match="probe: init failed"):
            functions.prewarm()
    finally:
        functions.close()


def test_a_ctrl_c_to_the_process_group_leaves_the_workers_to_the_stack(tmp_path: Path) -> None:
    """Ctrl-C in the stack's terminal reaches every worker too: the stack stops them itself, so a worker
    ignores it rather than die with a traceback."""
    functions = pool(f"{__name__}.pid", tmp_path)
    try:
        worker = functions.invoke({}).result()
        os.kill(worker, signal.SIGINT)
        again = functions.invoke({})
    finally:
        functions.close()

    assert again.ok
    assert again.result() == worker  # the same environment, alive
    assert "Traceback" not in (tmp_path / "probe.log").read_text(encoding="utf-8")


def test_a_worker_is_spawned_with_ctrl_c_held() -> None:
    """A Ctrl-C landing while a worker's interpreter starts waits until the worker ignores it: the child
    inherits the blocked signal, and the spawning thread gets its mask back."""
    probe = "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"
    with ctrl_c_held():
        inside = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert inside.stdout.strip() == "True"
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
