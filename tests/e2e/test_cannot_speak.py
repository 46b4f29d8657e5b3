"""A caller who pressed the flow's "cannot speak" key (5 5): the operator who opens the call's incident
reads it in words, in the queue, among its facts and in its timeline, in both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from local.flow.call import CallSetup, place
from local.flow.world import Script
from tests.e2e.helpers import open_incident, row, sign_in, unique_caller


def test_the_cannot_speak_flag_in_words(new_page: Callable[[], Page], endpoints: dict[str, Any]) -> None:
    call = place(endpoints, CallSetup(unique_caller(), script=Script(presses="55")))
    incident_id = call.contact.attributes["incidentId"]
    page = new_page()
    sign_in(page, endpoints, "operator7")

    chip = row(page, incident_id).locator('.flag[data-flag="CANNOT_SPEAK"]')
    expect(chip).to_have_text("Penelepon tidak dapat bicara")
    open_incident(page, incident_id)
    fact = page.locator('#detail-facts .flag[data-flag="CANNOT_SPEAK"]')
    expect(fact).to_have_text("Penelepon tidak dapat bicara")
    flagged = page.locator('#detail-timeline li[data-action="FLAG"]')
    expect(flagged.locator("strong")).to_have_text("Ditandai")
    expect(flagged.locator(".actor")).to_have_text("sistem (alur panggilan 112)")
    expect(flagged.locator(".details")).to_have_text("Penelepon tidak dapat bicara")
    expect(flagged.locator(".details.raw")).to_have_count(0)

    page.click("#lang-button")
    expect(fact).to_have_text("Caller cannot speak")
    expect(flagged.locator("strong")).to_have_text("Flagged")
    expect(flagged.locator(".actor")).to_have_text("system (112 call flow)")
    expect(flagged.locator(".details")).to_have_text("Caller cannot speak")
