"""The callback desk in the browser: a call abandoned in the queue (placed through the contact flow, as
`python -m local call --abandon` places it) appears on the tab "Panggil balik"; failed attempts
recorded by keyboard, then closed as unreachable; a caller reached (called through the softphone) goes
into review with that operator; a call marked silent; the call's times and the caller who cannot speak
on the incident, in both languages."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from local.contact_events import call_events, send
from local.flow.call import CallSetup, place
from local.simulator import ApiClient, place_call
from tests.e2e.helpers import (
    claim,
    detail,
    expect_status,
    open_incident,
    shot,
    sign_in,
    sign_in_by_keyboard,
    sign_in_with_fake_connect,
    unique_caller,
)
from tests.integration.helpers import wait_for

EVENTS_TIMEOUT = 30.0  # seconds for SQS → intake-calls → the incident


def desk_row(page: Page, incident_id: str) -> Any:
    return page.locator(f'#callbacks-list button.row[data-id="{incident_id}"]')


def abandoned_call(endpoints: dict[str, Any], caller: str | None = None) -> tuple[str, str]:
    """A 112 call through the contact flow whose caller hangs up after 41 s in the queue, as `python -m
    local call --abandon 41` places it (the same code): (its incident id, the caller), once flagged."""
    caller = caller or unique_caller()
    call = place(endpoints, CallSetup(caller, abandon_after=41))
    assert call.events_sent_to is not None  # the stack has the contact-events queue
    incident_id = call.contact.attributes["incidentId"]
    api = ApiClient(endpoints, "supervisor")

    def flagged() -> bool:
        return "ABANDONED" in detail(api, incident_id)["flags"]

    wait_for(flagged, EVENTS_TIMEOUT, f"{incident_id} flagged ABANDONED")
    return incident_id, caller


def record_by_keyboard(page: Page, outcome: str) -> None:
    """o opens the outcome dialog on the selected call; the outcome is chosen and sent by keyboard."""
    page.keyboard.press("o")
    dialog = page.locator("#callback-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator('#callback-outcome input[value="REACHED"]')).to_be_focused()
    target = page.locator(f'#callback-outcome input[value="{outcome}"]')
    for _ in range(5):  # the arrow keys move through the radio group
        if target.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(target).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()


def test_an_abandoned_call_is_on_the_desk_and_closed_unreachable_after_three_no_answers(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id, caller = abandoned_call(endpoints)
    page = new_page()
    sign_in_by_keyboard(page, endpoints, "operator6")
    expect(page.locator("#count-callbacks")).not_to_have_text("")  # counted from the incoming list
    page.keyboard.press("5")
    expect(page.locator("#tab-callbacks")).to_have_attribute("aria-selected", "true")
    row = desk_row(page, incident_id)
    expect(row).to_be_visible()
    expect(row).to_contain_text("Ditinggalkan di antrean")
    expect(row).to_contain_text(caller)
    expect(row).to_contain_text("menunggu 41 dtk di antrean")
    expect(row.locator(".attempts")).to_have_text("gagal 0 dari 3")
    expect(row.locator(".wait")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    shot(page, artifacts, "20-callback-desk")
    row.focus()
    page.keyboard.press("u")  # too early: says why
    expect(page.locator("#desk-notice")).to_contain_text("baru 0 dari 3")
    for n in range(1, 4):
        row.focus()
        record_by_keyboard(page, "NO_ANSWER")
        expect(row.locator(".attempts")).to_have_text(f"gagal {n} dari 3")
        expect(row).to_contain_text("terakhir: Tidak diangkat, operator6")
    row.focus()
    page.keyboard.press("u")
    dialog = page.locator("#unreachable-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#unreachable-intro")).to_contain_text("3 panggilan balik gagal")
    page.keyboard.type("Nomor tidak pernah mengangkat")
    page.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(0)
    expect(page.locator("#desk-notice")).to_contain_text("Ditutup: tidak dapat dihubungi")
    closed = detail(ApiClient(endpoints, "operator6"), incident_id)
    assert (closed["status"], closed["rejection"]["reason"]) == ("REJECTED", "UNREACHABLE")
    assert [a["outcome"] for a in closed["callback"]["attempts"]] == ["NO_ANSWER"] * 3


def test_a_caller_reached_through_the_softphone_goes_into_review_with_that_operator(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    incident_id, caller = abandoned_call(endpoints)
    page = new_page()
    sign_in_with_fake_connect(page, endpoints, "operator7")
    page.keyboard.press("5")
    row = desk_row(page, incident_id)
    expect(row).to_be_visible()
    row.focus()
    page.keyboard.press("b")  # click-to-dial through the softphone
    page.wait_for_function(f"window.dialled.includes({json.dumps(caller)})")
    expect(page.locator("#desk-notice")).to_contain_text(f"Menelepon {caller} lewat softphone")
    row.focus()
    record_by_keyboard(page, "REACHED")
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect_status(page, "IN_REVIEW")
    expect(page.locator("#detail-held")).to_contain_text("operator7")
    expect(page.locator("#verify-category")).to_be_focused()  # the review goes on as after a claim
    expect(row).to_have_count(0)
    expect(page.locator('#detail-timeline li[data-action="CALLBACK_REACHED"]')).to_contain_text(
        "Terhubung dengan penelepon"
    )
    shot(page, artifacts, "21-callback-reached")
    reviewed = detail(ApiClient(endpoints, "operator7"), incident_id)
    assert (reviewed["status"], reviewed["assignedTo"]) == ("IN_REVIEW", "operator7")


def test_without_connect_the_number_is_shown_to_dial_on_the_desk_phone(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id, caller = abandoned_call(endpoints)
    page = new_page()
    sign_in(page, endpoints, "operator8")
    page.click("#tab-callbacks")
    desk_row(page, incident_id).click()  # opens the incident: the same actions on its view
    expect(page.locator("#detail-heading")).to_contain_text(incident_id)
    expect(page.locator("#callback-button")).to_be_visible()
    page.click("#dial-button")
    expect(page.locator("#desk-notice")).to_contain_text(f"Telepon {caller} dari telepon meja")


def test_an_operator_marks_a_call_silent_and_it_joins_the_desk(
    new_page: Callable[[], Page], endpoints: dict[str, Any]
) -> None:
    incident_id = place_call(endpoints, unique_caller())["incidentId"]
    page = new_page()
    sign_in(page, endpoints, "operator9")
    claim(page, incident_id)
    page.keyboard.press("Escape")  # out of the verify form (kept as a draft)
    page.locator("#detail-heading").focus()
    page.keyboard.press("s")
    dialog = page.locator("#silent-dialog")
    expect(dialog).to_be_visible()
    page.keyboard.type("Hanya suara napas")
    page.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#detail-notice")).to_contain_text("masuk daftar Panggil balik")
    expect(page.locator('#detail-flags [data-flag="SILENT"]')).to_be_visible()
    expect(page.locator('#detail-timeline li[data-action="MARK_SILENT"]')).to_contain_text(
        "Hanya suara napas"
    )
    expect(page.locator("#silent-button")).to_be_hidden()
    page.keyboard.press("5")
    expect(desk_row(page, incident_id)).to_contain_text("Hening")


def test_the_calls_times_and_a_caller_who_cannot_speak_in_both_languages(
    new_page: Callable[[], Page], endpoints: dict[str, Any], artifacts: Path
) -> None:
    contact = str(uuid.uuid4())
    incident_id = place_call(endpoints, unique_caller(), contact)["incidentId"]
    send(endpoints, call_events(contact, answered_by="operator3", queue_wait=9))
    api = ApiClient(endpoints, "operator3")
    wait_for(
        lambda: (detail(api, incident_id).get("call") or {}).get("answeredBy"), EVENTS_TIMEOUT, "answered by"
    )

    def cannot_speak(route: Route) -> None:  # the flag the intake sets when the caller pressed the key
        response = route.fetch()
        body = response.json()
        body["flags"] = [*body["flags"], "CANNOT_SPEAK"]
        route.fulfill(response=response, json=body)

    page = new_page()
    page.route(f"**/incidents/{incident_id}", cannot_speak)
    sign_in(page, endpoints, "operator3")
    open_incident(page, incident_id)
    call = page.locator("#detail-call")
    expect(call.locator('dd[data-call="answeredAt"]')).to_contain_text("oleh operator3")
    expect(call.locator('dd[data-call="intervals"]')).to_contain_text("antrean → dijawab 9 dtk")
    expect(call.locator('dd[data-call="intervals"]')).to_contain_text("dering → dijawab 17 dtk")
    note = page.locator('#detail-flags [data-flag="CANNOT_SPEAK"]')
    expect(note).to_contain_text("Penelepon tidak dapat bicara")
    expect(page.locator('#detail-facts .flag[data-flag="CANNOT_SPEAK"]')).to_have_text(
        "Penelepon tidak dapat bicara"
    )
    shot(page, artifacts, "22-call-times")
    page.locator("#detail-heading").focus()
    page.keyboard.press("l")
    expect(note).to_contain_text("The caller cannot speak")
    expect(call.locator('dd[data-call="answeredAt"]')).to_contain_text("by operator3")
    expect(call.locator('dd[data-call="intervals"]')).to_contain_text("queue → answer 9 s")
    page.keyboard.press("5")
    expect(page.locator("#tab-callbacks")).to_contain_text("Call back")
