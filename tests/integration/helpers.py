"""Helpers of the integration tests: start and stop a local stack, and bounded waits on its API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from local.config import endpoints_path
from local.simulator import ApiClient
from tests.support import ROOT

START_TIMEOUT = 60.0  # seconds for the stack to write endpoints.json and answer
STOP_TIMEOUT = 15.0  # seconds for a clean stop after SIGINT
DISPATCH_TIMEOUT = 30.0  # seconds for SQS → dispatch-worker → SNS to mark an incident DISPATCHED
T = TypeVar("T")

# A stack as `make dev` starts it, on free ports (the web form's limit is the deployed one: 5 per 10 min).
DEFAULT_SERVE_ARGS = ("serve", "--port", "0", "--lambda-port", "0", "--aws-port", "0")
# The stack a whole folder shares: every test posts from 127.0.0.1, so the web form's per-address limit
# is raised rather than budgeted test by test; the limit itself is tested on a stack of its own.
SERVE_ARGS = (*DEFAULT_SERVE_ARGS, "--report-rate-limit", "1000")


# -- the stack as a process ------------------------------------------------------------------------


def log_tail(log_path: Path, limit: int = 6000) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:]


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is left (the stack and its function workers share one)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a reused id of someone else's group
        return True
    return True


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Last resort: SIGKILL to the stack's own process group (never anyone else's)."""
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:
        process.wait(timeout=10)


def start_stack(state_dir: Path, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
    """`python -m local <args> --state-dir <state_dir>` in its own process group, output to stack.log."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "stack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local", *args, "--state-dir", str(state_dir)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, log_path


def _read_endpoints(state_dir: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(endpoints_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not written yet, or half written
    return data


def wait_until_up(process: subprocess.Popen[bytes], state_dir: Path, log_path: Path) -> dict[str, Any]:
    """endpoints.json written and the REST API answering, or pytest.fail with the stack's log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            status = process.returncode
            pytest.fail(f"the local stack exited with status {status} while starting:\n{log_tail(log_path)}")
        endpoints = _read_endpoints(state_dir)
        if endpoints is not None:
            try:
                if requests.get(f"{endpoints['api']}/openapi.json", timeout=2).status_code == 200:
                    return endpoints
            except requests.RequestException:
                pass
        time.sleep(0.2)
    pytest.fail(f"the local stack was not up within {START_TIMEOUT:.0f} s:\n{log_tail(log_path)}")


def stop_stack(process: subprocess.Popen[bytes], log_path: Path, *, whole_group: bool = False) -> int:
    """SIGINT to the stack (or to its whole process group, as a terminal's Ctrl-C does); its exit status.

    Fails the test, after killing what is left, when the stack is still running STOP_TIMEOUT seconds
    later or leaves function workers behind."""
    if process.poll() is None:
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
    try:
        status = process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_group(process)
        pytest.fail(
            f"the local stack did not stop within {STOP_TIMEOUT:.0f} s of SIGINT:\n{log_tail(log_path)}"
        )
    deadline = time.monotonic() + 5
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(process.pid):
        kill_group(process)
        pytest.fail(f"the local stack exited ({status}) but left processes behind:\n{log_tail(log_path)}")
    return status


# -- the API ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def running_stack(
    state_dir: Path,
    *args: str,
    interrupt: Callable[[subprocess.Popen[bytes], Path], subprocess.Popen[bytes]] | None = None,
) -> Iterator[dict[str, Any]]:
    """A stack started with `args`, its endpoints.json once it answers; on exit it is stopped with Ctrl-C
    (`interrupt` may press it its own way first) and must exit with status 0, leaving nothing behind."""
    process, log_path = start_stack(state_dir, *args)
    try:
        endpoints = wait_until_up(process, state_dir, log_path)
    except BaseException:
        kill_group(process)
        raise
    try:
        yield endpoints
    finally:
        status = stop_stack(interrupt(process, log_path) if interrupt else process, log_path)
        assert status == 0, f"Ctrl-C stop exited with status {status}:\n{log_tail(log_path)}"


def run_local(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m local <args>` as a person runs it from the repository, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "local", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def fire_in_genteng(**changes: Any) -> dict[str, Any]:
    """A verification body: a house fire in Genteng, P1 (DAMKAR by the routing table)."""
    body: dict[str, Any] = {
        "category": "FIRE",
        "priority": "P1",
        "location": {"district": "Genteng", "address": "Jl. Raya Genteng 12, dekat pasar"},
        "summary": "Rumah terbakar, api membesar",
    }
    body.update(changes)
    return body


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: str | Callable[[], str], interval: float = 0.2
) -> T:
    """Call `condition` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what if isinstance(what, str) else what()}: not within {timeout:.0f} s")
        time.sleep(interval)


def wait_for_status(
    api: ApiClient, incident_id: str, status: str, timeout: float = DISPATCH_TIMEOUT
) -> dict[str, Any]:
    """GET /incidents/{id} until it has `status`; its detail."""
    last: dict[str, Any] = {}

    def reached() -> dict[str, Any] | None:
        nonlocal last
        response = api.get(f"/incidents/{incident_id}")
        assert response.status_code == 200, response.text
        last = response.json()
        return last if last["status"] == status else None

    return wait_for(reached, timeout, lambda: f"incident {incident_id} {status} (last seen: {last})")


def queue_items(api: ApiClient, status: str = "RECEIVED") -> list[dict[str, Any]]:
    """Every incident in `status`, through every page of GET /incidents."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):  # bounded: 10,000 incidents is far more than a test session makes
        params: dict[str, Any] = {"status": status, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        response = api.get("/incidents", **params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return items
    pytest.fail("GET /incidents kept returning a nextCursor")
