"""local.runtime: an execution environment that fails to start or dies is Lambda's Unhandled error, not
an exception of the gateway's (which would be a 5xx of our own making), and the pool goes on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from infra.definitions import FunctionDesign
from local.runtime import FunctionPool


def exits_when_asked(event: dict[str, Any], context: Any) -> dict[str, bool]:
    """A handler (run in the pool's worker process) whose process exits when the event says so."""
    if event.get("exit"):
        os._exit(3)
    return {"ok": True}


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
