"""The operators' work in the browser: a call appears, is claimed, verified or rejected, dispatched,
acknowledged and closed; two operators race; a supervisor hands an incident over; all by keyboard too."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from local.simulator import ApiClient, place_call
from tests.e2e.helpers import (
    CONTACT_WITHOUT_INCIDENT,
    DISPATCH_TIMEOUT_MS,
    call,
    claim,
    detail,
    expect_status,
    open_incident,
    row,
    shot,
    sign_in,
    sign_in_by_keyboard,
    sign_in_with_fake_connect,
    unique_caller,
)
from tests.integration.helpers import queue_items, wait_for


def test_a_call_appears_live_is_claimed_verified_as_fire_and_dispatched_to_damkar(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    page = new_page()
    shot(page, artifacts, "01-login")
    sign_in(page, endpoints, "operator1")

    incident_id = call(endpoints)  # after the page loaded: it must appear without a reload
    expect(row(page, incident_id)).to_be_visible()
    expect(page.locator("#announcer")).to_contain_text("Insiden baru")
    waiting = row(page, incident_id).locator(".wait")
    expect(waiting).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(waiting).not_to_have_text(waiting.inner_text())  # it counts up, second by second
    shot(page, artifacts, "02-queue")

    claim(page, incident_id)
    expect(page.locator("#map .leaflet-control-zoom")).to_be_visible()  # the map, without tiles (offline)
    shot(page, artifacts, "03-detail-with-map")

    page.click("#verify-button")
    expect(page.locator("#verify-category")).to_be_focused()
    page.select_option("#verify-category", "FIRE")
    expect(page.locator("#verify-agency-DAMKAR")).to_be_checked()  # from config.routing.FIRE
    expect(page.locator("#verify-agency-POLICE")).not_to_be_checked()
    page.check("#verify-priority-P1")
    page.select_option("#verify-district", "Genteng")
    page.locator("#map").click(position={"x": 220, "y": 140})
    expect(page.locator("#map .chosen-point")).to_be_visible()
    expect(page.locator("#verify-point")).to_have_text(re.compile(r"^-?\d+\.\d{5}, -?\d+\.\d{5}$"))
    page.fill("#verify-address", "Jl. Raya Genteng 12, dekat pasar")
    page.fill("#verify-summary", "Rumah terbakar, api membesar")
    shot(page, artifacts, "04-verify-form")
    page.click("#verify-form button[type=submit]")

    expect_status(page, "DISPATCHED", timeout=DISPATCH_TIMEOUT_MS)
    damkar = page.locator('#detail-dispatches li[data-agency="DAMKAR"]')
    expect(damkar).to_have_attribute("data-status", "NOTIFIED")
    expect(damkar.locator(".badge")).to_have_text("Diberi tahu")  # in words, without the raw code
    expect(damkar).not_to_contain_text("NOTIFIED")
    expect(page.locator('#detail-timeline li[data-action="DISPATCH"]')).to_be_visible()
    shot(page, artifacts, "05-dispatched")

    verified = detail(ApiClient(endpoints, "operator1"), incident_id)
    assert verified["category"] == "FIRE"
    assert verified["priority"] == "P1"
    assert verified["location"]["district"] == "Genteng"
    assert verified["location"]["lat"] is not None
    assert verified["location"]["lon"] is not None
    assert verified["agencies"] == ["DAMKAR"]

    # The fire brigade confirms by phone; the operator records it, then closes with the outcome.
    damkar.get_by_role("button").click()
    expect(page.locator("#ack-dialog")).to_be_visible()
    expect(page.locator("#ack-agency")).to_be_focused()
    page.fill("#ack-note", "Regu 2 Damkar Genteng berangkat")
    page.click("#ack-form button[type=submit]")
    expect_status(page, "ACKNOWLEDGED")
    expect(damkar).to_have_attribute("data-status", "ACKNOWLEDGED")
    page.keyboard.press("x")
    expect(page.locator("#close-note")).to_be_focused()
    page.keyboard.press("Control+Enter")  # empty outcome: refused next to the field
    expect(page.locator("#close-note-error")).not_to_be_empty()
    page.fill("#close-note", "Api padam, tidak ada korban")
    page.keyboard.press("Control+Enter")
    expect_status(page, "CLOSED")


def test_reject_as_prank(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    incident_id = call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator3")
    claim(page, incident_id)

    page.click("#reject-button")
    expect(page.locator("#reject-reason-PRANK")).to_be_focused()
    page.click("#reject-form button[type=submit]")  # no reason: refused before sending
    expect(page.locator("#reject-reason-error")).not_to_be_empty()
    page.check("#reject-reason-PRANK")
    page.fill("#reject-note", "Anak-anak bermain telepon")
    page.click("#reject-form button[type=submit]")

    expect_status(page, "REJECTED")
    expect(page.locator('#detail-facts dd[data-fact="rejection"]')).to_contain_text("iseng")
    rejected = detail(ApiClient(endpoints, "operator3"), incident_id)
    assert rejected["rejection"] == {
        "reason": "PRANK",
        "duplicateOf": None,
        "note": "Anak-anak bermain telepon",
    }


def test_reject_as_duplicate_of_an_open_incident_picked_from_the_list(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    first = call(endpoints)
    second = call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator3")
    claim(page, second)  # the verify form opens, focus on its first field: no single-key shortcut there

    page.keyboard.press("Escape")  # closes it (nothing typed), focus back on its button
    page.keyboard.press("r")
    page.check("#reject-reason-DUPLICATE")
    page.click("#reject-form button[type=submit]")  # no incident named yet
    expect(page.locator("#reject-duplicateOf-error")).not_to_be_empty()
    expect(page.locator(f'#reject-duplicate-pick option[value="{second}"]')).to_have_count(0)  # not itself
    option = page.locator(f'#reject-duplicate-pick option[value="{first}"]')
    expect(option).to_have_text(re.compile(rf"^…{first[-6:]} · .+ WIB · Telepon 112 · \+62\d+$"))
    assert len(option.inner_text()) < 70
    page.select_option("#reject-duplicate-pick", first)
    expect(page.locator("#reject-duplicate-of")).to_have_value(first)
    page.fill("#reject-note", "Kebakaran yang sama, penelepon kedua")
    page.click("#reject-form button[type=submit]")

    expect_status(page, "REJECTED")
    rejection = detail(ApiClient(endpoints, "operator3"), second)["rejection"]
    assert rejection["reason"] == "DUPLICATE"
    assert rejection["duplicateOf"] == first


def test_two_operators_race_to_claim_and_the_loser_is_told_who_won(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = call(endpoints)
    pages = {"operator4": new_page(), "operator5": new_page()}
    for username, page in pages.items():
        sign_in(page, endpoints, username)
        open_incident(page, incident_id)
        expect(page.locator("#claim-button")).to_be_visible()

    for page in pages.values():  # back to back: both panels still show the incident RECEIVED
        page.keyboard.press("c")

    api = ApiClient(endpoints, "operator4")

    def panels() -> str:
        said = {
            name: page.locator("#detail-alert, #detail-notice").all_inner_texts()
            for name, page in pages.items()
        }
        return f"incident {incident_id} claimed by someone (the panels said {said})"

    winner = wait_for(lambda: detail(api, incident_id)["assignedTo"], 10, panels)
    assert winner in pages
    (loser,) = (name for name in pages if name != winner)
    expect(pages[winner].locator("#detail-notice")).to_contain_text("Insiden diambil")
    expect(pages[loser].locator("#detail-alert")).to_have_text(f"Insiden ini sudah diambil oleh {winner}.")
    expect(pages[loser].locator("#detail-alert")).to_be_visible()
    expect(pages[loser].locator("#detail-alert")).to_be_focused()  # not lost on <body>
    expect(pages[winner].locator("#verify-category")).to_be_focused()  # the form, ready
    for page in pages.values():
        expect_status(page, "IN_REVIEW")
        expect(page.locator("#detail-held")).to_contain_text(winner)
    expect(pages[loser].locator("#verify-button")).to_be_hidden()
    expect(pages[winner].locator("#verify-button")).to_be_visible()


def focused_row_id(page: Page) -> str | None:
    value = page.evaluate("document.activeElement && document.activeElement.dataset.id")
    return str(value) if value else None


def test_keyboard_only_move_open_claim_verify(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    page = new_page()
    sign_in_by_keyboard(page, endpoints, "operator6")  # by keyboard too: type, Tab, Enter

    incident_id = call(endpoints)
    expect(row(page, incident_id)).to_be_visible()
    page.keyboard.press("1")
    for _ in range(200):  # bounded: other tests' incidents may wait in the same queue
        page.keyboard.press("j")
        if focused_row_id(page) == incident_id:
            break
    assert focused_row_id(page) == incident_id
    page.keyboard.press("Enter")
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect(page.locator("#detail-heading")).to_be_focused()
    page.keyboard.press("c")
    expect_status(page, "IN_REVIEW")

    page.keyboard.press("v")
    expect(page.locator("#verify-category")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first category: Kebakaran (FIRE)
    expect(page.locator("#verify-category")).to_have_value("FIRE")
    page.keyboard.press("Tab")  # priority: one stop for the radio group
    page.keyboard.press("Space")
    expect(page.locator("#verify-priority-P1")).to_be_checked()
    page.keyboard.press("Tab")  # district
    expect(page.locator("#verify-district")).to_be_focused()
    page.keyboard.type("Genteng")
    expect(page.locator("#verify-district")).to_have_value("Genteng")
    page.keyboard.press("Tab")  # address
    page.keyboard.type("Pasar Genteng")
    page.keyboard.press("Tab")  # summary
    expect(page.locator("#verify-summary")).to_be_focused()
    page.keyboard.type("Kios terbakar di pasar")
    page.keyboard.press("j")  # typing in a field is not a shortcut
    expect(page.locator("#verify-summary")).to_have_value("Kios terbakar di pasarj")
    page.keyboard.press("Backspace")
    page.keyboard.press("Control+Enter")

    expect_status(page, "DISPATCHED", timeout=DISPATCH_TIMEOUT_MS)
    expect(page.locator('#detail-dispatches li[data-agency="DAMKAR"]')).to_have_attribute(
        "data-status", "NOTIFIED"
    )
    verified = detail(ApiClient(endpoints, "operator6"), incident_id)
    assert verified["summary"] == "Kios terbakar di pasar"
    assert verified["location"] == {
        "lat": None,
        "lon": None,
        "district": "Genteng",
        "address": "Pasar Genteng",
    }


def test_the_supervisor_sees_who_holds_what_and_reassigns(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id, elsewhere, handled = call(endpoints), call(endpoints), call(endpoints)
    operator1 = ApiClient(endpoints, "operator1")
    assert operator1.post(f"/incidents/{incident_id}/claim").status_code == 200
    assert ApiClient(endpoints, "operator3").post(f"/incidents/{elsewhere}/claim").status_code == 200
    assert operator1.post(f"/incidents/{handled}/claim").status_code == 200
    verified = operator1.post(
        f"/incidents/{handled}/verify",
        {
            "category": "CRIME",
            "priority": "P2",
            "location": {"district": "Muncar"},
            "summary": "Perkelahian di pelabuhan",
            "agencies": ["POLICE"],
        },
    )
    assert verified.status_code == 200, verified.text

    page = new_page()
    sign_in(page, endpoints, "supervisor")
    expect(page.locator("#user-role")).to_have_text("Supervisor")
    # Who handled what, in every list: the dispatched incident names its verifier, with the time
    # since its step (not a waiting time in red).
    page.keyboard.press("3")
    expect(row(page, handled)).to_contain_text("diverifikasi operator1")
    expect(row(page, handled).locator(".wait")).to_have_class(re.compile(r"neutral"))
    page.keyboard.press("4")
    expect(page.locator("#tab-review")).to_have_attribute("aria-selected", "true")
    expect(row(page, incident_id)).to_contain_text("dipegang operator1")
    expect(row(page, elsewhere)).to_contain_text("dipegang operator3")
    # Only operator1's incidents (the list is filtered in the panel: the API lists by status).
    page.select_option("#review-operator", "operator1")
    expect(row(page, elsewhere)).to_have_count(0)
    expect(row(page, incident_id)).to_be_visible()
    page.select_option("#review-operator", "")
    expect(row(page, elsewhere)).to_be_visible()
    open_incident(page, incident_id)
    expect(page.locator("#detail-held")).to_contain_text("operator1")

    page.click("#reassign-button")
    expect(page.locator("#reassign-assignee")).to_be_focused()
    expect(page.locator('#reassign-assignee option[value="operator1"]')).to_have_count(0)  # the holder
    page.select_option("#reassign-assignee", "operator2")
    page.click("#reassign-form button[type=submit]")

    expect(page.locator("#reassign-dialog")).to_be_hidden()
    expect(page.locator("#detail-held")).to_contain_text("operator2")
    expect(page.locator('#detail-timeline li[data-action="REASSIGN"]')).to_contain_text("supervisor")
    expect(row(page, incident_id)).to_contain_text("dipegang operator2")
    assert detail(operator1, incident_id)["assignedTo"] == "operator2"


def test_a_call_without_its_incident_is_opened_in_one_key_and_stays_one_incident(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    """The intake failed for this call: the contact reaches the operator without incidentId."""
    contact_id, caller = str(uuid.uuid4()), unique_caller()
    api = ApiClient(endpoints, "operator3")
    page = new_page()
    sign_in_with_fake_connect(page, endpoints, "operator3")

    page.evaluate(CONTACT_WITHOUT_INCIDENT, {"contactId": contact_id, "phoneNumber": caller})
    offer = page.locator("#call-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text(
        f"belum punya insiden (pendaftaran otomatis gagal atau terlambat). Penelepon: {caller}"
    )
    expect(page.locator("#call-offer-open")).to_have_text("Buka insiden panggilan ini (i)")
    expect(page.locator("#announcer")).to_contain_text(caller)
    shot(page, artifacts, "08-call-without-incident")
    page.keyboard.press("l")  # in English too
    expect(offer).to_contain_text(
        f"This 112 call has no incident yet (the automatic registration failed or was late). Caller: {caller}"
    )
    expect(page.locator("#call-offer-open")).to_have_text("Open this call's incident (i)")
    page.keyboard.press("l")
    expect(offer).to_contain_text("belum punya insiden")
    page.keyboard.press("i")

    expect(offer).to_be_hidden()
    [opened] = [item for item in queue_items(api) if item["contactId"] == contact_id]
    expect(page.locator("#detail-heading")).to_contain_text(opened["id"])
    expect(page.locator("#detail-heading")).to_be_focused()
    expect(page.locator('#detail-facts [data-fact="caller"]')).to_have_text(caller)
    expect(page.locator('#detail-facts [data-fact="channel"]')).to_have_text("Telepon 112")
    expect(page.locator("#detail-notice")).to_contain_text(f"…{opened['id'][-6:]} dibuat oleh Anda")
    registered = page.locator('#detail-timeline li[data-action="REGISTER"]')
    expect(registered).to_contain_text("operator3")
    expect(registered).to_contain_text("dibuka operator: panggilan tiba tanpa insiden")
    page.keyboard.press("i")  # again: nothing is waiting, nothing new is made

    # The intake's own attempt lands late (or Connect retries it): it answers the same incident.
    late = place_call(endpoints, caller, contact_id)
    assert late["incidentId"] == opened["id"]
    assert late["repeatInvocation"] == "true"

    # Transferred to another operator, who is typing in a form: the call keeps its initial contact id.
    other = call(endpoints)
    page2 = new_page()
    sign_in_with_fake_connect(page2, endpoints, "operator4")
    claim(page2, other)
    page2.locator("#verify-summary").fill("Penelepon panik")
    transferred = {"contactId": str(uuid.uuid4()), "initialContactId": contact_id, "phoneNumber": caller}
    page2.evaluate(CONTACT_WITHOUT_INCIDENT, transferred)
    expect(page2.locator("#call-offer")).to_be_visible()
    page2.keyboard.press("i")  # in a text field a letter is a letter
    expect(page2.locator("#verify-summary")).to_have_value("Penelepon paniki")
    page2.keyboard.press("Backspace")
    page2.keyboard.press("Alt+i")

    expect(page2.locator("#detail-heading")).to_contain_text(opened["id"])
    expect(page2.locator("#detail-notice")).to_contain_text(
        f"sudah punya insiden …{opened['id'][-6:]} (didaftarkan oleh operator3)"
    )
    expect(page2.locator("#detail-notice")).to_contain_text("disimpan sebagai draf")
    assert [item["contactId"] for item in queue_items(api)].count(contact_id) == 1
    assert detail(api, opened["id"])["createdBy"] == "operator3"
    page2.keyboard.press("?")
    expect(page2.locator("#help-keys")).to_contain_text("Buka insiden panggilan yang masuk tanpa insiden")
    expect(page2.locator("#help-keys")).to_contain_text("i · Alt+I")
