"""The responders' page (panel/respond.html): a post opens the link from its SMS on a phone, sees what it
needs, and confirms step by step (Diterima, Dalam perjalanan, Tiba di lokasi, Selesai) with a note; the
panel shows the steps on the incident; a link that is not valid says so. Under the panel's CSP (script-src
'self'), with no console error (the new_page fixture fails the test on one)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize, expect

from local.responders import post_inbox
from local.simulator import ApiClient
from tests.e2e.helpers import call, detail, open_incident, shot, sign_in
from tests.integration.helpers import wait_for, wait_for_status

POST = "damkar-pesanggaran"  # a post no other browser test dispatches to
PHONE: ViewportSize = {"width": 390, "height": 844}


def give_number(endpoints: dict[str, Any], number: str) -> None:
    admin = ApiClient(endpoints, "admin")
    current = admin.get(f"/agencies/posts/{POST}").json()
    body = {
        "name": current["name"],
        "districts": current["districts"],
        "contacts": {"sms": [number]},
        "duty": current["duty"],
        "version": current["version"],
        "reason": "Nomor piket (uji)",
    }
    response = admin.put(f"/agencies/posts/{POST}", body)
    assert response.status_code == 200, response.text


def dispatched_fire(endpoints: dict[str, Any]) -> str:
    operator = ApiClient(endpoints, "operator3")
    incident_id = call(endpoints)
    assert operator.post(f"/incidents/{incident_id}/claim").status_code == 200
    body = {
        "category": "FIRE",
        "priority": "P1",
        "location": {"district": "Pesanggaran", "address": "Pasar Pesanggaran"},
        "summary": "Gudang terbakar",
    }
    assert operator.post(f"/incidents/{incident_id}/verify", body).status_code == 200
    wait_for_status(operator, incident_id, "DISPATCHED")
    return incident_id


def link_for(endpoints: dict[str, Any], number: str, incident_id: str) -> str:
    def sent() -> str | None:
        return next((m["link"] for m in post_inbox(endpoints, number) if incident_id in m["text"]), None)

    return wait_for(sent, 30, f"the SMS to {number}")


def test_a_post_confirms_each_step_from_its_phone_and_the_panel_shows_it(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    number = f"+62813{secrets.randbelow(10**7):07d}"
    give_number(endpoints, number)
    incident_id = dispatched_fire(endpoints)
    link = link_for(endpoints, number, incident_id)

    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.locator("#respond-title")).to_have_text("KEBAKARAN P1")
    expect(page.locator("#respond-post")).to_contain_text("Pos Damkar Pesanggaran")
    expect(page.locator("#respond-place")).to_contain_text("Kec. Pesanggaran, Pasar Pesanggaran")
    expect(page.locator("#respond-status")).to_contain_text("Diberi tahu")
    buttons = page.locator("#respond-buttons button")
    expect(buttons).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    shot(page, artifacts, "respond-phone")

    page.fill("#respond-note", "Regu 1, dua mobil")
    page.get_by_role("button", name="Diterima").click()
    expect(page.locator("#respond-status")).to_contain_text("Diterima")
    expect(page.get_by_role("button", name="Diterima")).to_be_disabled()
    for label in ("Dalam perjalanan", "Tiba di lokasi", "Selesai"):
        page.get_by_role("button", name=label).click()
        expect(page.locator("#respond-status")).to_contain_text(label)
    expect(page.locator("#respond-buttons button:enabled")).to_have_count(0)

    operator = ApiClient(endpoints, "operator3")
    [dispatch] = detail(operator, incident_id)["dispatches"]
    assert (dispatch["status"], dispatch["acknowledgedBy"], dispatch["note"]) == (
        "CLEARED",
        f"post:{POST}",
        "Regu 1, dua mobil",
    )

    panel = new_page()
    sign_in(panel, endpoints, "operator3")
    panel.locator("#tab-dispatched").click()  # the dispatched incidents, acknowledged ones included
    open_incident(panel, incident_id)
    steps = panel.locator("#detail-dispatches li[data-agency='DAMKAR']")
    expect(steps.locator(".badge")).to_have_text("Selesai")
    expect(steps.locator("[data-step='ON_SCENE']")).to_contain_text("Tiba di lokasi")


def test_a_link_that_is_not_valid_says_so(new_page: Callable[[], Page]) -> None:
    page = new_page()
    page.goto("/respond.html#t=01ABCDEFGHJKMNPQRSTVWXYZ01.damkar-genteng.1999999999." + "A" * 43)
    expect(page.locator("#respond-error")).to_contain_text("Tautan tidak berlaku")
    expect(page.locator("#respond-view")).to_be_hidden()
    page.goto("/respond.html")
    expect(page.locator("#respond-error")).to_contain_text("Tautan tidak lengkap")
