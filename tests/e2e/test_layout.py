"""The operators' screen at 1366 x 768: the citizen's words and the key facts beside the verify form with
its Send button in view, the incident's head kept in view, one row of tabs, and with Amazon Connect a
phone pane that folds so that the form fits (the softphone keeps running)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient, instagram_message
from tests.e2e.helpers import (
    INCOMING_CONTACT,
    call,
    claim,
    in_viewport,
    row,
    shot,
    sign_in,
    sign_in_with_fake_connect,
)
from tests.e2e.test_panel import OVERFLOWING

WORDS = (
    "Tolong! Ada rumah terbakar di dekat pasar Genteng, api sudah sampai atap, "
    "ada nenek di dalam yang belum keluar. Jalan masuk lewat gang sebelah masjid."
)
TAB_TOPS = """() => [...document.querySelectorAll('[role=tab]')]
  .filter((tab) => !tab.hidden).map((tab) => Math.round(tab.getBoundingClientRect().top))"""


def instagram_incident(endpoints: dict[str, Any]) -> str:
    sender = "6104" + "".join(secrets.choice("0123456789") for _ in range(12))
    response = instagram_message(endpoints, f"{WORDS} ({secrets.token_hex(3)})", sender)
    assert response.status_code == 200, response.text
    (incident_id,) = response.json()["incidents"]
    return str(incident_id)


def expect_form_beside_the_words(page: Page) -> None:
    wanted = ("#detail-report .report", "#detail-facts", "#verify-form [type=submit]", "#verify-district")
    for selector in wanted:
        expect(page.locator(selector)).to_be_visible()
        assert in_viewport(page, selector), f"{selector} is not wholly on screen"


def test_at_1366x768_the_form_sits_beside_the_words_and_the_head_stays(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id = instagram_incident(endpoints)
    page = new_page()
    sign_in(page, endpoints, "supervisor")
    for _ in range(2):  # counts in every tab (mine, all in review): still one row of tabs
        other = call(endpoints)
        assert ApiClient(endpoints, "operator1").post(f"/incidents/{other}/claim").status_code == 200
    expect(page.locator("#count-review")).not_to_be_empty()
    tops = page.evaluate(TAB_TOPS)
    assert len(tops) == 5, tops  # the supervisors' all in review and the callback desk's too
    assert len(set(tops)) == 1, tops

    claim(page, incident_id)
    expect(page.locator("#verify-form")).to_be_visible()
    expect_form_beside_the_words(page)
    assert page.evaluate(OVERFLOWING) == []
    shot(page, artifacts, "13-verify-beside-the-report")

    page.locator("#detail-pane").evaluate("pane => { pane.scrollTop = pane.scrollHeight; }")
    for selector in ("#detail-heading", "#detail-status", "#verify-button"):
        assert in_viewport(page, selector), f"{selector} scrolled away"
    expect(row(page, incident_id)).to_have_count(0)  # claimed: it left the incoming list


def test_with_connect_the_phone_folds_away_and_the_form_fits(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id = instagram_incident(endpoints)
    page = new_page()
    sign_in_with_fake_connect(page, endpoints, "operator3")
    toggle = page.locator("#phone-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    claim(page, incident_id)
    # With the phone shown the incident is narrower: one column, nothing cut off.
    district = page.locator("#verify-district").bounding_box()
    form = page.locator("#verify-form").bounding_box()
    assert district is not None
    assert form is not None
    assert district["x"] + district["width"] <= form["x"] + form["width"], (district, form)
    assert page.evaluate(OVERFLOWING) == []
    shot(page, artifacts, "14-connect-phone-shown")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    assert page.evaluate("document.getElementById('phone-body').inert")
    assert page.evaluate("!document.getElementById('ccp-container').hidden")  # the softphone keeps running
    expect_form_beside_the_words(page)
    assert page.evaluate(OVERFLOWING) == []
    shot(page, artifacts, "15-connect-phone-folded")

    page.reload()  # remembered
    expect(page.locator("#app-view")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.wait_for_function("window.contactSubscriber !== undefined")
    page.evaluate(INCOMING_CONTACT, call(endpoints))  # a call: the phone shows itself to be answered
    expect(toggle).to_have_attribute("aria-expanded", "true")
