"""End-to-end tests of the operators' panel: a local stack of its own (started once for this folder, as
the integration tests start theirs) and Debian's Chromium driven by Playwright. No browser is ever
downloaded: Playwright launches /usr/bin/chromium (`make e2e` installs it when missing)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from tests.e2e.helpers import sign_in_form_ready
from tests.integration.helpers import SERVE_ARGS, STOP_TIMEOUT, running_stack
from tests.support import ROOT

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
UI_TIMEOUT_MS = 10_000  # a bounded wait for anything the panel shows
expect.set_options(timeout=UI_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def interrupted(process: subprocess.Popen[bytes], log_path: Path) -> subprocess.Popen[bytes]:
    """Ctrl-C, pressed again every 1.5 s until the stack says "stopping…", then its exit awaited (all
    within STOP_TIMEOUT); stop_stack then checks the exit status and that no process is left behind.

    Now and then the stack does not react to the first SIGINT at all: its main thread waits in
    `threading.Event.wait()` for the handler, which a signal taken by another thread does not wake.
    A second Ctrl-C reaches it, as it would in a terminal. Once it is stopping it is left alone (a
    SIGINT during the interpreter's shutdown would kill it)."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        if "stopping" not in log_path.read_text(encoding="utf-8", errors="replace"):
            process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1.5)
    return process


@pytest.fixture(scope="package")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A local stack for the panel's tests, on free ports; Ctrl-C stops it at the end."""
    state_dir = tmp_path_factory.mktemp("e2e-stack")
    with running_stack(state_dir, *SERVE_ARGS, interrupt=interrupted) as endpoints:
        yield endpoints


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, endpoints: dict[str, Any]) -> Iterator[Browser]:
    """Chromium, started after the stack and closed before it stops (no connection left open)."""
    del endpoints
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: `make e2e` installs Debian's package (apt-get install chromium)"
        )
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_page(browser: Browser, endpoints: dict[str, Any]) -> Iterator[Callable[[], Page]]:
    """Pages in fresh browser contexts (separate storage: one operator each), at the sign-in form with
    the cursor in it, closed after the test.
    Errors the page raises or logs (a CSP violation, an exception in a module, a console.error) fail
    the test; only the browser's own line about a failed request is allowed (the tests provoke 4xx, 5xx
    and cut connections on purpose, and offline the map's tiles never load)."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def make() -> Page:
        context = browser.new_context(viewport=VIEWPORT, base_url=endpoints["api"])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", console)
        page.goto("/")
        # Loaded is not ready: the panel shows its sign-in form once /config.json is in. A test starts
        # where a person starts, at that form, or its first keys and checks race the page's start-up.
        sign_in_form_ready(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"the page reported errors: {errors}"
