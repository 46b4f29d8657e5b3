"""What the panel's tests do again and again: sign in, place a call, find its row, wait for a status."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, Route, expect

from local.simulator import ApiClient, place_call

DISPATCH_TIMEOUT_MS = 30_000  # SQS → dispatch-worker → SNS, as the integration tests allow


def unique_caller() -> str:
    """A caller number no other test uses, so a test finds its own incident in a shared queue."""
    return f"+62812{secrets.randbelow(10**7):07d}"


def call(endpoints: dict[str, Any], caller: str | None = None) -> str:
    """A simulated 112 call through the Connect intake function; the new incident's id."""
    return place_call(endpoints, caller if caller is not None else unique_caller())["incidentId"]


def sign_in_form_ready(page: Page, focused: bool = True) -> Locator:
    """What a person waits for before typing: the sign-in form shown, its user name field enabled and
    (as the panel leaves it when the form appears) holding the cursor. Until the page has its
    configuration the form is hidden and focus() on it does nothing, so keys typed then land on the bare
    page and the field catches only those typed after it appears (a flaky test once typed just "6" of
    "operator6"). `focused=False` once the person has moved the cursor elsewhere themselves."""
    username = page.locator("#login-username")
    expect(username).to_be_visible()
    expect(username).to_be_enabled()
    if focused:
        expect(username).to_be_focused()
    return username


def signed_in(page: Page, username: str) -> None:
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text(username)
    expect(page.locator("#queue-panel")).to_have_attribute("data-loaded", "true")  # the first poll is back


def sign_in(page: Page, endpoints: dict[str, Any], username: str, password: str | None = None) -> None:
    sign_in_form_ready(page, focused=False)  # fill() puts the cursor in each field itself
    page.fill("#login-username", username)
    page.fill("#login-password", password or endpoints["users"][username])
    page.click("#login-form button[type=submit]")
    signed_in(page, username)


def sign_in_by_keyboard(page: Page, endpoints: dict[str, Any], username: str) -> None:
    """Sign in as a person at the keyboard does: wait for the form, type, Tab, type, Enter."""
    sign_in_form_ready(page)
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(endpoints["users"][username])
    page.keyboard.press("Enter")
    signed_in(page, username)


def row(page: Page, incident_id: str) -> Locator:
    return page.locator(f'#queue-list button.row[data-id="{incident_id}"]')


def open_incident(page: Page, incident_id: str) -> None:
    row(page, incident_id).click()
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)


def expect_status(page: Page, status: str, timeout: int | None = None) -> None:
    expect(page.locator("#detail-status")).to_have_attribute("data-status", status, timeout=timeout)


def claim(page: Page, incident_id: str) -> None:
    """Claim through the panel: the verify form then opens with focus on its first field."""
    open_incident(page, incident_id)
    page.click("#claim-button")
    expect_status(page, "IN_REVIEW")
    expect(page.locator("#detail-held")).to_contain_text(re.compile(r"operator|supervisor|trainee"))
    expect(page.locator("#verify-category")).to_be_focused()


def with_config(page: Page, change: Callable[[dict[str, Any]], None]) -> None:
    """Serve the page the local config.json changed as a deployment's could be, and reload."""

    def config(route: Route) -> None:
        response = route.fetch()
        document = response.json()
        change(document)
        route.fulfill(response=response, json=document)

    page.route("**/config.json", config)
    page.reload()


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element is wholly inside the window (not merely scrolled into its own pane)."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None, selector
    assert size is not None
    fits_height = box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
    return fits_height and box["x"] + box["width"] <= size["width"]


def shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"))


def detail(api: ApiClient, incident_id: str) -> dict[str, Any]:
    response = api.get(f"/incidents/{incident_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


CCP_URL = "https://respon112-dev.my.connect.aws/ccp-v2/"


def with_connect(page: Page) -> None:
    """Serve the page a config.json with Amazon Connect, as the deployed stack writes it."""
    connect = {"ccpUrl": CCP_URL, "region": "ap-southeast-1"}
    with_config(page, lambda document: document.update(connect=connect))


FAKE_STREAMS = """
// The signed-in agent: click-to-dial places its calls here (window.dialled keeps the numbers).
window.dialled = [];
window.fakeAgent = {
  connect: (endpoint, { success }) => { window.dialled.push(endpoint.phoneNumber); if (success) success(); },
};
window.connect = {
  core: { initCCP: (container, options) => { window.ccpOptions = options; } },
  contact: (subscriber) => { window.contactSubscriber = subscriber; },
  agent: (subscriber) => subscriber(window.fakeAgent),
  Endpoint: { byPhoneNumber: (phoneNumber) => ({ type: "phone_number", phoneNumber }) },
};
// A contact as amazon-connect-streams hands it to the subscriber, ringing: the flow's attributes, its
// ids (a transfer keeps the initial one) and the customer's connection with the caller's number.
window.fakeContact = ({ incidentId = null, contactId, initialContactId = contactId, phoneNumber }) => ({
  onConnecting: (callback) => callback(),
  onConnected: () => {},
  getAttributes: () => (incidentId ? { incidentId: { name: "incidentId", value: incidentId } } : {}),
  getContactId: () => contactId,
  getInitialContactId: () => initialContactId,
  getInitialConnection: () => ({ getEndpoint: () => ({ phoneNumber: phoneNumber || null }) }),
});
"""

INCOMING_CONTACT = """id => window.contactSubscriber(
  window.fakeContact({ incidentId: id, contactId: crypto.randomUUID() })
)"""

CONTACT_WITHOUT_INCIDENT = """contact => window.contactSubscriber(window.fakeContact(contact))"""
"""A call whose flow set no incidentId (the intake failed): {contactId, initialContactId?, phoneNumber?}."""


def sign_in_with_fake_connect(page: Page, endpoints: dict[str, Any], username: str) -> None:
    """Signed in on a panel configured for Amazon Connect, with a stand-in for amazon-connect-streams
    that records the CCP's options and the contact subscriber (INCOMING_CONTACT plays a call)."""
    page.route("**/vendor/amazon-connect-streams-*/*.js", lambda route: route.fulfill(body=FAKE_STREAMS))
    with_connect(page)
    sign_in(page, endpoints, username)
    page.wait_for_function("window.contactSubscriber !== undefined")
